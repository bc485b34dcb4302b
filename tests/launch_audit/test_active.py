"""C27: the active rows (--active --probe-email) against the app served over TLS.

Each run spends the probe account's per-address limits, so each test takes a fresh
probe account (verified, made before the deployment started).
"""

from __future__ import annotations

import pytest

from app.authz.policies import api_routes
from app.launch_audit.active_checks import LINK_PAGES
from app.main import app as roundtable
from tests.launch_audit import deployment as faults
from tests.launch_audit.conftest import Deployment

pytestmark = pytest.mark.checklist("C27")

LIMITED = ("login", "signup", "password-reset", "magic-link")
LIMIT_ROWS = [f"active-limit-{name}" for name in LIMITED]
PASSWORD_VARIABLE = "AUDIT_PROBE_PASSWORD"


def _active(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch, *, sign_in: bool = True
) -> tuple[int, dict[str, dict[str, str]]]:
    if sign_in:
        monkeypatch.setenv(PASSWORD_VARIABLE, deployment.probe_password)
    else:
        monkeypatch.delenv(PASSWORD_VARIABLE, raising=False)
    return deployment.audit("--active", "--probe-email", deployment.probe())


def _served_paths() -> set[str]:
    """Every path the app serves, routes of included routers too (`app.routes` lists a
    router, not its routes)."""
    return {route.path for route in api_routes(roundtable)}


def test_every_limit_answers_429_with_retry_after_within_its_documented_limit(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    _code, rows = _active(deployment, monkeypatch)

    for id_ in LIMIT_ROWS:
        assert rows[id_]["status"] == "pass", rows[id_]
        requests = int(rows[id_]["evidence"].split("429 after ")[1].split(" ")[0])
        assert requests <= 5  # the documented per-address limit is 5
        assert "Retry-After None" not in rows[id_]["evidence"]


def test_known_and_unknown_addresses_get_identical_answers(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    _code, rows = _active(deployment, monkeypatch)

    row = rows["active-enumeration"]
    assert row["status"] == "pass", row
    assert row["evidence"] == (
        "identical status and body: login 401, signup 202, password-reset 202, magic-link 202"
    )


def test_a_real_sign_in_shows_the_session_cookies_well_set(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    _code, rows = _active(deployment, monkeypatch)

    row = rows["active-session-cookies"]
    assert row["status"] == "pass", row
    assert row["evidence"] == "well set: __Host-session, csrf_token"


def test_without_the_probe_password_the_session_row_skips_saying_what_to_set(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    _code, rows = _active(deployment, monkeypatch, sign_in=False)

    assert rows["active-session-cookies"]["status"] == "skip"
    assert PASSWORD_VARIABLE in rows["active-session-cookies"]["evidence"]


def test_a_wrong_probe_password_fails_the_session_row(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_VARIABLE, "not the probe's password")

    _code, rows = deployment.audit("--active", "--probe-email", deployment.probe())

    assert rows["active-session-cookies"]["status"] == "fail"
    assert rows["active-session-cookies"]["evidence"] == "the probe's sign-in answered 401"


def test_the_link_pages_row_names_each_page_the_app_does_not_serve(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    _code, rows = _active(deployment, monkeypatch)

    missing = [path for path in LINK_PAGES if path not in _served_paths()]
    row = rows["active-link-pages"]
    assert row["status"] == ("fail" if missing else "pass"), row
    for path in missing:
        assert f"GET {path} 404 (not served)" in row["evidence"]
    for path in set(LINK_PAGES) - set(missing):
        assert path not in row["evidence"]


def test_configured_well_with_link_pages_served_every_active_row_passes(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    with deployment.fault(faults.LINK_PAGES_SERVED):
        code, rows = _active(deployment, monkeypatch)

    active = {id_: row for id_, row in rows.items() if id_.startswith("active-")}
    assert len(active) == 7
    assert {row["status"] for row in active.values()} == {"pass"}, active
    assert code == 0


@pytest.mark.parametrize(
    ("fault", "row", "evidence"),
    [
        (faults.ENUMERATION, "active-enumeration", "magic-link: known 202, unknown 404"),
        (faults.LINK_PAGE_SIGNS_IN, "active-link-pages", "GET /magic-link redirects to"),
        (faults.SESSION_COOKIE_RENAMED, "active-session-cookies", "session is not a __Host-"),
    ],
)
def test_one_active_misconfiguration_fails_exactly_its_row(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch, fault: str, row: str, evidence: str
) -> None:
    with deployment.fault(faults.LINK_PAGES_SERVED, fault):
        code, rows = _active(deployment, monkeypatch)

    failing = {id_ for id_, check in rows.items() if check["status"] == "fail"}
    assert failing == {row}, rows
    assert evidence in rows[row]["evidence"]
    assert code == 1


def test_rate_limits_switched_off_fail_every_limit_row(
    deployment_without_limits: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    with deployment_without_limits.fault(faults.LINK_PAGES_SERVED):
        code, rows = _active(deployment_without_limits, monkeypatch)

    failing = {id_ for id_, row in rows.items() if row["status"] == "fail"}
    assert failing == set(LIMIT_ROWS)
    assert "no 429 in 6 requests" in rows["active-limit-login"]["evidence"]
    assert code == 1
