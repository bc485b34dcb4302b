"""`python -m app audit`: flags, progress on stderr, output on stdout, exit 0/1/2."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from urllib.parse import urlsplit

from app.core.cli import CommandDecorator, Registrar, SubParsers

USAGE_ERROR = 2


def _usage_error(message: str) -> int:
    print(f"audit: {message}", file=sys.stderr)
    return USAGE_ERROR


def audit(args: argparse.Namespace) -> int:
    from app.launch_audit.active_checks import PASSWORD_VARIABLE
    from app.launch_audit.model import Status, Target, parse_resolve
    from app.launch_audit.output import RENDERERS
    from app.launch_audit.runner import Options, run
    from app.mail.dns_check import resolver_for

    parts = urlsplit(args.url)
    if parts.scheme != "https" or not parts.hostname:
        return _usage_error("--url must be an https URL, e.g. https://example.com")
    if args.active and not args.probe_email:
        return _usage_error("--active needs --probe-email, an account you own")
    if args.ca_bundle and not os.path.isfile(args.ca_bundle):
        return _usage_error(f"--ca-bundle {args.ca_bundle}: no such file")
    try:
        resolve = parse_resolve(args.resolve)
    except ValueError as exc:
        return _usage_error(str(exc))
    options = Options(
        target=Target(args.url, args.timeout, args.ca_bundle, resolve),
        mail_domain=args.mail_domain,
        dkim_selectors=args.dkim_selector or [os.environ.get("DKIM_SELECTOR") or "roundtable"],
        resolver=resolver_for(args.nameserver) if args.mail_domain else None,
        email_from=args.email_from or os.environ.get("EMAIL_FROM"),
        probe_email=args.probe_email if args.active else None,
        probe_password=os.environ.get(PASSWORD_VARIABLE) if args.active else None,
    )
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    rows = []
    for row in run(options):
        if args.format == "text":
            print(f"[{row.status.value}] {row.id}", file=sys.stderr, flush=True)
        rows.append(row)
    print(RENDERERS[args.format](args.url, started_at, rows))
    return 1 if any(row.status == Status.FAIL for row in rows) else 0


def _add_parser(sub: SubParsers) -> None:
    parser = sub.add_parser("audit", help="launch-readiness scorecard of a live deployment")
    parser.add_argument("--url", required=True, help="the deployment's https URL")
    parser.add_argument("--mail-domain", help="the domain mail is sent from (default: none)")
    parser.add_argument(
        "--dkim-selector", action="append", help="DKIM selector (repeatable; default DKIM_SELECTOR)"
    )
    parser.add_argument(
        "--format",
        choices=("text", "markdown", "json"),
        default="text",
        help="output format (default: %(default)s)",
    )
    parser.add_argument(
        "--active",
        action="store_true",
        help="also probe limits, on a deployment you own (default: off)",
    )
    parser.add_argument(
        "--probe-email",
        help="an account you own, for --active; with its password in AUDIT_PROBE_PASSWORD "
        "the audit also signs in (default: none)",
    )
    parser.add_argument("--ca-bundle", help="CA certificates to trust, PEM (default: the system's)")
    parser.add_argument(
        "--resolve",
        action="append",
        default=[],
        metavar="HOST:PORT:ADDRESS",
        help="connect HOST:PORT to ADDRESS (or ADDRESS:PORT2), like curl (default: DNS)",
    )
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="seconds per request (default: %(default)s)"
    )
    parser.add_argument(
        "--nameserver",
        help="ask only this DNS server, HOST[:PORT] (default: the system's resolvers)",
    )
    parser.add_argument("--email-from", help="the deployment's EMAIL_FROM (default: env)")


def register(command: CommandDecorator) -> Registrar:
    command("audit")(audit)
    return _add_parser
