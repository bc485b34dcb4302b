"""DKIM signing of outgoing mail with dkimpy; the From domain is the signing domain."""

from __future__ import annotations

import dkim
import structlog

from app.core.settings import ConfigurationError, Settings
from app.mail.addresses import sender_domain
from app.mail.dkim_keys import InvalidDkimKey, load_private_key, pkcs1_pem

logger = structlog.get_logger("app.mail")

# From is listed twice: the second, empty instance stops a relay adding another From.
_ALWAYS_SIGNED = (b"From", b"From", b"To", b"Subject", b"Date", b"Message-ID")
_SIGNED_WHEN_PRESENT = (
    b"MIME-Version",
    b"Content-Type",
    b"List-Unsubscribe",
    b"List-Unsubscribe-Post",
)


class DkimSigner:
    def __init__(self, *, domain: str, selector: str, private_key_pem: bytes) -> None:
        self.domain = domain
        self.selector = selector
        self._key = pkcs1_pem(load_private_key(private_key_pem))

    def sign(self, raw: bytes, header_names: set[str]) -> bytes:
        """`raw` with a DKIM-Signature header in front (relaxed/relaxed, rsa-sha256).

        CPU-bound (about 10 ms for a 2048-bit key): call it from a worker thread.
        """
        present = {name.lower() for name in header_names}
        include = [*_ALWAYS_SIGNED] + [
            name for name in _SIGNED_WHEN_PRESENT if name.decode().lower() in present
        ]
        signature = dkim.sign(
            raw,
            self.selector.encode(),
            self.domain.encode(),
            self._key,
            canonicalize=(b"relaxed", b"relaxed"),
            include_headers=include,
        )
        return bytes(signature) + raw


def load_signer(settings: Settings) -> DkimSigner | None:
    """The signer the settings describe, or None (with a warning) when DKIM is not set up.

    Reads DKIM_PRIVATE_KEY_FILE: call it off the event loop.
    """
    try:
        pem = settings.dkim_key_pem()
    except OSError as exc:
        raise ConfigurationError(f"DKIM_PRIVATE_KEY_FILE cannot be read: {exc.strerror}") from exc
    if pem is None:
        logger.warning(
            "dkim_disabled",
            reason="DKIM_PRIVATE_KEY / DKIM_PRIVATE_KEY_FILE is not set; mail goes out unsigned",
        )
        return None
    if not settings.dkim_selector:
        raise ConfigurationError("DKIM_SELECTOR is required when a DKIM key is set")
    try:
        signer = DkimSigner(
            domain=sender_domain(settings), selector=settings.dkim_selector, private_key_pem=pem
        )
    except InvalidDkimKey as exc:
        raise ConfigurationError(f"DKIM_PRIVATE_KEY is not usable: {exc}") from exc
    logger.info("dkim_enabled", domain=signer.domain, selector=signer.selector)
    return signer
