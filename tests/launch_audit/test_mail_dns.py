"""C27: the mail rows, read from a DNS server on 127.0.0.1 that the test fills.

Good records pass every mail row; then one record at a time is made wrong (SPF `+all`,
too many SPF lookups, no DMARC, `p=none`, no rua, no DKIM key, no MX, another sender
domain), each failing exactly its row.
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from app.mail.dkim_keys import generate_private_key, public_key_base64
from tests.launch_audit.conftest import HOST, Deployment
from tests.mail.dns_server import LocalDnsServer

pytestmark = pytest.mark.checklist("C27")

DOMAIN = HOST
SELECTOR = "rt1"
GOOD_SPF = "v=spf1 mx ~all"
GOOD_DMARC = f"v=DMARC1; p=quarantine; rua=mailto:dmarc@{DOMAIN}"
MAIL_ROWS = {"mail-spf", f"mail-dkim-{SELECTOR}", "mail-dmarc", "mail-mx", "mail-alignment"}


@pytest.fixture(scope="module")
def public_key() -> str:
    return public_key_base64(generate_private_key())


def _txt(value: str) -> str:
    """A TXT value in presentation form, split into 255-character strings."""
    return " ".join(f'"{value[i : i + 255]}"' for i in range(0, len(value), 255))


def publish(
    dns_server: LocalDnsServer,
    public_key: str,
    *,
    spf: str | None = GOOD_SPF,
    dmarc: str | None = GOOD_DMARC,
    dkim: bool = True,
    mx: bool = True,
) -> None:
    dns_server.add(DOMAIN, "A", "192.0.2.10")
    if spf is not None:
        dns_server.add(DOMAIN, "TXT", _txt(spf))
    if dmarc is not None:
        dns_server.add(f"_dmarc.{DOMAIN}", "TXT", _txt(dmarc))
    if dkim:
        dns_server.add(
            f"{SELECTOR}._domainkey.{DOMAIN}", "TXT", _txt(f"v=DKIM1; k=rsa; p={public_key}")
        )
    if mx:
        dns_server.add(DOMAIN, "MX", f"10 mx.{DOMAIN}.")
        dns_server.add(f"mx.{DOMAIN}", "A", "192.0.2.25")


def spf_including_relays(dns_server: LocalDnsServer, count: int, policy: str) -> str:
    """An SPF record that includes `count` published relays: one DNS lookup each."""
    relays = [f"relay{n}.{DOMAIN}" for n in range(count)]
    for relay in relays:
        dns_server.add(relay, "TXT", _txt("v=spf1 ip4:192.0.2.1 -all"))
    return "v=spf1 " + " ".join(f"include:{relay}" for relay in relays) + f" {policy}"


def audit_mail(
    deployment: Deployment, dns_server: LocalDnsServer, email_from: str = f"no-reply@{DOMAIN}"
) -> tuple[int, dict[str, dict[str, str]]]:
    return deployment.audit(
        "--mail-domain", DOMAIN, "--dkim-selector", SELECTOR,
        "--nameserver", dns_server.address, "--email-from", email_from,
    )  # fmt: skip


def failing(rows: dict[str, dict[str, str]]) -> dict[str, str]:
    return {id_: row["evidence"] for id_, row in rows.items() if row["status"] == "fail"}


def test_good_records_pass_every_mail_row(
    deployment: Deployment, dns_server: LocalDnsServer, public_key: str
) -> None:
    publish(dns_server, public_key)

    code, rows = audit_mail(deployment, dns_server)

    assert {id_: rows[id_]["status"] for id_ in MAIL_ROWS} == dict.fromkeys(MAIL_ROWS, "pass")
    assert failing(rows) == {}
    assert code == 0
    assert "2048-bit RSA key" in rows[f"mail-dkim-{SELECTOR}"]["evidence"]
    assert "softfail" in rows["mail-spf"]["evidence"]
    assert rows["mail-dmarc"]["evidence"] == f"p=quarantine at _dmarc.{DOMAIN}, with rua"
    assert rows["mail-mx"]["evidence"] == f"mx.{DOMAIN}."


def test_spf_ending_in_plus_all_fails_the_spf_row(
    deployment: Deployment, dns_server: LocalDnsServer, public_key: str
) -> None:
    publish(dns_server, public_key, spf="v=spf1 mx +all")

    code, rows = audit_mail(deployment, dns_server)

    assert failing(rows).keys() == {"mail-spf"}
    assert "anyone may send" in rows["mail-spf"]["evidence"]
    assert code == 1


def test_spf_needing_more_than_ten_lookups_fails_the_spf_row(
    deployment: Deployment, dns_server: LocalDnsServer, public_key: str
) -> None:
    publish(dns_server, public_key, spf=spf_including_relays(dns_server, 11, "~all"))

    code, rows = audit_mail(deployment, dns_server)

    assert failing(rows).keys() == {"mail-spf"}
    assert "lookup" in rows["mail-spf"]["evidence"].lower()
    assert "10" in rows["mail-spf"]["evidence"]
    assert code == 1


def test_ten_spf_lookups_are_within_the_limit(
    deployment: Deployment, dns_server: LocalDnsServer, public_key: str
) -> None:
    publish(dns_server, public_key, spf=spf_including_relays(dns_server, 10, "-all"))

    _code, rows = audit_mail(deployment, dns_server)

    assert rows["mail-spf"]["status"] == "pass", rows["mail-spf"]


def test_no_dmarc_record_fails_the_dmarc_row(
    deployment: Deployment, dns_server: LocalDnsServer, public_key: str
) -> None:
    publish(dns_server, public_key, dmarc=None)

    code, rows = audit_mail(deployment, dns_server)

    assert failing(rows) == {"mail-dmarc": f"no DMARC record at _dmarc.{DOMAIN}"}
    assert code == 1


def test_dmarc_p_none_fails_the_dmarc_row(
    deployment: Deployment, dns_server: LocalDnsServer, public_key: str
) -> None:
    publish(dns_server, public_key, dmarc=f"v=DMARC1; p=none; rua=mailto:dmarc@{DOMAIN}")

    _code, rows = audit_mail(deployment, dns_server)

    assert failing(rows).keys() == {"mail-dmarc"}
    assert "p=none only monitors" in rows["mail-dmarc"]["evidence"]


def test_dmarc_without_rua_fails_the_dmarc_row(
    deployment: Deployment, dns_server: LocalDnsServer, public_key: str
) -> None:
    publish(dns_server, public_key, dmarc="v=DMARC1; p=reject")

    _code, rows = audit_mail(deployment, dns_server)

    assert failing(rows) == {"mail-dmarc": f"p=reject at _dmarc.{DOMAIN}, no rua"}


def test_a_missing_dkim_key_fails_the_selectors_row(
    deployment: Deployment, dns_server: LocalDnsServer, public_key: str
) -> None:
    publish(dns_server, public_key, dkim=False)

    _code, rows = audit_mail(deployment, dns_server)

    name = f"{SELECTOR}._domainkey.{DOMAIN}"
    assert failing(rows) == {f"mail-dkim-{SELECTOR}": f"no DKIM key record at {name}"}


def test_a_1024_bit_dkim_key_warns_on_the_selectors_row_naming_its_size(
    deployment: Deployment, dns_server: LocalDnsServer
) -> None:
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 (the point)
    publish(dns_server, public_key_base64(weak))

    _code, rows = audit_mail(deployment, dns_server)

    row = rows[f"mail-dkim-{SELECTOR}"]
    assert row["status"] == "warn", row
    assert row["evidence"].startswith("1024-bit RSA key")
    assert "2048-bit key" in row["fix"]
    assert failing(rows) == {}


def test_each_named_selector_is_its_own_row(
    deployment: Deployment, dns_server: LocalDnsServer, public_key: str
) -> None:
    publish(dns_server, public_key)

    _code, rows = deployment.audit(
        "--mail-domain", DOMAIN, "--dkim-selector", SELECTOR, "--dkim-selector", "old",
        "--nameserver", dns_server.address, "--email-from", f"no-reply@{DOMAIN}",
    )  # fmt: skip

    assert rows[f"mail-dkim-{SELECTOR}"]["status"] == "pass"
    assert failing(rows).keys() == {"mail-dkim-old"}


def test_no_mx_fails_the_mx_row(
    deployment: Deployment, dns_server: LocalDnsServer, public_key: str
) -> None:
    publish(dns_server, public_key, mx=False)

    _code, rows = audit_mail(deployment, dns_server)

    assert failing(rows) == {"mail-mx": f"no MX at {DOMAIN}"}


def test_email_from_at_another_domain_fails_the_alignment_row(
    deployment: Deployment, dns_server: LocalDnsServer, public_key: str
) -> None:
    publish(dns_server, public_key)

    _code, rows = audit_mail(deployment, dns_server, email_from="Club <hello@other-club.example>")

    assert failing(rows) == {"mail-alignment": "EMAIL_FROM is at other-club.example"}


def test_a_dns_that_does_not_answer_fails_every_mail_row_in_one_line_each(
    deployment: Deployment, dns_server: LocalDnsServer
) -> None:
    dns_server.failing = True

    code, rows = audit_mail(deployment, dns_server)

    assert failing(rows).keys() == MAIL_ROWS - {"mail-alignment"}
    assert all("failed" in evidence for evidence in failing(rows).values()), failing(rows)
    assert code == 1
