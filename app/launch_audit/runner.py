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

PASSIVE: tuple[tuple[str, str, Check], ...] = (
    ("http-redirect", "http redirects to https", http_checks.http_redirect),
    ("canonical-host", "canonical host", http_checks.canonical_host),
    ("tls-certificate", "certificate", tls_checks.certificate),
    ("tls-version", "TLS version", tls_checks.tls_version),
    ("hsts", "HSTS", http_checks.hsts),
    ("security-headers", "security headers", http_checks.security_headers),
    ("version-banner", "version banner", http_checks.version_banner),
    ("login-cookies", "login cookies", http_checks.login_cookies),
    ("cors", "CORS", http_checks.cors),
    ("exposed-paths", "exposed paths", http_checks.exposed_paths),
    ("error-bodies", "error bodies", http_checks.error_bodies),
    ("health", "health endpoints", http_checks.health),
    ("latency", "latency", latency.latency),
)
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


def _guarded(id_: str, title: str, check: Check, client: Client) -> Row:
    try:
        return check(client)
    except UNREACHABLE as exc:
        fix = "check the URL, DNS, --resolve and --ca-bundle; is the deployment up?"
        return Row(id_, title, Status.FAIL, f"unreachable: {describe_error(exc)}", fix)


def run(options: Options) -> Iterator[Row]:
    # The certificate has its own row; the other passive rows read headers and bodies
    # whatever the certificate, so that one fault fails one row.
    passive = Client(options.target, verify=False)
    try:
        for id_, title, check in PASSIVE:
            yield _guarded(id_, title, check, passive)
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
