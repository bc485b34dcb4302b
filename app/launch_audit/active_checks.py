"""Active rows (`--active`, on a deployment you own): session cookies, enumeration, link
pages, rate limits.

Roundtable-specific: they use the documented routes and limits of API.md. Every request
names the probe address (an account you own), so only its own limits are spent and only
its owner gets mail; the session row signs in only when AUDIT_PROBE_PASSWORD is set.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import httpx

from app.launch_audit.client import Client
from app.launch_audit.http_checks import judge_cookies, unknown_address
from app.launch_audit.model import Row, Status

PASSWORD_VARIABLE = "AUDIT_PROBE_PASSWORD"  # noqa: S105 (the variable's name, not a password)
# name, route, documented per-address limit (app/core/ratelimit_defaults.py)
LIMITED = (
    ("login", "/api/v1/auth/login", 5),
    ("signup", "/api/v1/auth/signup", 5),
    ("password-reset", "/api/v1/auth/password-reset", 5),
    ("magic-link", "/api/v1/auth/magic-link", 5),
)
LINK_PAGES = ("/verify-email", "/magic-link", "/reset-password", "/invite", "/confirm-email")
SESSION_COOKIE_NAMES = ("__Host-session", "session")
REDIRECTS = {301, 302, 303, 307, 308}


def _body(name: str, email: str) -> dict[str, str]:
    if name == "login":
        return {"email": email, "password": secrets.token_urlsafe(12)}
    if name == "signup":
        return {"email": email, "password": secrets.token_urlsafe(16), "display_name": "Audit"}
    return {"email": email}


def _post(client: Client, path: str, body: dict[str, str]) -> httpx.Response:
    return client.request("POST", client.target.https(path), json=body)


def session_cookies(client: Client, probe_email: str, password: str | None) -> Row:
    id_, title = "active-session-cookies", "session cookies of a real sign-in"
    if not password:
        evidence = f"not signed in: set {PASSWORD_VARIABLE} to the probe account's password"
        return Row(id_, title, Status.SKIP, evidence, "", True)
    login = _post(client, "/api/v1/auth/login", {"email": probe_email, "password": password})
    if login.status_code != 200:
        evidence = f"the probe's sign-in answered {login.status_code}"
        fix = f"check --probe-email and {PASSWORD_VARIABLE}; the account must be verified"
        return Row(id_, title, Status.FAIL, evidence, fix, True)
    _log_out(client, login)
    return judge_cookies(id_, title, login.headers.get_list("set-cookie"))


def _log_out(client: Client, login: httpx.Response) -> None:
    """End the probe's session, so the audit leaves no live session behind."""
    cookies = "; ".join(cookie.split(";", 1)[0] for cookie in login.headers.get_list("set-cookie"))
    csrf = login.cookies.get("csrf_token") or ""
    headers = {"Cookie": cookies, "X-CSRF-Token": csrf, "Origin": client.target.origin}
    client.request("POST", client.target.https("/api/v1/auth/logout"), headers=headers)


def _answer(response: httpx.Response) -> tuple[int, bytes]:
    """Status and body, without the request's own ID (it differs on every request)."""
    request_id = response.headers.get("x-request-id", "").encode()
    body = response.content.replace(request_id, b"") if request_id else response.content
    return response.status_code, body


def enumeration(client: Client, probe_email: str) -> Row:
    title = "known and unknown accounts get identical answers"
    unknown = unknown_address(probe_email.rsplit("@", 1)[-1])
    answers: list[str] = []
    differing: list[str] = []
    for name, path, _limit in LIMITED:
        known_answer = _post(client, path, _body(name, probe_email))
        unknown_answer = _post(client, path, _body(name, unknown))
        answers.append(f"{name} {known_answer.status_code}")
        if _answer(known_answer) != _answer(unknown_answer):
            differing.append(f"{name}: known {known_answer.status_code}, unknown "
                             f"{unknown_answer.status_code}")  # fmt: skip
    if differing:
        fix = "answer the same status and body whether or not the address has an account"
        return Row("active-enumeration", title, Status.FAIL, "; ".join(differing), fix, True)
    evidence = "identical status and body: " + ", ".join(answers)
    return Row("active-enumeration", title, Status.PASS, evidence, "", True)


def _link_page_problem(client: Client, path: str) -> str | None:
    for method in ("GET", "HEAD"):
        response = client.request(method, client.target.https(path))
        if response.status_code in REDIRECTS:
            return f"{method} {path} redirects to {response.headers.get('location')}"
        if response.status_code != 200:
            return f"{method} {path} {response.status_code} (not served)"
        names = [cookie.split("=", 1)[0] for cookie in response.headers.get_list("set-cookie")]
        if any(name in SESSION_COOKIE_NAMES for name in names):
            return f"{method} {path} signed the visitor in"
    return None


def link_pages(client: Client) -> Row:
    title = "mailed-link pages opened by GET or HEAD consume nothing"
    problems = [p for path in LINK_PAGES if (p := _link_page_problem(client, path)) is not None]
    if problems:
        fix = "serve each link page; consume the token only on the member's POST"
        return Row("active-link-pages", title, Status.FAIL, "; ".join(problems), fix, True)
    evidence = f"{len(LINK_PAGES)} pages served by GET and HEAD: no redirect, no session"
    return Row("active-link-pages", title, Status.PASS, evidence, "", True)


def rate_limit(client: Client, name: str, path: str, limit: int, email: str) -> Row:
    title = f"{name} answers 429 within its limit ({limit} per address)"
    codes: list[int] = []
    for _ in range(limit + 1):
        response = _post(client, path, _body(name, email))
        codes.append(response.status_code)
        if response.status_code == 429:
            retry = response.headers.get("retry-after")
            evidence = f"429 after {len(codes)} request(s), Retry-After {retry}"
            if retry is None:
                fix = "send Retry-After with every 429"
                return Row(f"active-limit-{name}", title, Status.FAIL, evidence, fix, True)
            return Row(f"active-limit-{name}", title, Status.PASS, evidence, "", True)
    fix = "enable rate limits (RATE_LIMITS_ENABLED, REDIS_URL in production)"
    evidence = f"no 429 in {len(codes)} requests: {codes}"
    return Row(f"active-limit-{name}", title, Status.FAIL, evidence, fix, True)


def active_rows(client: Client, probe_email: str, password: str | None) -> Iterator[Row]:
    # The sign-in comes first: the limit rows then spend the probe's wrong-password budget.
    yield session_cookies(client, probe_email, password)
    yield enumeration(client, probe_email)
    yield link_pages(client)
    for entry in LIMITED:
        yield rate_limit(client, *entry, probe_email)
