"""C19: `dns-records` prints valid SPF, DKIM and DMARC records and judges the live ones.

The live records come from a DNS server on 127.0.0.1 run by the test: no network.
"""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path

import dkim
import dns.name
import dns.resolver
import dns.zone
import pytest
from checkdmarc.dmarc import parse_dmarc_record
from checkdmarc.spf import parse_spf_record
from cryptography.hazmat.primitives.asymmetric import rsa
from dns.rdtypes.ANY.TXT import TXT

from app.__main__ import main
from app.mail.dkim_keys import generate_private_key, load_private_key, public_key_base64
from app.mail.dkim_signing import DkimSigner
from app.mail.dns_check import resolver_for
from app.mail.dns_records import dkim_record
from tests.mail.dns_server import LocalDnsServer

pytestmark = pytest.mark.checklist("C19")

SELECTOR = "rt1"
Run = Callable[..., tuple[int, str]]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    """`python -m app dns-records ...` for a domain, in this process: (exit code, output)."""

    def run_command(domain: str, *args: str, key_file: Path | None = None) -> tuple[int, str]:
        monkeypatch.setenv("EMAIL_FROM", f"no-reply@{domain}")
        monkeypatch.setenv("DKIM_SELECTOR", SELECTOR)
        if key_file is not None:
            monkeypatch.setenv("DKIM_PRIVATE_KEY_FILE", str(key_file))
        else:
            monkeypatch.delenv("DKIM_PRIVATE_KEY_FILE", raising=False)
        monkeypatch.delenv("DKIM_PRIVATE_KEY", raising=False)
        capsys.readouterr()
        code = main(["dns-records", "--domain", domain, *args])
        return code, capsys.readouterr().out

    return run_command


def txt_values(zone_text: str) -> dict[str, list[str]]:
    """The TXT records of printed zone lines, by owner name (without the trailing dot)."""
    zone = dns.zone.from_text(zone_text, origin=dns.name.root, relativize=False, check_origin=False)
    values: dict[str, list[str]] = {}
    for name, _ttl, rdata in zone.iterate_rdatas("TXT"):
        assert isinstance(rdata, TXT)
        joined = b"".join(rdata.strings).decode()
        values.setdefault(name.to_text().rstrip("."), []).append(joined)
    return values


def publish(server: LocalDnsServer, domain: str, zone_text: str) -> dns.resolver.Resolver:
    """Serve the printed records, the domain's mail host, and return a resolver asking it."""
    server.load_zone_text(zone_text)
    server.add(domain, "MX", f"10 mx.{domain}.")
    server.add(f"mx.{domain}", "A", "192.0.2.25")
    return resolver_for(server.address)


def other_public_key() -> str:
    return public_key_base64(generate_private_key())


def test_the_printed_records_parse_as_valid_spf_dkim_and_dmarc(
    run: Run, tmp_path: Path, dns_server: LocalDnsServer
) -> None:
    domain = "printed.example"
    code, out = run(domain, "--generate-key", str(tmp_path / "dkim.pem"))
    resolver = publish(dns_server, domain, out)
    records = txt_values(out)

    spf = parse_spf_record(records[domain][0], domain, resolver=resolver)
    dmarc = parse_dmarc_record(records[f"_dmarc.{domain}"][0], domain, resolver=resolver)
    dkim_key = dkim.evaluate_pk(b"n", records[f"{SELECTOR}._domainkey.{domain}"][0].encode())

    assert code == 0
    assert "error" not in spf and spf["parsed"]["all"] == "softfail"
    tags = dmarc["tags"]
    assert (tags["p"]["value"], tags["adkim"]["value"], tags["aspf"]["value"]) == (
        "quarantine",
        "s",
        "r",
    )
    assert tags["rua"]["value"][0]["address"] == f"dmarc-reports@{domain}"
    assert dkim_key[1] == 2048


def test_the_dmarc_reports_go_where_asked(run: Run, tmp_path: Path) -> None:
    code, out = run("reports.example", "--report-address", "rua@reports.example")

    assert code == 0
    assert "rua=mailto:rua@reports.example" in txt_values(out)["_dmarc.reports.example"][0]


def test_spf_names_the_relay_given(run: Run) -> None:
    _code, out = run("relay.example", "--spf-include", "spf.relay.test", "--spf-ip", "192.0.2.0/24")

    assert txt_values(out)["relay.example"] == [
        "v=spf1 include:spf.relay.test ip4:192.0.2.0/24 ~all"
    ]


def test_a_generated_key_is_private_to_its_owner_and_never_overwritten(
    run: Run, tmp_path: Path
) -> None:
    path = tmp_path / "keys" / "dkim.pem"
    assert run("keys.example", "--generate-key", str(path))[0] == 0
    first = path.read_bytes()

    code, _out = run("keys.example", "--generate-key", str(path))

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_private_key(first).key_size == 2048
    assert code == 1
    assert path.read_bytes() == first


