"""Rate limits declared on the route: the one way an API route asks for a limit (C14).

    from app.core.limits import by_body_field, failures_counted, rate_limit

    @router.post("/signup", dependencies=[
        rate_limit("signup_ip"),                                      # keyed by client IP
        rate_limit("signup_account", key=by_body_field(SignupRequest, "email")),
    ])
    @router.post("/posts", dependencies=[rate_limit("post_create_user", key=caller_id)])

`rate_limit(name, key=...)` counts each request against the limit `name` (a key of
`app.core.ratelimit_defaults.DEFAULT_RATE_LIMITS`) for the value the `key` dependency
answers: the client IP by default, a body field (`by_body_field`; the route's own body
parameter must be called `body` too, so FastAPI reads the body once), or the caller
(`app.authz.policies.caller_id`). `failures_counted` throttles wrong passwords: 429
while the account is throttled, and a refusal of the `refused` type counts as a failure.
The counting itself is `app.core.ratelimit`.
"""

# No `from __future__ import annotations`: FastAPI reads the dependencies' annotations,
# which name local values (`Depends(key)`), at run time.
import functools
import inspect
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import BaseModel

from app.core.ratelimit import FailureThrottle, limit_by_ip, rate_limiter_of

Key = Callable[..., Any]
"""A FastAPI dependency answering the key a limit counts by (an email, a user id, ...)."""


@functools.cache
def by_body_field(model: type[BaseModel], field: str) -> Key:
    """The key `body.<field>` of the route's body (its parameter must be named `body`)."""

    def body_field_key(body: Any) -> str:
        return str(getattr(body, field))

    body = inspect.Parameter("body", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=model)
    body_field_key.__signature__ = inspect.Signature([body])  # type: ignore[attr-defined]
    return body_field_key


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


def failures_counted(
    throttle: FailureThrottle, key: Key, refused: type[Exception], *, forget_on_success: bool
) -> Any:
    """The route dependency throttling failed attempts (a `refused` raised by the handler)
    for `key`; `forget_on_success` clears the account + IP count after a success."""

    async def counted(request: Request, value: Annotated[str, Depends(key)]) -> AsyncIterator[None]:
        async with failures_of(throttle, request, value, refused):
            yield
        if forget_on_success:
            await throttle.forget(request, value)

    return Depends(counted, scope="function")


@asynccontextmanager
async def failures_of(
    throttle: FailureThrottle, request: Request, account: str, refused: type[Exception]
) -> AsyncIterator[None]:
    """The same throttle around a block, for the pages: a form is read in the handler, so
    its fields are no route dependency's key."""
    await throttle.check(request, account)
    try:
        yield
    except refused:
        await throttle.record(request, account)
        raise
