"""The sender address, as SMTP, DKIM and DMARC see it."""

from __future__ import annotations

from email.headerregistry import Address
from email.utils import parseaddr

from app.core.settings import Settings


def sender_address(settings: Settings) -> Address:
    """EMAIL_FROM, which may be `addr@domain` or `Display Name <addr@domain>`."""
    display_name, addr_spec = parseaddr(settings.email_from)
    return Address(display_name=display_name, addr_spec=addr_spec)


def sender_domain(settings: Settings) -> str:
    """The From domain: the DKIM signing domain `d=` and the one DMARC aligns with."""
    return sender_address(settings).domain.lower()
