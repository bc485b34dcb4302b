"""C19, C17: with no SMTP_HOST mail becomes `.eml` files; only development logs its links."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest

from app.core.settings import load_settings
from app.mail.delivery import MailDelivery
from app.mail.transport import FolderTransport
from tests.mail.conftest import LINK, Outbox

pytestmark = pytest.mark.checklist("C19")


def folder_delivery(outbox: Outbox, folder: Path, environment: str) -> MailDelivery:
    settings = load_settings(
        environment=environment,
        secret_key="s" * 16 + "e" * 16 + "k" * 16,
        database_url=outbox.settings.database_url,
        smtp_host=None,
        email_from="no-reply@roundtable.test",
        mail_folder=folder,
    )
    return MailDelivery(settings, outbox.database, transport=FolderTransport(settings), signer=None)


async def test_without_smtp_host_a_mail_is_written_as_an_eml_file_and_the_log_says_where(
    outbox: Outbox,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    json_logs: None,
) -> None:
    capsys.readouterr()
    await outbox.enqueue("local@example.org")

    assert await folder_delivery(outbox, tmp_path / "mail", "test").deliver_due() == 1

    [written] = (tmp_path / "mail").glob("*.eml")
    message = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
    assert message["To"] == "local@example.org"
    assert written.stat().st_mode & 0o077 == 0
    assert str(written) in capsys.readouterr().out


@pytest.mark.checklist("C17")
async def test_outside_development_the_log_never_holds_the_links_of_a_mail(
    outbox: Outbox,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    json_logs: None,
) -> None:
    capsys.readouterr()
    await outbox.enqueue("quiet@example.org")

    await folder_delivery(outbox, tmp_path, "test").deliver_due()

    logged = capsys.readouterr().out
    assert '"mail_written"' in logged
    assert "live-single-use-token" not in logged


async def test_in_development_the_log_shows_the_links_so_a_new_user_can_click_theirs(
    outbox: Outbox,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    json_logs: None,
) -> None:
    capsys.readouterr()
    await outbox.enqueue("dev@example.org")

    await folder_delivery(outbox, tmp_path, "development").deliver_due()

    assert LINK in capsys.readouterr().out
