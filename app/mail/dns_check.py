"""Judging a domain's live SPF, DKIM and DMARC records.

Lookups go through a dnspython resolver the caller hands in (the system's by default,
or one nameserver named on the command line), so the checks run against any DNS.
checkdmarc parses SPF and DMARC; dkimpy parses the DKIM key record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import dkim
import dns.exception
import dns.resolver
from checkdmarc.dmarc import DMARCError, parse_dmarc_record
from checkdmarc.spf import SPFError, parse_spf_record
from checkdmarc.utils import get_base_domain

from app.mail.dkim_keys import MIN_KEY_BITS
from app.mail.dns_records import dkim_name, dmarc_name

LOOKUP_SECONDS = 5.0
_ENFORCING_SPF = {"fail", "softfail"}
_ENFORCING_DMARC = {"quarantine", "reject"}


@dataclass(frozen=True)
class Verdict:
    kind: str
    passed: bool
    reason: str
    notes: tuple[str, ...] = field(default=())

    def lines(self) -> list[str]:
        status = "PASS" if self.passed else "FAIL"
        return [f"{status} {self.kind}: {self.reason}", *(f"     note: {n}" for n in self.notes)]


class DnsUnavailable(Exception):
    """The DNS did not answer (as opposed to answering that there is no record)."""


def resolver_for(nameserver: str | None) -> dns.resolver.Resolver:
    """The system resolver, or one that asks only `host[:port]`."""
    if nameserver is None:
        resolver = dns.resolver.Resolver()
    else:
        host, _, port = nameserver.partition(":")
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [host]
        resolver.port = int(port or 53)
    resolver.lifetime = LOOKUP_SECONDS
    resolver.timeout = min(resolver.timeout, LOOKUP_SECONDS)
    return resolver


def txt_records(resolver: dns.resolver.Resolver, name: str) -> list[str]:
    """Every TXT record at `name`, its character-strings joined; [] when there is none."""
    try:
        answer = resolver.resolve(name, "TXT", lifetime=LOOKUP_SECONDS)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except dns.exception.DNSException as exc:
        raise DnsUnavailable(f"the lookup of {name} failed: {exc}") from exc
    return [b"".join(rdata.strings).decode("utf-8", "replace") for rdata in answer]


def _tagged(records: list[str], prefix: str) -> list[str]:
    return [record for record in records if record.lower().startswith(prefix.lower())]


def _unless_one(kind: str, found: list[str], missing: str, several: str) -> Verdict | None:
    """The failing verdict of `kind` unless exactly one record was found."""
    if not found:
        return Verdict(kind, False, missing)
    if len(found) > 1:
        return Verdict(kind, False, several)
    return None


def check_spf(domain: str, resolver: dns.resolver.Resolver) -> Verdict:
    found = _tagged(txt_records(resolver, domain), "v=spf1")
    several = f"{len(found)} SPF records at {domain}; receivers need one"
    if refusal := _unless_one("SPF", found, f"no SPF record at {domain}", several):
        return refusal
    try:
        result = parse_spf_record(found[0], domain, resolver=resolver)
    except (SPFError, dns.exception.DNSException) as exc:
        return Verdict("SPF", False, f"invalid SPF record: {exc}")
    notes = tuple(result["warnings"])
    if "error" in result:
        return Verdict("SPF", False, f"invalid SPF record: {result['error']}", notes)
    ending = result["parsed"]["all"]
    if ending not in _ENFORCING_SPF:
        return Verdict(
            "SPF", False, f"the record ends in a {ending} `all`: anyone may send as {domain}", notes
        )
    return Verdict("SPF", True, f"{found[0]!r} ({ending} for everyone else)", notes)


def check_dkim(
    domain: str,
    selector: str,
    resolver: dns.resolver.Resolver,
    expected_public_key: str | None = None,
) -> Verdict:
    name = dkim_name(domain, selector)
    found = txt_records(resolver, name)
    several = f"{len(found)} TXT records at {name}; publish one key"
    if refusal := _unless_one("DKIM", found, f"no DKIM key record at {name}", several):
        return refusal
    try:
        _key, bits, _kind, _tlsrpt = dkim.evaluate_pk(name.encode(), found[0].encode())
    except (dkim.DKIMException, ValueError) as exc:
        return Verdict("DKIM", False, f"the key record at {name} is unusable: {exc}")
    if bits < MIN_KEY_BITS:
        return Verdict("DKIM", False, f"the key at {name} has {bits} bits; use at least 2048")
    if expected_public_key is not None:
        published = dkim.util.parse_tag_value(found[0].encode()).get(b"p", b"").decode()
        if "".join(published.split()) != expected_public_key:
            return Verdict(
                "DKIM", False, f"the key at {name} is not the configured DKIM_PRIVATE_KEY's"
            )
    matched = " and matches the configured key" if expected_public_key else ""
    return Verdict("DKIM", True, f"{bits}-bit RSA key at {name}{matched}")


def _dmarc_location(domain: str, resolver: dns.resolver.Resolver) -> tuple[str, list[str]]:
    """Where the DMARC policy of `domain` lives: its own name, else its base domain's."""
    found = _tagged(txt_records(resolver, dmarc_name(domain)), "v=DMARC1")
    base = get_base_domain(domain)
    if found or base == domain:
        return domain, found
    return base, _tagged(txt_records(resolver, dmarc_name(base)), "v=DMARC1")


def check_dmarc(domain: str, resolver: dns.resolver.Resolver) -> Verdict:
    owner, found = _dmarc_location(domain, resolver)
    missing = f"no DMARC record at {dmarc_name(domain)}"
    several = f"{len(found)} DMARC records at {dmarc_name(owner)}"
    if refusal := _unless_one("DMARC", found, missing, several):
        return refusal
    try:
        result = parse_dmarc_record(found[0], owner, resolver=resolver)
    except (DMARCError, dns.exception.DNSException) as exc:
        return Verdict("DMARC", False, f"invalid DMARC record: {exc}")
    notes = tuple(result["warnings"])
    policy_tag = "p" if owner == domain else "sp"
    policy = str(result["tags"][policy_tag]["value"])
    if policy not in _ENFORCING_DMARC:
        return Verdict(
            "DMARC", False, f"{policy_tag}={policy} only monitors: spoofed mail is delivered", notes
        )
    return Verdict("DMARC", True, f"{policy_tag}={policy} at {dmarc_name(owner)}", notes)


def check_domain(
    domain: str,
    *,
    selector: str,
    resolver: dns.resolver.Resolver,
    expected_public_key: str | None = None,
) -> list[Verdict]:
    """The three verdicts; a DNS that does not answer fails the record it was asked for."""
    domain = domain.lower().rstrip(".")
    checks: tuple[tuple[str, Callable[[], Verdict]], ...] = (
        ("SPF", lambda: check_spf(domain, resolver)),
        ("DKIM", lambda: check_dkim(domain, selector, resolver, expected_public_key)),
        ("DMARC", lambda: check_dmarc(domain, resolver)),
    )
    verdicts: list[Verdict] = []
    for kind, check in checks:
        try:
            verdicts.append(check())
        except DnsUnavailable as exc:
            verdicts.append(Verdict(kind, False, str(exc)))
    return verdicts
