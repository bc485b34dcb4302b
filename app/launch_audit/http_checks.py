"""Passive HTTP rows: redirects, headers, cookies, CORS, exposed paths, error bodies."""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

import httpx

from app.launch_audit.client import Client
from app.launch_audit.model import Row, Status

ONE_YEAR = 31536000
REDIRECTS = {301, 302, 303, 307, 308}
MAX_HOPS = 6
EXPOSED_PATHS = (
    "/docs",
    "/redoc",
    "/openapi.json",
    "/.env",
    "/.git/config",
    "/metrics",
    "/debug",
    "/_debug",
    "/server-status",
    "/phpinfo.php",
)
LEAK_PATTERNS = (
    re.compile(r"Traceback \(most recent call last\)"),
    re.compile(r'File "[^"]+", line \d+'),
    re.compile(r"\b(sqlalchemy|psycopg|asyncpg|sqlite3)\b", re.IGNORECASE),
    re.compile(r"\bSELECT\b .* \bFROM\b", re.IGNORECASE),
    re.compile(r"(/home/|/usr/lib/python|/site-packages/|[A-Z]:\\\\)"),
)
VERSION = re.compile(r"\d+(\.\d+)+|/\d")


def _row(id_: str, title: str, status: Status, evidence: str, fix: str = "") -> Row:
    return Row(id_, title, status, evidence, fix)


def http_redirect(client: Client) -> Row:
    title = "http redirects to https in one hop, no loop"
    fix = "answer every http request with a 301/308 to the same https URL"
    url = client.target.http("/")
    hops: list[str] = []
    for _ in range(MAX_HOPS):
        response = client.get(url)
        if response.status_code not in REDIRECTS:
            break
        url = str(httpx.URL(url).join(response.headers.get("location", "")))
        if url in hops:
            return _row("http-redirect", title, Status.FAIL, f"redirect loop: {hops}", fix)
        hops.append(url)
    else:
        return _row("http-redirect", title, Status.FAIL, f"more than {MAX_HOPS} hops", fix)
    if not hops:
        evidence = f"http://{client.target.host}/ answered {response.status_code} over http"
        return _row("http-redirect", title, Status.FAIL, evidence, fix)
    if not hops[0].startswith("https://"):
        return _row("http-redirect", title, Status.FAIL, f"first hop to {hops[0]}", fix)
    status = Status.PASS if len(hops) == 1 else Status.WARN
    return _row("http-redirect", title, status, f"{len(hops)} hop(s): {' -> '.join(hops)}", fix)


def canonical_host(client: Client) -> Row:
    title = "the other host (www/bare) redirects to the canonical one in one hop"
    host = client.target.host
    other = host[4:] if host.startswith("www.") else f"www.{host}"
    url = client.target.url.replace(f"//{host}", f"//{other}", 1)
    try:
        response = client.get(url)
    except httpx.HTTPError as exc:
        return _row("canonical-host", title, Status.SKIP, f"{other} does not answer ({exc})")
    location = response.headers.get("location", "")
    if response.status_code in REDIRECTS and urlsplit(location).hostname == host:
        return _row("canonical-host", title, Status.PASS, f"{other} -> {location}")
    fix = f"redirect {other} to https://{host}/ with a 301"
    evidence = f"{other} answered {response.status_code} {location}".strip()
    return _row("canonical-host", title, Status.FAIL, evidence, fix)


def hsts(client: Client) -> Row:
    title = "HSTS with max-age of at least a year"
    value = client.get(client.target.https("/")).headers.get("strict-transport-security", "")
    match = re.search(r"max-age=\"?(\d+)", value, re.IGNORECASE)
    fix = "send Strict-Transport-Security: max-age=63072000; includeSubDomains"
    if match is None:
        return _row("hsts", title, Status.FAIL, "no Strict-Transport-Security header", fix)
    if int(match.group(1)) < ONE_YEAR:
        return _row("hsts", title, Status.FAIL, f"{value!r}: under a year", fix)
    return _row("hsts", title, Status.PASS, value)


def security_headers(client: Client) -> Row:
    title = "security headers (CSP, nosniff, frame protection, referrer policy)"
    headers = client.get(client.target.https("/")).headers
    csp = headers.get("content-security-policy", "")
    missing = [
        name
        for name, present in (
            ("Content-Security-Policy", bool(csp)),
            ("X-Content-Type-Options: nosniff", headers.get("x-content-type-options") == "nosniff"),
            (
                "X-Frame-Options or frame-ancestors",
                "x-frame-options" in headers or "frame-ancestors" in csp,
            ),
            ("Referrer-Policy", "referrer-policy" in headers),
        )
        if not present
    ]
    if missing:
        fix = "send the missing headers on every response"
        return _row("security-headers", title, Status.FAIL, f"missing: {', '.join(missing)}", fix)
    return _row("security-headers", title, Status.PASS, "all present")


def version_banner(client: Client) -> Row:
    title = "no version banner (Server, X-Powered-By)"
    headers = client.get(client.target.https("/")).headers
    found = [
        f"{name}: {headers[name]}"
        for name in ("server", "x-powered-by", "x-aspnet-version", "x-runtime")
        if name in headers and (name != "server" or VERSION.search(headers[name]))
    ]
    if found:
        fix = "drop these headers at the server or proxy (python -m app serve sends none)"
        return _row("version-banner", title, Status.FAIL, "; ".join(found), fix)
    return _row("version-banner", title, Status.PASS, "no software version disclosed")


