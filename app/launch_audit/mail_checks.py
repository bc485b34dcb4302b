"""Mail DNS rows: SPF, DKIM per selector, DMARC with rua, MX, EMAIL_FROM alignment.

SPF, DKIM and DMARC are judged by `app.mail.dns_check` (checkdmarc, dkimpy); the
lookups go through the dnspython resolver handed in.
"""

from __future__ import annotations

import dns.exception
import dns.resolver
from checkdmarc.utils import get_base_domain
from dkim import DKIMException, evaluate_pk

from app.launch_audit.model import Row, Status
from app.mail.dns_check import (
    DnsUnavailable,
    Verdict,
    check_dkim,
    check_dmarc,
    check_spf,
    txt_records,
)
from app.mail.dns_records import dkim_name, dmarc_name

RECOMMENDED_DKIM_BITS = 2048

FIXES = {
    "SPF": "publish one `v=spf1 ... -all` (or ~all) record within 10 lookups (dns-records)",
    "DKIM": "publish the selector's key record (python -m app dns-records)",
    "DMARC": "publish `v=DMARC1; p=quarantine; rua=mailto:...` at _dmarc",
}


def _from_verdict(id_: str, title: str, check: Verdict | Exception) -> Row:
    if isinstance(check, Exception):
        return Row(id_, title, Status.FAIL, str(check), FIXES.get(title.split()[0], ""))
    status = Status.PASS if check.passed else Status.FAIL
    return Row(id_, title, status, check.reason, FIXES[check.kind] if not check.passed else "")


def spf(domain: str, resolver: dns.resolver.Resolver) -> Row:
    try:
        verdict: Verdict | Exception = check_spf(domain, resolver)
    except DnsUnavailable as exc:
        verdict = exc
    return _from_verdict("mail-spf", "SPF present, -all or ~all, within 10 lookups", verdict)


def dkim(domain: str, selector: str, resolver: dns.resolver.Resolver) -> Row:
    id_, title = f"mail-dkim-{selector}", f"DKIM key for selector {selector}"
    try:
        verdict: Verdict | Exception = check_dkim(domain, selector, resolver)
        bits = _key_bits(domain, selector, resolver)
    except DnsUnavailable as exc:
        verdict, bits = exc, None
    row = _from_verdict(id_, title, verdict)
    if row.status == Status.PASS and bits is not None and bits < RECOMMENDED_DKIM_BITS:
        fix = f"publish a {RECOMMENDED_DKIM_BITS}-bit key under a new selector, retire this one"
        return Row(id_, title, Status.WARN, row.evidence, fix)
    return row


def _key_bits(domain: str, selector: str, resolver: dns.resolver.Resolver) -> int | None:
    """The published key's size (check_dkim accepts from 1024 bits; 2048 is the advice)."""
    name = dkim_name(domain, selector)
    records = txt_records(resolver, name)
    try:
        return int(evaluate_pk(name.encode(), records[0].encode())[1]) if records else None
    except (DKIMException, ValueError):
        return None


def dmarc(domain: str, resolver: dns.resolver.Resolver) -> Row:
    title = "DMARC p=quarantine or reject, with rua"
    try:
        verdict = check_dmarc(domain, resolver)
    except DnsUnavailable as exc:
        return _from_verdict("mail-dmarc", title, exc)
    if not verdict.passed:
        return _from_verdict("mail-dmarc", title, verdict)
    records = txt_records(resolver, dmarc_name(domain)) or txt_records(
        resolver, dmarc_name(get_base_domain(domain))
    )
    if not any("rua=" in record.lower() for record in records):
        return Row("mail-dmarc", title, Status.FAIL, f"{verdict.reason}, no rua", FIXES["DMARC"])
    return Row("mail-dmarc", title, Status.PASS, f"{verdict.reason}, with rua")


def mx(domain: str, resolver: dns.resolver.Resolver) -> Row:
    title = "MX present"
    try:
        answer = resolver.resolve(domain, "MX")
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return Row("mail-mx", title, Status.FAIL, f"no MX at {domain}", "publish an MX record")
    except dns.exception.DNSException as exc:
        return Row("mail-mx", title, Status.FAIL, f"the MX lookup failed: {exc}", "check the DNS")
    hosts = ", ".join(sorted(rdata.exchange.to_text() for rdata in answer))
    return Row("mail-mx", title, Status.PASS, hosts)


def alignment(domain: str, email_from: str | None) -> Row:
    title = "sending domain aligned with EMAIL_FROM"
    if not email_from:
        return Row("mail-alignment", title, Status.SKIP, "EMAIL_FROM not known here")
    sender = email_from.rsplit("@", 1)[-1].strip(" >").lower()
    if get_base_domain(sender) == get_base_domain(domain):
        return Row("mail-alignment", title, Status.PASS, f"EMAIL_FROM domain {sender}")
    fix = f"send from an address at {domain}, or audit {sender}"
    return Row("mail-alignment", title, Status.FAIL, f"EMAIL_FROM is at {sender}", fix)


def mail_rows(
    domain: str,
    selectors: list[str],
    resolver: dns.resolver.Resolver,
    email_from: str | None,
) -> list[Row]:
    domain = domain.lower().rstrip(".")
    rows = [spf(domain, resolver)]
    rows += [dkim(domain, selector, resolver) for selector in selectors]
    return [*rows, dmarc(domain, resolver), mx(domain, resolver), alignment(domain, email_from)]
