"""The mail tests' outbox, for the fault tests that run real mail workers."""

from tests.mail.conftest import outbox, outbox_database_url

__all__ = ["outbox", "outbox_database_url"]