def test_mail_signed_with_a_generated_key_verifies_against_the_printed_record(
    run: Run, tmp_path: Path, dns_server: LocalDnsServer
) -> None:
    domain = "signed.example"
    path = tmp_path / "dkim.pem"
    _code, out = run(domain, "--generate-key", str(path))
    resolver = publish(dns_server, domain, out)
    signer = DkimSigner(domain=domain, selector=SELECTOR, private_key_pem=path.read_bytes())
    raw = (
        f"From: no-reply@{domain}\r\nTo: a@example.org\r\nSubject: hi\r\n"
        "Date: Tue, 01 Dec 2026 10:00:00 +0000\r\nMessage-ID: <1@signed.example>\r\n\r\nhello\r\n"
    ).encode()

    signed = signer.sign(raw, {"From", "To", "Subject", "Date", "Message-ID"})

    def dnsfunc(name: bytes, timeout: int = 5) -> bytes:
        answer = resolver.resolve(name.decode(), "TXT")
        return b"".join(next(iter(answer)).strings)

    assert dkim.verify(signed, dnsfunc=dnsfunc)


def test_the_printed_dkim_record_holds_the_configured_key(
    run: Run, key_file: Path, dkim_key: rsa.RSAPrivateKey
) -> None:
    _code, out = run("configured.example", key_file=key_file)

    record = txt_values(out)[f"{SELECTOR}._domainkey.configured.example"][0]
    assert record == f"v=DKIM1; k=rsa; p={public_key_base64(dkim_key)}"


def test_without_a_configured_key_the_output_says_how_to_make_one(run: Run) -> None:
    code, out = run("nokey.example")

    assert code == 0
    assert "--generate-key" in out
    assert set(txt_values(out)) == {"nokey.example", "_dmarc.nokey.example"}


def test_check_passes_when_the_printed_records_are_published(
    run: Run, key_file: Path, dns_server: LocalDnsServer
) -> None:
    domain = "good.example"
    _code, out = run(domain, key_file=key_file)
    publish(dns_server, domain, out)

    code, verdicts = run(domain, "--check", "--nameserver", dns_server.address, key_file=key_file)

    assert code == 0, verdicts
    lines = [line for line in verdicts.splitlines() if not line.startswith(" ")]
    assert [line.split(":")[0] for line in lines] == ["PASS SPF", "PASS DKIM", "PASS DMARC"]
    assert "matches the configured key" in verdicts


BREAKAGES: dict[str, tuple[str, str, Callable[[str, str], str]]] = {
    # name: (failing check, reason shown, how the published zone is broken)
    "no DMARC record": ("DMARC", "no DMARC record", lambda zone, d: _drop(zone, f"_dmarc.{d}.")),
    "DMARC that only monitors": (
        "DMARC",
        "p=none only monitors",
        lambda zone, d: zone.replace("p=quarantine; sp=quarantine", "p=none"),
    ),
    "SPF allowing everyone": ("SPF", "anyone may send", lambda z, d: z.replace("~all", "+all")),
    "SPF with no all": ("SPF", "anyone may send", lambda z, d: z.replace(" ~all", "")),
    "two SPF records": (
        "SPF",
        "2 SPF records",
        lambda zone, d: zone + f'\n{d}. 3600 IN TXT "v=spf1 -all"\n',
    ),
    "no DKIM key": ("DKIM", "no DKIM key record", lambda z, d: _drop(z, f"{SELECTOR}._domainkey")),
    "another DKIM key": (
        "DKIM",
        "not the configured",
        lambda zone, d: (
            _drop(zone, f"{SELECTOR}._domainkey")
            + "\n"
            + dkim_record(d, SELECTOR, other_public_key()).zone_line()
        ),
    ),
    "a broken DKIM record": (
        "DKIM",
        "unusable",
        lambda zone, d: (
            _drop(zone, f"{SELECTOR}._domainkey")
            + f'\n{SELECTOR}._domainkey.{d}. 3600 IN TXT "v=DKIM1; k=rsa; p=AAAA"\n'
        ),
    ),
}


def _drop(zone: str, owner_prefix: str) -> str:
    return "\n".join(line for line in zone.splitlines() if not line.startswith(owner_prefix))


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_check_fails_a_missing_or_weak_record_and_says_why(
    breakage: str, run: Run, key_file: Path, dns_server: LocalDnsServer
) -> None:
    kind, reason, break_zone = BREAKAGES[breakage]
    domain = breakage.replace(" ", "-").lower() + ".example"
    _code, out = run(domain, key_file=key_file)
    publish(dns_server, domain, break_zone(out, domain))

    code, verdicts = run(domain, "--check", "--nameserver", dns_server.address, key_file=key_file)

    assert code == 1
    failed = [line for line in verdicts.splitlines() if line.startswith("FAIL")]
    assert len(failed) == 1, verdicts
    assert failed[0].startswith(f"FAIL {kind}:") and reason in failed[0]


def test_check_fails_every_record_when_the_dns_cannot_answer(
    run: Run, dns_server: LocalDnsServer
) -> None:
    dns_server.failing = True

    code, verdicts = run("broken-dns.example", "--check", "--nameserver", dns_server.address)

    assert code == 1
    lines = verdicts.splitlines()
    assert [line.split(":")[0] for line in lines] == ["FAIL SPF", "FAIL DKIM", "FAIL DMARC"]
    assert all("lookup" in line and "failed" in line for line in lines)
