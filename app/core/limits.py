"""Rate limits declared on the route: the one way a route, API or page, asks for a limit (C14).

    from app.core.limits import by_body_field, by_form_field, failures_counted, rate_limit

    @router.post("/signup", dependencies=[
        rate_limit("signup_ip"),                                      # keyed by client IP
        rate_limit("signup_account", key=by_body_field(SignupRequest, "email")),
    ])
    @router.post("/posts", dependencies=[rate_limit("post_create_user", key=caller_id)])

`rate_limit(name, key=...)` counts each request against the limit `name` (a key of
`app.core.ratelimit_defaults.DEFAULT_RATE_LIMITS`) for the value the `key` dependency
answers: the client IP by default, a body field (`by_body_field`; the route's own body
parameter must be called `body` too, so FastAPI reads the body once), a page form's
field (`by_form_field`, normalised as the API's schema normalises it, so a page and the
API count one account alike), or the caller (`app.authz.policies.caller_id`).
`failures_counted` throttles wrong passwords: 429 while the account is throttled, and a
refusal of the `refused` type counts as a failure, whether it is raised past the route's
dependencies (the API) or drawn as a page first and noted with `note_refusal` (the
pages, app.pages.routing). The counting itself is `app.core.ratelimit`.
"""

# No `from __future__ import annotations`: FastAPI reads the dependencies' annotations,
# which name local values (`Depends(key)`), at run time.
import functools
import inspect
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import BaseModel, TypeAdapter, ValidationError

from app.core.ratelimit import RateLimiter, limit_by_ip, login_failures, rate_limiter_of

Key = Callable[..., Any]
"""A FastAPI dependency answering the key a limit counts by (an email, a user id, ...)."""

_REFUSAL = "limits_refusal"  # the request.state attribute `note_refusal` sets


@functools.cache
def by_body_field(model: type[BaseModel], field: str) -> Key:
    """The key `body.<field>` of the route's body (its parameter must be named `body`)."""

    async def body_field_key(body: Any) -> str:
        return str(getattr(body, field))

    body = inspect.Parameter("body", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=model)
    body_field_key.__signature__ = inspect.Signature([body])  # type: ignore[attr-defined]
    return body_field_key


@functools.cache
def by_form_field(model: type[BaseModel], field: str) -> Key:
    """The key `<field>` of a page's posted form, read as `model` reads that field (an
    email lower-cased, ...). A value the schema refuses counts as typed, stripped: the
    handler then answers the form's error."""
    info = model.model_fields[field]
    schema: TypeAdapter[Any] = TypeAdapter(Annotated[info.annotation, info])  # type: ignore[arg-type]

    async def form_field_key(request: Request) -> str:
        posted = (await request.form()).get(field)  # Starlette keeps it for the handler
        typed = posted if isinstance(posted, str) else ""
        try:
            return str(schema.validate_python(typed))
        except ValidationError:
            return typed.strip()

    return form_field_key


@functools.cache
def _keyed_check(name: str, key: Key) -> Callable[..., Any]:
    limit_by_ip(name)  # refuses a name missing from the table, at import time

    async def check(request: Request, value: Annotated[str, Depends(key)]) -> None:
        await rate_limiter_of(request).hit(name, value)

    check.__name__ = f"rate_limit_{name}"  # app.openapi reads 429 from this prefix
    return check


def rate_limit(name: str, key: Key | None = None) -> Any:
    """The route dependency counting each request against `name` for `key` (client IP)."""
    return Depends(limit_by_ip(name) if key is None else _keyed_check(name, key))


def failures_counted(key: Key, refused: type[Exception], *, forget_on_success: bool) -> Any:
    """The route dependency throttling wrong passwords (`login_failures`, see
    app.core.ratelimit) for `key`: 429 while throttled, and each `refused` the handler
    raises, or a page noted (`note_refusal`), counts as one. `forget_on_success` clears
    the account + IP count after a success."""

    async def counted(request: Request, value: Annotated[str, Depends(key)]) -> AsyncIterator[None]:
        await login_failures.check(request, value)
        try:
            yield
        except refused:
            await login_failures.record(request, value)
            raise
        noted = getattr(request.state, _REFUSAL, None)
        if isinstance(noted, refused):
            await login_failures.record(request, value)
        elif forget_on_success and noted is None:
            await login_failures.forget(request, value)

    # Function scope: the code after `yield` runs once the handler is done (the page
    # drawn), before the answer is sent, so the next request sees the count.
    return Depends(counted, scope="function")


def note_refusal(request: Request, error: Exception) -> None:
    """Tell `failures_counted` that the route answered `error` as a page rather than
    raising it past its dependencies."""
    setattr(request.state, _REFUSAL, error)


def limiter_of(request: Request) -> RateLimiter:
    """The app's limiter, for a service that counts by itself (app.mail.caps.MailCaps)."""
    return rate_limiter_of(request)
