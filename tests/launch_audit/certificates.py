"""Certificates made at test time with `cryptography`: a private CA, and leaves good or bad.

Nothing is stored in the repository; each test session writes fresh PEM files. Server
certificates are signed by an intermediate CA, as public CAs do, so that a server
sending its certificate without the intermediate shows an incomplete chain.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

Key = ec.EllipticCurvePrivateKey
CA_KEY_USAGE = x509.KeyUsage(
    digital_signature=True,
    content_commitment=False,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=True,
    crl_sign=True,
    encipher_only=False,
    decipher_only=False,
)


@dataclass(frozen=True)
class Authority:
    key: Key
    certificate: x509.Certificate


@dataclass(frozen=True)
class PemPair:
    certificate: Path
    key: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def new_authority(
    name: str = "Roundtable audit test CA", issuer: Authority | None = None
) -> Authority:
    """A root CA, or an intermediate one when `issuer` signs it."""
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(issuer.certificate.subject if issuer else _name(name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now() - datetime.timedelta(days=1))
        .not_valid_after(_now() + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(CA_KEY_USAGE, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer is not None:
        identifier = x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key())
        builder = builder.add_extension(identifier, critical=False)
    return Authority(key, builder.sign(issuer.key if issuer else key, hashes.SHA256()))


def leaf(
    hosts: list[str],
    issuer: Authority | None,
    *,
    valid_from: datetime.timedelta = datetime.timedelta(days=-1),
    valid_until: datetime.timedelta = datetime.timedelta(days=90),
) -> tuple[Key, x509.Certificate]:
    """A server certificate for `hosts`, signed by `issuer` (self-signed when None)."""
    key = ec.generate_private_key(ec.SECP256R1())
    signer_key = issuer.key if issuer else key
    issuer_name = issuer.certificate.subject if issuer else _name(hosts[0])
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(hosts[0]))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now() + valid_from)
        .not_valid_after(_now() + valid_until)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(h) for h in hosts]), False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    )
    if issuer is not None:
        identifier = x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key())
        builder = builder.add_extension(identifier, critical=False)
    return key, builder.sign(signer_key, hashes.SHA256())


def write_pair(
    folder: Path,
    stem: str,
    key: Key,
    certificate: x509.Certificate,
    chain: tuple[x509.Certificate, ...] = (),
) -> PemPair:
    """The key, and the certificate followed by the `chain` the server sends with it."""
    pair = PemPair(folder / f"{stem}.crt", folder / f"{stem}.key")
    pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (certificate, *chain))
    pair.certificate.write_bytes(pem)
    pair.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    pair.key.chmod(0o600)
    return pair


def write_authority(folder: Path, authority: Authority) -> Path:
    path = folder / "ca.pem"
    path.write_bytes(authority.certificate.public_bytes(serialization.Encoding.PEM))
    return path
