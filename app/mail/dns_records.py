"""The SPF, DKIM and DMARC records a sending domain publishes, as zone-file lines.

Baseline choices:
- SPF ends in `~all`: DMARC below is what makes receivers act; a hard `-all` makes
  some of them reject forwarded mail before they look at its valid DKIM signature.
- DMARC `p=quarantine` (and `sp=` the same for subdomains), aggregate reports to
  `rua=`. `adkim=s`: this service always signs with `d=` exactly the From domain,
  so strict DKIM alignment costs nothing and refuses signatures of sibling
  subdomains. `aspf=r`: a relay that uses a bounce subdomain (`bounces.D`) as
  envelope sender still aligns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_TTL = 3600
_TXT_STRING_LIMIT = 255  # one TXT character-string; longer values are split


@dataclass(frozen=True)
class TxtRecord:
    kind: str  # "SPF", "DKIM" or "DMARC"
    name: str  # fully qualified, without the trailing dot
    value: str

    def zone_line(self, ttl: int = DEFAULT_TTL) -> str:
        strings = " ".join(f'"{chunk}"' for chunk in _chunks(self.value))
        return f"{self.name}. {ttl} IN TXT {strings}"


def _chunks(value: str) -> list[str]:
    return [
        value[start : start + _TXT_STRING_LIMIT]
        for start in range(0, len(value), _TXT_STRING_LIMIT)
    ]


def spf_record(domain: str, *, includes: Sequence[str] = (), ips: Sequence[str] = ()) -> TxtRecord:
    """SPF for the envelope sender's domain; with no relay named, the domain's MX hosts."""
    mechanisms = [f"include:{name}" for name in includes]
    mechanisms += [f"ip6:{ip}" if ":" in ip else f"ip4:{ip}" for ip in ips]
    if not mechanisms:
        mechanisms = ["mx"]
    return TxtRecord("SPF", domain, " ".join(["v=spf1", *mechanisms, "~all"]))


def dkim_name(domain: str, selector: str) -> str:
    return f"{selector}._domainkey.{domain}"


def dkim_record(domain: str, selector: str, public_key_base64: str) -> TxtRecord:
    return TxtRecord("DKIM", dkim_name(domain, selector), f"v=DKIM1; k=rsa; p={public_key_base64}")


def dmarc_name(domain: str) -> str:
    return f"_dmarc.{domain}"


def default_report_address(domain: str) -> str:
    return f"dmarc-reports@{domain}"


def dmarc_record(domain: str, report_address: str) -> TxtRecord:
    value = f"v=DMARC1; p=quarantine; sp=quarantine; adkim=s; aspf=r; rua=mailto:{report_address}"
    return TxtRecord("DMARC", dmarc_name(domain), value)


def recommended_records(
    domain: str,
    *,
    selector: str,
    public_key_base64: str | None,
    report_address: str | None = None,
    spf_includes: Sequence[str] = (),
    spf_ips: Sequence[str] = (),
) -> list[TxtRecord]:
    """SPF, DKIM (when a key is known) and DMARC for `domain`."""
    domain = domain.lower().rstrip(".")
    records = [spf_record(domain, includes=spf_includes, ips=spf_ips)]
    if public_key_base64 is not None:
        records.append(dkim_record(domain, selector, public_key_base64))
    records.append(dmarc_record(domain, report_address or default_report_address(domain)))
    return records
