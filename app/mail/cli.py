"""The mail commands of `python -m app`: `worker` and `dns-records`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from app.core.cli import CommandDecorator, Registrar, SubParsers

if TYPE_CHECKING:
    from app.core.settings import Settings

# The commands import what they need when they run, so that `python -m app serve`
# does not load checkdmarc or the delivery machinery.

DEFAULT_SELECTOR = "roundtable"
QUEUE_LOG_SECONDS = 60.0  # how often `worker` logs its outbox queue depth


def worker(args: argparse.Namespace) -> int:
    import asyncio

    from app.core.logging import configure_logging
    from app.core.settings import Environment, load_settings, warn_about_a_random_secret_key
    from app.mail.worker import run_worker

    settings = load_settings()
    configure_logging(
        json_lines=settings.environment != Environment.DEVELOPMENT,
        level=settings.log_level,
        secret_values=settings.secret_values(),
    )
    warn_about_a_random_secret_key(settings)
    asyncio.run(run_worker(settings, queue_log_seconds=args.queue_log_seconds))
    return 0


def _public_key(settings: Settings, generate: Path | None) -> str | None:
    from app.mail.dkim_keys import (
        generate_private_key,
        load_private_key,
        public_key_base64,
        write_private_key,
    )

    if generate is not None:
        key = generate_private_key()
        write_private_key(generate, key)
        print(f"; wrote a new DKIM private key to {generate} (mode 0600): set")
        print(f"; DKIM_PRIVATE_KEY_FILE={generate} and DKIM_SELECTOR to the selector below")
        return public_key_base64(key)
    pem = settings.dkim_key_pem()
    return None if pem is None else public_key_base64(load_private_key(pem))


def _print_records(args: argparse.Namespace, settings: Settings, public_key: str | None) -> None:
    from app.mail.dns_records import recommended_records

    records = recommended_records(
        args.domain,
        selector=args.selector,
        public_key_base64=public_key,
        report_address=args.report_address or settings.dmarc_report_address,
        spf_includes=args.spf_include,
        spf_ips=args.spf_ip,
    )
    explanations = {
        "SPF": "SPF: the servers that may send mail as the domain",
        "DKIM": f"DKIM: the public key of selector {args.selector!r}",
        "DMARC": "DMARC: what receivers do with mail that is neither SPF- nor DKIM-aligned",
    }
    print(f"; TXT records to publish for {args.domain}")
    for record in records:
        print(f"; {explanations[record.kind]}")
        print(record.zone_line())
    if public_key is None:
        print("; DKIM: no key configured (DKIM_PRIVATE_KEY or DKIM_PRIVATE_KEY_FILE);")
        print("; run again with --generate-key PATH to make one")
    if not (args.spf_include or args.spf_ip):
        print("; SPF names the domain's MX hosts; name your relay with --spf-include/--spf-ip")


def dns_records(args: argparse.Namespace) -> int:
    from app.core.settings import load_settings
    from app.mail.addresses import sender_domain
    from app.mail.dns_check import check_domain, resolver_for

    settings = load_settings()
    args.domain = (args.domain or sender_domain(settings)).lower().rstrip(".")
    args.selector = args.selector or settings.dkim_selector or DEFAULT_SELECTOR
    if args.domain != sender_domain(settings):
        print(f"; note: EMAIL_FROM is at {sender_domain(settings)}, and mail is signed with")
        print(f"; d={sender_domain(settings)}; DMARC for {args.domain} aligns only with that")
    try:
        public_key = _public_key(settings, args.generate_key)
    except FileExistsError:
        print(f"refusing to overwrite {args.generate_key}", file=sys.stderr)
        return 1
    if not args.check:
        _print_records(args, settings, public_key)
        return 0
    verdicts = check_domain(
        args.domain,
        selector=args.selector,
        resolver=resolver_for(args.nameserver),
        expected_public_key=public_key,
    )
    for verdict in verdicts:
        print("\n".join(verdict.lines()))
    return 0 if all(verdict.passed for verdict in verdicts) else 1


def _positive_seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not seconds > 0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a positive number of seconds")
    return seconds


def nameserver_argument(value: str) -> str:
    """`HOST[:PORT]` with HOST an IP address (the resolver asks it directly, no lookup)."""
    import ipaddress

    host, _, port = value.rpartition(":") if value.count(":") == 1 else (value, "", "")
    try:
        ipaddress.ip_address(host)
        if port and not 0 < int(port) < 65536:
            raise ValueError(port)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an IP address with an optional :PORT (e.g. 192.0.2.53:53)"
        ) from None
    return value


def _add_parsers(sub: SubParsers) -> None:
    worker_parser = sub.add_parser("worker", help="deliver the mail outbox until SIGTERM or SIGINT")
    worker_parser.add_argument(
        "--queue-log-seconds",
        type=_positive_seconds,
        default=QUEUE_LOG_SECONDS,
        metavar="SECONDS",
        help="log the outbox queue depth (pending, failed) this often (default: %(default)s)",
    )
    parser = sub.add_parser("dns-records", help="print (or --check) the SPF, DKIM, DMARC records")
    parser.add_argument("--domain", help="the sending domain (default: EMAIL_FROM's)")
    parser.add_argument(
        "--selector", help=f"DKIM selector (default: DKIM_SELECTOR or {DEFAULT_SELECTOR})"
    )
    parser.add_argument(
        "--generate-key",
        type=Path,
        metavar="PATH",
        help="make a new RSA 2048 DKIM key at PATH (default: use the configured key)",
    )
    parser.add_argument(
        "--spf-include",
        action="append",
        default=[],
        metavar="DOMAIN",
        help="a relay's SPF domain to include (repeatable; default: none, the MX hosts)",
    )
    parser.add_argument(
        "--spf-ip",
        action="append",
        default=[],
        metavar="ADDRESS_OR_CIDR",
        help="an address that sends the mail (repeatable; default: none)",
    )
    parser.add_argument(
        "--report-address", help="where DMARC aggregate reports go (default: DMARC_REPORT_ADDRESS)"
    )
    parser.add_argument(
        "--check", action="store_true", help="judge the live records instead (default: print them)"
    )
    parser.add_argument(
        "--nameserver",
        type=nameserver_argument,
        metavar="HOST[:PORT]",
        help="ask this DNS server (default: the system's)",
    )


def register(command: CommandDecorator) -> Registrar:
    command("worker")(worker)
    command("dns-records")(dns_records)
    return _add_parsers
