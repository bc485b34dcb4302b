"""DKIM key pairs: making, loading, and the public half as DNS publishes it."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

KEY_BITS = 2048
MIN_KEY_BITS = 1024


class InvalidDkimKey(ValueError):
    """The configured DKIM private key cannot be used."""


def generate_private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)


def load_private_key(pem: bytes) -> rsa.RSAPrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise InvalidDkimKey("not an unencrypted PEM private key") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise InvalidDkimKey("the DKIM key must be an RSA key")
    if key.key_size < MIN_KEY_BITS:
        raise InvalidDkimKey(f"the DKIM key must have at least {MIN_KEY_BITS} bits")
    return key


def pkcs1_pem(key: rsa.RSAPrivateKey) -> bytes:
    """The PKCS#1 ("RSA PRIVATE KEY") form, the one dkimpy reads."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


def public_key_base64(key: rsa.RSAPrivateKey) -> str:
    """The `p=` value of the DKIM record: the SubjectPublicKeyInfo, DER, base64."""
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode("ascii")


def write_private_key(path: Path, key: rsa.RSAPrivateKey) -> None:
    """Write the key readable by its owner only; never overwrites an existing file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pkcs1_pem(key))
