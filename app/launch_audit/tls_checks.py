"""Certificate and protocol rows, with the standard library's `ssl`."""

from __future__ import annotations

import socket
import ssl
import time
import warnings

from app.launch_audit.client import Client, tls_context
from app.launch_audit.model import Row, Status

WARN_DAYS = 21


def _handshake(client: Client, context: ssl.SSLContext) -> ssl.SSLSocket:
    target = client.target
    address = client.connect_address(target.host, target.port)
    raw = socket.create_connection(address, timeout=target.timeout)
    try:
        return context.wrap_socket(raw, server_hostname=target.host)
    except BaseException:
        raw.close()
        raise


def certificate(client: Client) -> Row:
    title = "certificate valid, chain complete, days to expiry"
    fix = "serve a certificate for this host from a public CA with its full chain"
    try:
        with _handshake(client, tls_context(client.target)) as tls:
            cert = tls.getpeercert() or {}
    except ssl.SSLCertVerificationError as exc:
        return Row("tls-certificate", title, Status.FAIL, exc.verify_message or str(exc), fix)
    not_after = ssl.cert_time_to_seconds(str(cert["notAfter"]))
    days = int((not_after - time.time()) // 86400)
    evidence = f"valid for {client.target.host}, expires {cert['notAfter']} ({days} days)"
    if days < WARN_DAYS:
        return Row("tls-certificate", title, Status.WARN, evidence, "renew the certificate now")
    return Row("tls-certificate", title, Status.PASS, evidence)


def tls_version(client: Client) -> Row:
    title = "TLS 1.2 or newer only"
    with _handshake(client, _unverified(tls_context(client.target))) as tls:
        negotiated = tls.version() or "unknown"  # the certificate row judges the certificate
    try:
        with _handshake(client, _old_protocols_context()) as tls:
            accepted = tls.version()
    except (ssl.SSLError, ValueError, OSError):
        accepted = None
    if accepted is not None:
        fix = "allow only TLS 1.2 and 1.3 at the server or proxy"
        return Row("tls-version", title, Status.FAIL, f"{accepted} accepted", fix)
    evidence = f"negotiated {negotiated}; a TLS 1.0/1.1 handshake failed"
    return Row("tls-version", title, Status.PASS, evidence)


def _unverified(context: ssl.SSLContext) -> ssl.SSLContext:
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _old_protocols_context() -> ssl.SSLContext:
    """A client offering only TLS 1.0 and 1.1, to see whether the server still takes them."""
    context = _unverified(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT))
    with warnings.catch_warnings():  # the old versions are deprecated: that is the point
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = ssl.TLSVersion.TLSv1
        context.maximum_version = ssl.TLSVersion.TLSv1_1
    context.set_ciphers("ALL:@SECLEVEL=0")
    return context