def _cookie_problems(set_cookie: str) -> list[str]:
    name = set_cookie.split("=", 1)[0].strip()
    attributes = [part.strip().lower() for part in set_cookie.split(";")[1:]]
    problems = [
        f"{name} lacks {flag}"
        for flag in ("secure", "httponly", "samesite")
        if not any(a.split("=", 1)[0] == flag for a in attributes)
        and not (flag == "httponly" and name == "csrf_token")
    ]
    if name != "csrf_token" and not name.startswith("__Host-"):
        problems.append(f"{name} is not a __Host- cookie")
    return problems


def unknown_address(domain: str = "example.com") -> str:
    """A well-formed address no one has (a reserved name like .invalid fails validation)."""
    return f"audit-{secrets.token_hex(6)}@{domain}"


def login_cookies(client: Client) -> Row:
    title = "login cookies Secure, HttpOnly, SameSite, __Host-"
    login = client.request(
        "POST",
        client.target.https("/api/v1/auth/login"),
        json={"email": unknown_address(), "password": secrets.token_urlsafe(12)},
    )
    login_page = client.get(client.target.https("/login"))
    cookies = [*login.headers.get_list("set-cookie"), *login_page.headers.get_list("set-cookie")]
    if not cookies:
        evidence = (
            f"no cookie to judge: the failed login ({login.status_code}) and /login "
            f"({login_page.status_code}) set none; the session cookie needs a real sign-in"
        )
        return Row("login-cookies", title, Status.SKIP, evidence, roundtable_only=True)
    return judge_cookies("login-cookies", title, cookies)


def judge_cookies(id_: str, title: str, cookies: list[str]) -> Row:
    if not cookies:
        return Row(id_, title, Status.FAIL, "no cookie set", "set the session cookie", True)
    problems = [problem for cookie in cookies for problem in _cookie_problems(cookie)]
    if problems:
        fix = "run with ENVIRONMENT=production and an https PUBLIC_URL; drop proxy cookies"
        return Row(id_, title, Status.FAIL, "; ".join(problems), fix, True)
    names = ", ".join(cookie.split("=", 1)[0] for cookie in cookies)
    return Row(id_, title, Status.PASS, f"well set: {names}", "", True)


def cors(client: Client) -> Row:
    title = "CORS refuses a foreign origin"
    origin = f"https://audit-{secrets.token_hex(4)}.example"
    url = client.target.https("/api/v1/auth/login")
    preflight = client.request(
        "OPTIONS",
        url,
        headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
    )
    simple = client.get(client.target.https("/"), headers={"Origin": origin})
    for response in (preflight, simple):
        allowed = response.headers.get("access-control-allow-origin", "")
        credentials = response.headers.get("access-control-allow-credentials", "") == "true"
        if allowed == origin or (allowed == "*" and credentials):
            fix = "list only your own origins in CORS_ORIGINS"
            evidence = f"{response.request.method} allowed origin {allowed!r}"
            evidence += " with credentials" if credentials else ""
            return _row("cors", title, Status.FAIL, evidence, fix)
    return _row("cors", title, Status.PASS, f"{origin} not allowed")


def exposed_paths(client: Client) -> Row:
    title = "docs, schema, dotfiles, metrics and debug paths not open"
    open_paths = [
        f"{path} ({response.status_code})"
        for path in EXPOSED_PATHS
        if (response := client.get(client.target.https(path))).status_code == 200
    ]
    if open_paths:
        fix = "serve these only in development, or behind authentication"
        return _row("exposed-paths", title, Status.FAIL, "open: " + ", ".join(open_paths), fix)
    return _row("exposed-paths", title, Status.PASS, f"{len(EXPOSED_PATHS)} paths closed")


def error_bodies(client: Client) -> Row:
    title = "error bodies carry no stack trace, SQL or paths"
    responses = [
        client.get(client.target.https(f"/audit-missing-{secrets.token_hex(4)}")),
        client.request(
            "POST",
            client.target.https("/api/v1/auth/login"),
            content=b"{not json",
            headers={"Content-Type": "application/json"},
        ),
    ]
    for response in responses:
        for pattern in LEAK_PATTERNS:
            if match := pattern.search(response.text):
                fix = "turn debug off; answer errors with a generic body"
                evidence = (
                    f"{response.request.url.path} ({response.status_code}): {match.group(0)!r}"
                )
                return _row("error-bodies", title, Status.FAIL, evidence, fix)
    codes = ", ".join(str(r.status_code) for r in responses)
    return _row("error-bodies", title, Status.PASS, f"clean bodies ({codes})")


def health(client: Client) -> Row:
    title = "/healthz and /readyz answer 200"
    codes = {
        path: client.get(client.target.https(path)).status_code for path in ("/healthz", "/readyz")
    }
    evidence = ", ".join(f"{path} {code}" for path, code in codes.items())
    if all(code == 200 for code in codes.values()):
        return Row("health", title, Status.PASS, evidence, roundtable_only=True)
    fix = "check the database and run python -m app migrate"
    return Row("health", title, Status.FAIL, evidence, fix, roundtable_only=True)
