"""C27: the passive rows against the app served over TLS by a real process.

Configured well, every row passes; the skips are justified: no --mail-domain here, and
no cookie is set before a sign-in (the active test signs in). Then one misconfiguration
at a time, each turning exactly its own row to fail and the exit code to 1.
"""

from __future__ import annotations

import json

import pytest

from app.__main__ import main
from tests.launch_audit import deployment as faults
from tests.launch_audit.conftest import EXPIRING_DAYS, Deployment
from tests.launch_audit.test_usage_and_output import unreachable_args

pytestmark = pytest.mark.checklist("C27")

JUSTIFIED_SKIPS = {"mail", "login-cookies"}


def _failing(rows: dict[str, dict[str, str]]) -> dict[str, str]:
    return {id_: row["evidence"] for id_, row in rows.items() if row["status"] == "fail"}


def test_the_app_configured_well_passes_every_passive_row(deployment: Deployment) -> None:
    code, rows = deployment.audit()

    not_passing = {id_: row for id_, row in rows.items() if row["status"] != "pass"}
    assert {id_: row["status"] for id_, row in not_passing.items()} == dict.fromkeys(
        JUSTIFIED_SKIPS, "skip"
    ), not_passing
    assert code == 0
    assert "TLSv1.3" in rows["tls-version"]["evidence"]
    assert rows["http-redirect"]["evidence"] == "1 hop(s): https://community.example.org/"
    assert rows["canonical-host"]["evidence"].startswith("www.community.example.org -> ")
    assert "(89 days)" in rows["tls-certificate"]["evidence"]
    assert "no cookie to judge" in rows["login-cookies"]["evidence"]


@pytest.mark.parametrize(
    ("fault", "row", "evidence"),
    [
        (faults.HTTP_NO_REDIRECT, "http-redirect", "answered 200 over http"),
        (faults.REDIRECT_LOOP, "http-redirect", "redirect loop"),
        (faults.NO_HSTS, "hsts", "no Strict-Transport-Security header"),
        (faults.DOCS_OPEN, "exposed-paths", "open: /docs (200), /openapi.json (200)"),
        (faults.REFLECTED_CORS, "cors", "with credentials"),
        (faults.BANNER, "version-banner", "server: nginx/1.18.0"),
        (faults.PLAIN_COOKIE, "login-cookies", "lb is not a __Host- cookie"),
        (faults.WWW_SERVED, "canonical-host", "www.community.example.org answered 200"),
        (faults.NO_CSP, "security-headers", "missing: Content-Security-Policy"),
        (faults.TRACEBACK, "error-bodies", "'Traceback (most recent call last)'"),
        (faults.NOT_READY, "health", "/readyz 503"),
    ],
)
def test_one_misconfiguration_fails_exactly_its_row(
    deployment: Deployment, fault: str, row: str, evidence: str
) -> None:
    with deployment.fault(fault):
        code, rows = deployment.audit()

    assert _failing(rows).keys() == {row}, _failing(rows)
    assert evidence in rows[row]["evidence"]
    assert rows[row]["fix"]
    assert code == 1


def test_an_expired_certificate_fails_only_the_certificate_row(deployment: Deployment) -> None:
    code, rows = deployment.audit(listener="expired")

    assert _failing(rows) == {"tls-certificate": "certificate has expired"}
    assert code == 1


def test_a_certificate_sent_without_its_intermediate_fails_only_the_certificate_row(
    deployment: Deployment,
) -> None:
    code, rows = deployment.audit(listener="incomplete-chain")

    assert _failing(rows) == {"tls-certificate": "unable to get local issuer certificate"}
    assert code == 1


def test_a_certificate_expiring_within_21_days_warns_and_fails_nothing(
    deployment: Deployment,
) -> None:
    code, rows = deployment.audit(listener="expiring")

    assert rows["tls-certificate"]["status"] == "warn"
    assert f"({EXPIRING_DAYS - 1} days)" in rows["tls-certificate"]["evidence"]
    assert rows["tls-certificate"]["fix"] == "renew the certificate now"
    assert _failing(rows) == {}
    assert code == 0


def test_a_self_signed_certificate_without_the_bundle_fails_only_the_certificate_row(
    deployment: Deployment,
) -> None:
    code, rows = deployment.audit(listener="self-signed", trust=False)

    assert _failing(rows) == {"tls-certificate": "self-signed certificate"}
    assert code == 1


def test_the_good_certificate_without_its_ca_bundle_is_not_trusted(deployment: Deployment) -> None:
    _code, rows = deployment.audit(trust=False)

    assert _failing(rows) == {"tls-certificate": "unable to get local issuer certificate"}


def test_a_row_keeps_its_title_and_marking_when_the_target_does_not_answer(
    deployment: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    _code, reached = deployment.audit()
    capsys.readouterr()
    main(unreachable_args("--format", "json"))
    unreachable = {c["id"]: c["title"] for c in json.loads(capsys.readouterr().out)["checks"]}

    assert unreachable == {id_: row["title"] for id_, row in reached.items()}
    assert reached["health"]["title"].endswith(" (Roundtable)")
    assert not reached["hsts"]["title"].endswith(" (Roundtable)")
