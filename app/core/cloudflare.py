"""Cloudflare's edge address ranges: the dated data file shipped with the app, and
`python -m app refresh-cloudflare-ips`, which fetches the published lists and rewrites it.

`TRUSTED_PROXIES=cloudflare` trusts exactly these ranges (app.core.middleware.trusted_proxy).
The lists change rarely; refresh before a release and commit the file. The fetch is
injectable (`refresh_ranges(fetch=...)`, `--ipv4-url/--ipv6-url`) so it can be tested
against a local server.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from app.core.cli import CommandDecorator, Registrar, SubParsers
from app.core.clock import now

DATA_FILE = Path(__file__).parent / "data" / "cloudflare_ips.json"
IPV4_SOURCE = "https://www.cloudflare.com/ips-v4"
IPV6_SOURCE = "https://www.cloudflare.com/ips-v6"
FETCH_TIMEOUT_SECONDS = 15.0

Fetcher = Callable[[str], str]


@dataclass(frozen=True)
class CloudflareRanges:
    recorded: str
    ipv4: tuple[IPv4Network, ...]
    ipv6: tuple[IPv6Network, ...]

    @property
    def networks(self) -> tuple[IPv4Network | IPv6Network, ...]:
        return (*self.ipv4, *self.ipv6)


@dataclass(frozen=True)
class RangeChange:
    added: list[str]
    removed: list[str]


def read_ranges(path: Path = DATA_FILE) -> CloudflareRanges:
    data = json.loads(path.read_text())
    return CloudflareRanges(
        recorded=str(data["recorded"]),
        ipv4=tuple(IPv4Network(item) for item in data["ipv4"]),
        ipv6=tuple(IPv6Network(item) for item in data["ipv6"]),
    )


@lru_cache(maxsize=1)
def shipped_ranges() -> CloudflareRanges:
    """The ranges in the data file shipped with this release (read once per process)."""
    return read_ranges(DATA_FILE)


def parse_range_list(text: str, version: int) -> list[str]:
    """One CIDR a line, as Cloudflare publishes them; anything else refuses the whole list."""
    ranges = []
    for line in text.splitlines():
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        network = ip_network(entry, strict=True)
        if network.version != version:
            raise ValueError(f"{entry} is not an IPv{version} range")
        ranges.append(str(network))
    if not ranges:
        raise ValueError(f"the IPv{version} list is empty")
    return ranges


def fetch_text(url: str) -> str:
    if urlsplit(url).scheme not in ("https", "http"):
        raise ValueError(f"refusing to fetch {url!r}: only http(s) URLs")
    with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_SECONDS) as response:  # noqa: S310 (scheme checked above)
        body: bytes = response.read(1_000_000)
    return body.decode("utf-8")


def refresh_ranges(
    path: Path = DATA_FILE,
    *,
    ipv4_url: str = IPV4_SOURCE,
    ipv6_url: str = IPV6_SOURCE,
    fetch: Fetcher = fetch_text,
) -> RangeChange:
    """Fetch both lists, check every line, then replace the file in one step."""
    ipv4 = parse_range_list(fetch(ipv4_url), 4)
    ipv6 = parse_range_list(fetch(ipv6_url), 6)
    previous = _previous_entries(path)
    document: dict[str, Any] = {
        "source": [ipv4_url, ipv6_url],
        "recorded": now().date().isoformat(),
        "note": "Cloudflare's published edge ranges. Refresh with "
        "`python -m app refresh-cloudflare-ips` and commit the result.",
        "ipv4": ipv4,
        "ipv6": ipv6,
    }
    _write_atomically(path, json.dumps(document, indent=2) + "\n")
    current = set(ipv4) | set(ipv6)
    return RangeChange(added=sorted(current - previous), removed=sorted(previous - current))


def _previous_entries(path: Path) -> set[str]:
    if not path.exists():
        return set()
    ranges = read_ranges(path)
    return {str(network) for network in ranges.networks}


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def register(command: CommandDecorator) -> Registrar:
    @command("refresh-cloudflare-ips")
    def refresh_command(args: argparse.Namespace) -> int:
        try:
            change = refresh_ranges(args.output, ipv4_url=args.ipv4_url, ipv6_url=args.ipv6_url)
        except (OSError, ValueError) as exc:
            print(f"Cloudflare ranges not refreshed ({args.output} unchanged): {exc}")
            return 1
        print(f"Cloudflare ranges written to {args.output}")
        print(f"added: {', '.join(change.added) or 'none'}")
        print(f"removed: {', '.join(change.removed) or 'none'}")
        return 0

    def add_parser(sub: SubParsers) -> None:
        parser = sub.add_parser(
            "refresh-cloudflare-ips", help="fetch Cloudflare's published ranges into the data file"
        )
        parser.add_argument(
            "--output", type=Path, default=DATA_FILE, help="the data file to write (%(default)s)"
        )
        parser.add_argument(
            "--ipv4-url", default=IPV4_SOURCE, help="where the IPv4 list is (%(default)s)"
        )
        parser.add_argument(
            "--ipv6-url", default=IPV6_SOURCE, help="where the IPv6 list is (%(default)s)"
        )

    return add_parser
