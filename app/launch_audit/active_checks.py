"""Active rows (`--active`, on a deployment you own): rate limits, enumeration, link pages.

Roundtable-specific: they use the documented routes and limits of API.md.
"""

from __future__ import annotations

import secrets

from app.launch_audit.client import Client
from app.launch_audit.http_checks import unknown_address
from app.launch_audit.model import Row, Status

# route, body builder, documented per-address limit (app/core/ratelimit_defaults.py)
LIMITED = (
    ("login", "/api/v1/auth/login", 5),
    ("signup", "/api/v1/auth/signup", 5),
    ("password-reset", "/api/v1/auth/password-reset", 5),
    ("magic-link", "/api/v1/auth/magic-link", 5),
)
LINK_PAGES = ("/verify-email", "/magic-link", "/reset-password", "/invite", "/confirm-email")


def _body(name: str, email: str) -> dict[str, str]:
    if name == "login":
        return {"email": email, "password": secrets.token_urlsafe(12)}
    if name == "signup":
        return {"email": email, "password": secrets.token_urlsafe(16), "display_name": "Audit"}
    return {"email": email}


def rate_limit(client: Client, name: str, path: str, limit: int, email: str) -> Row:
    title = f"{name} answers 429 within its limit ({limit} per address)"
    codes: list[int] = []
    for _ in range(limit + 1):
        response = client.request("POST", client.target.https(path), json=_body(name, email))
        codes.append(response.status_code)
        if response.status_code == 429:
            retry = response.headers.get("retry-after")
            evidence = f"429 after {len(codes)} request(s), Retry-After {retry}"
            return Row(f"active-limit-{name}", title, Status.PASS, evidence, "", True)
    fix = "enable rate limits (RATE_LIMITS_ENABLED, REDIS_URL in production)"
    evidence = f"no 429 in {len(codes)} requests: {codes}"
    return Row(f"active-limit-{name}", title, Status.FAIL, evidence, fix, True)


def enumeration(client: Client, probe_email: str) -> Row:
    title = "known and unknown accounts get identical answers"
    unknown = unknown_address(probe_email.rsplit("@", 1)[-1])
    answers = []
    for email in (probe_email, unknown):
        response = client.request(
            "POST", client.target.https("/api/v1/auth/magic-link"), json={"email": email}
        )
        answers.append((response.status_code, response.content))
    if answers[0] == answers[1]:
        evidence = f"both answered {answers[0][0]}"
        return Row("active-enumeration", title, Status.PASS, evidence, "", True)
    fix = "answer the same status and body whether or not the address has an account"
    evidence = f"known {answers[0][0]}, unknown {answers[1][0]}"
    return Row("active-enumeration", title, Status.FAIL, evidence, fix, True)


def link_pages(client: Client) -> Row:
    title = "mailed-link pages opened by GET consume nothing"
    problems = []
    for path in LINK_PAGES:
        response = client.get(client.target.https(path))
        if response.status_code != 200:
            problems.append(f"{path} {response.status_code}")
        elif response.headers.get_list("set-cookie"):
            problems.append(f"{path} set a cookie on GET")
    if problems:
        fix = "serve the page; consume the token only on the member's POST"
        return Row("active-link-pages", title, Status.FAIL, "; ".join(problems), fix, True)
    evidence = f"{len(LINK_PAGES)} pages served, nothing set"
    return Row("active-link-pages", title, Status.PASS, evidence, "", True)


def active_rows(client: Client, probe_email: str) -> list[Row]:
    rows = [enumeration(client, probe_email), link_pages(client)]
    for name, path, limit in LIMITED:
        email = probe_email if name != "signup" else unknown_address()
        rows.append(rate_limit(client, name, path, limit, email))
    return rows
