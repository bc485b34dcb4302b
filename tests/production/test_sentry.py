"""C22: Sentry starts from SENTRY_DSN and its events carry nothing secret or personal."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import sentry_sdk

from app.core.sentry import RELEASE, init_sentry
from app.core.settings import Settings
from tests.production.sentry_sink import sentry_sink

pytestmark = pytest.mark.checklist("C22")
ROOT = Path(__file__).resolve().parents[2]


def _capture_failure(dsn: str, password: str, token: str, email: str) -> None:
    settings = Settings(environment="test", sentry_dsn=dsn)
    assert init_sentry(settings)
    try:
        with sentry_sdk.new_scope() as scope:
            scope.set_context(
                "request_body", {"password": password, "token": token, "note": f"for {email}"}
            )
            scope.set_extra("login", email)
            scope.set_tag("route", "/api/v1/auth/login")
            try:
                raise RuntimeError(f"login failed for {email}")
            except RuntimeError:
                sentry_sdk.capture_exception()
        sentry_sdk.get_client().flush(timeout=10)
    finally:
        sentry_sdk.get_client().close(timeout=2)
        sentry_sdk.init()  # back to a client that sends nothing


def test_events_reach_sentry_with_environment_and_release_and_no_secrets() -> None:
    password = secrets.token_urlsafe(12)
    token = secrets.token_urlsafe(24)
    email = f"member-{secrets.token_hex(4)}@example.org"
    with sentry_sink() as sink:
        _capture_failure(sink.dsn, password, token, email)
        assert sink.received.wait(10)
    assert sink.events, "no event reached the local Sentry endpoint"
    event = sink.events[0]
    assert event["environment"] == "test"
    assert event["release"] == RELEASE
    text = b"".join(sink.raw).decode()
    for secret in (password, token, email):
        assert secret not in text


def test_request_cookies_and_authorization_are_dropped_from_events() -> None:
    from app.core.sentry import scrub_event

    cookie = secrets.token_urlsafe(16)
    bearer = secrets.token_urlsafe(16)
    event = {
        "request": {
            "headers": {"Cookie": f"session={cookie}", "Authorization": f"Bearer {bearer}"},
            "cookies": {"session": cookie},
            "data": {"password": "x"},
        },
        "user": {"email": "someone@example.org", "ip_address": "203.0.113.9"},
    }
    scrubbed = json.dumps(scrub_event(event))
    assert cookie not in scrubbed and bearer not in scrubbed
    assert "someone@example.org" not in scrubbed and "203.0.113.9" not in scrubbed


def test_sdk_is_configured_without_personal_data_or_local_variables() -> None:
    with sentry_sink() as sink:
        settings = Settings(environment="test", sentry_dsn=sink.dsn)
        init_sentry(settings)
        try:
            options = sentry_sdk.get_client().options
            assert options["send_default_pii"] is False
            assert options["include_local_variables"] is False
            assert options["before_send"] is not None
        finally:
            sentry_sdk.get_client().close(timeout=2)
            sentry_sdk.init()


def _cli(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("SENTRY_DSN", "ENVIRONMENT")}
    return subprocess.run(
        [sys.executable, "-m", "app", "sentry-test"],
        cwd=ROOT,
        env={**clean, "ENVIRONMENT": "test", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_sentry_test_command_delivers_an_event_and_exits_zero() -> None:
    with sentry_sink() as sink:
        result = _cli({"SENTRY_DSN": sink.dsn})
        assert result.returncode == 0, result.stderr
        assert sink.received.wait(10)
    assert any("sentry-test" in str(event.get("message", event)) for event in sink.events)


def test_sentry_test_command_without_dsn_says_so_in_one_line() -> None:
    result = _cli({})
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0
    assert "SENTRY_DSN" in result.stderr
    assert "Traceback" not in result.stderr
