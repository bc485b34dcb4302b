"""Error tracking: Sentry from `SENTRY_DSN`, with nothing personal or secret in an event."""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any

from app.core.cli import CommandDecorator, Registrar, SubParsers
from app.core.logging import REDACTED, redact_mapping
from app.core.settings import Settings, load_settings

RELEASE = "roundtable@0.1.0"
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
SENSITIVE_HEADERS = frozenset({"cookie", "authorization", "set-cookie", "x-csrf-token"})


def _scrub_text(value: Any) -> Any:
    if isinstance(value, str):
        return EMAIL.sub(REDACTED, value)
    if isinstance(value, dict):
        return {key: _scrub_text(item) for key, item in redact_mapping(value).items()}
    if isinstance(value, list | tuple):
        return [_scrub_text(item) for item in value]
    return value


def scrub_event(event: dict[str, Any], _hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """Drop cookies and authorization; redact tokens, passwords and email addresses anywhere."""
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("cookies", None)
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {
                key: (REDACTED if key.lower() in SENSITIVE_HEADERS else value)
                for key, value in headers.items()
            }
        request.pop("data", None)
        request.pop("query_string", None)
    event.pop("user", None)
    scrubbed: dict[str, Any] = _scrub_text(event)
    return scrubbed


def init_sentry(settings: Settings) -> bool:
    """Start the SDK when a DSN is configured; answer whether it started."""
    if settings.sentry_dsn is None:
        return False
    import sentry_sdk

    sentry_sdk.init(
        dsn=settings.sentry_dsn.get_secret_value(),
        environment=settings.environment.value,
        release=RELEASE,
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        before_send=scrub_event,  # type: ignore[arg-type]
    )
    return True


def register(command: CommandDecorator) -> Registrar:
    @command("sentry-test")
    def sentry_test(_args: argparse.Namespace) -> int:
        settings = load_settings()
        if not init_sentry(settings):
            print(
                "SENTRY_DSN is not set: set it to the project's DSN and run again", file=sys.stderr
            )
            return 1
        import sentry_sdk

        event_id = sentry_sdk.capture_message("Roundtable sentry-test: events reach Sentry")
        client = sentry_sdk.get_client()
        client.flush(timeout=10)
        print(f"test event {event_id} sent to Sentry")
        return 0

    def add_parser(sub: SubParsers) -> None:
        sub.add_parser("sentry-test", help="send a test event to Sentry and wait for delivery")

    return add_parser
