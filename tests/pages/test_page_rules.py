"""The rules every page keeps: CSRF and Origin on forms, `next` stays on the site, member
text is escaped, pages are never cached, the HTML CSP has no inline script, and pages
are not part of the API schema."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from tests.pages.forms import SAME_ORIGIN, form_csrf, submit
from tests.support.accounts import DEFAULT_PASSWORD, verified_member
from tests.support.smtp_sink import SmtpSink

EMAIL = "lin.pages@example.org"
MEMBER_PAGES = ["/dashboard"]


@pytest.mark.checklist("C08")
async def test_a_form_post_without_the_csrf_token_is_refused(client: AsyncClient) -> None:
    await client.get("/login")
    answer = await client.post(
        "/login", data={"email": EMAIL, "password": DEFAULT_PASSWORD}, headers=SAME_ORIGIN
    )
    assert answer.status_code == 403
    assert "This form has expired" in answer.text


@pytest.mark.checklist("C08")
async def test_a_form_post_from_another_origin_is_refused(client: AsyncClient) -> None:
    csrf = await form_csrf(client, "/login")
    answer = await client.post(
        "/login",
        data={"csrf_token": csrf, "email": EMAIL, "password": DEFAULT_PASSWORD},
        headers={"Origin": "https://evil.test"},
    )
    assert answer.status_code == 403


@pytest.mark.checklist("C08")
async def test_a_logged_in_form_post_with_a_wrong_token_is_refused(
    client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    await verified_member(client, smtp_sink, EMAIL)
    client.headers.pop("X-CSRF-Token", None)
    answer = await client.post("/logout", data={"csrf_token": "forged"}, headers=SAME_ORIGIN)
    assert answer.status_code == 403
    assert (await client.get("/dashboard")).status_code == 200


@pytest.mark.parametrize("page", MEMBER_PAGES)
async def test_a_member_page_without_a_session_redirects_to_login_with_next(
    client: AsyncClient, page: str
) -> None:
    answer = await client.get(page)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/login?next={page}"


@pytest.mark.parametrize(
    "next_value", ["https://evil.test", "//evil.test", "/\\evil.test", "javascript:alert(1)"]
)
async def test_next_after_login_never_leaves_the_site(
    new_client: object, client: AsyncClient, smtp_sink: SmtpSink, next_value: str
) -> None:
    await verified_member(new_client(), smtp_sink, EMAIL)  # type: ignore[operator]
    fields = {"email": EMAIL, "password": DEFAULT_PASSWORD, "next": next_value}
    answer = await submit(client, "/login", "/login", fields)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/dashboard"
    page = await client.get("/login", params={"next": next_value})
    assert "evil.test" not in page.text
    assert "javascript:" not in page.text


async def test_next_after_login_keeps_a_path_of_the_site(
    new_client: object, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    await verified_member(new_client(), smtp_sink, EMAIL)  # type: ignore[operator]
    fields = {"email": EMAIL, "password": DEFAULT_PASSWORD, "next": "/settings?tab=1"}
    answer = await submit(client, "/login", "/login", fields)
    assert answer.headers["location"] == "/settings?tab=1"


async def test_a_script_in_a_display_name_renders_as_text(
    client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    await verified_member(client, smtp_sink, EMAIL, name="<script>alert(1)</script>")
    page = await client.get("/dashboard")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


async def test_a_wrong_password_is_shown_in_words_with_the_email_kept(
    new_client: object, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    await verified_member(new_client(), smtp_sink, EMAIL)  # type: ignore[operator]
    answer = await submit(client, "/login", "/login", {"email": EMAIL, "password": "x" * 14})
    assert answer.status_code == 401
    assert 'role="alert"' in answer.text
    assert f'value="{EMAIL}"' in answer.text
    assert "x" * 14 not in answer.text


@pytest.mark.checklist("C20")
@pytest.mark.parametrize("page", ["/", "/login", "/verify-email"])
async def test_pages_send_a_csp_without_inline_script_and_no_referrer(
    client: AsyncClient, page: str
) -> None:
    answer = await client.get(page)
    csp = answer.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert answer.headers["referrer-policy"] in {"no-referrer", "same-origin"}
    assert answer.headers["cache-control"] == "no-store"
    assert not re.search(r"<script(?![^>]*\bsrc=)", answer.text), "no inline script"
    assert not re.search(r"\sstyle=", answer.text), "no inline style"


async def test_the_api_keeps_its_own_strict_csp(client: AsyncClient) -> None:
    answer = await client.get("/api/v1/me")
    assert answer.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"


def test_pages_are_not_in_the_openapi_schema(app: FastAPI) -> None:
    paths = set(app.openapi()["paths"])
    assert not {"/", "/login", "/dashboard", "/verify-email", "/static/site.css"} & paths
    assert all(path.startswith("/api/") or path in {"/healthz", "/readyz", "/metrics"}
               for path in paths)  # fmt: skip


async def test_every_page_has_one_h1_and_a_label_for_every_control(client: AsyncClient) -> None:
    for page in ["/", "/signup", "/login", "/verify-email", "/reset-password", "/invite"]:
        html = (await client.get(page)).text
        assert html.count("<h1") == 1, page
        for control in re.findall(r'<(?:input|textarea|select)[^>]*id="([^"]+)"', html):
            assert f'for="{control}"' in html, f"{page}: {control} has no label"
