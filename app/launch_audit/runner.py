"""Runs every row; a row whose target does not answer fails with one line, never a traceback."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import dns.resolver
import httpx

from app.launch_audit import active_checks, http_checks, latency, mail_checks, tls_checks
from app.launch_audit.client import Client, describe_error
from app.launch_audit.model import Row, Status, Target

Check = Callable[[Client], Row]

# id, title (the check's own, for the row it fails when the target does not answer),
# check, and whether it relies on Roundtable's routes.
PASSIVE: tuple[tuple[str, str, Check, bool], ...] = (
    ("http-redirect", "http redirects to https in one hop, no loop",
     http_checks.http_redirect, False),
    ("canonical-host", "the other host (www/bare) redirects to the canonical one in one hop",
     http_checks.canonical_host, False),
    ("tls-certificate", "certificate valid, chain complete, days to expiry",
     tls_checks.certificate, False),
    ("tls-version", "TLS 1.2 or newer only", tls_checks.tls_version, False),
    ("hsts", "HSTS with max-age of at least a year", http_checks.hsts, False),
    ("security-headers", "security headers (CSP, nosniff, frame protection, referrer policy)",
     http_checks.security_headers, False),
    ("version-banner", "no version banner (Server, X-Powered-By)",
     http_checks.version_banner, False),
    ("login-cookies", "login cookies Secure, HttpOnly, SameSite, __Host-",
     http_checks.login_cookies, True),
    ("cors", "CORS refuses a foreign origin", http_checks.cors, False),
    ("exposed-paths", "docs, schema, dotfiles, metrics and debug paths not open",
     http_checks.exposed_paths, False),
    ("error-bodies", "error bodies carry no stack trace, SQL or paths",
     http_checks.error_bodies, False),
    ("health", "/healthz and /readyz answer 200", http_checks.health, True),
    ("latency", f"p95 of {latency.SAMPLES} sequential requests to /healthz and /",
     latency.latency, False),
)  # fmt: skip
UNREACHABLE = (httpx.HTTPError, ssl.SSLError, OSError)


@dataclass(frozen=True)
class Options:
    target: Target
    mail_domain: str | None = None
    dkim_selectors: list[str] = field(default_factory=list)
    resolver: dns.resolver.Resolver | None = None
    email_from: str | None = None
    probe_email: str | None = None
    probe_password: str | None = None


def _guarded(id_: str, title: str, check: Check, roundtable_only: bool, client: Client) -> Row:
    try:
        return check(client)
    except UNREACHABLE as exc:
        fix = "check the URL, DNS, --resolve and --ca-bundle; is the deployment up?"
        evidence = f"unreachable: {describe_error(exc)}"
        return Row(id_, title, Status.FAIL, evidence, fix, roundtable_only)


def run(options: Options) -> Iterator[Row]:
    # The certificate has its own row; the other passive rows read headers and bodies
    # whatever the certificate, so that one fault fails one row.
    passive = Client(options.target, verify=False)
    try:
        for entry in PASSIVE:
            yield _guarded(*entry, passive)
    finally:
        passive.close()
    yield from _mail(options)
    client = Client(options.target)  # active probes go only to a verified deployment
    try:
        if options.probe_email is not None:
            try:
                yield from active_checks.active_rows(
                    client, options.probe_email, options.probe_password
                )
            except UNREACHABLE as exc:
                evidence = f"unreachable: {describe_error(exc)}"
                yield Row("active", "active checks", Status.FAIL, evidence, "is it up?", True)
    finally:
        client.close()


def _mail(options: Options) -> Iterator[Row]:
    if options.mail_domain is None:
        yield Row("mail", "mail DNS (SPF, DKIM, DMARC, MX)", Status.SKIP, "no --mail-domain")
        return
    resolver = options.resolver or dns.resolver.Resolver()
    yield from mail_checks.mail_rows(
        options.mail_domain, options.dkim_selectors, resolver, options.email_from
    )
