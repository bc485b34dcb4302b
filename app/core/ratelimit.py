"""Rate limits (C14): named limits from one table, keyed by the client IP or an account.

Declaring them: a route, API or page, declares each limit in its decorator with
`app.core.limits.rate_limit(name, key=...)` (client IP, a body or form field, or the
caller) and `failures_counted` for wrong passwords; that module is the only way routes
ask for one (tests/structure/test_rate_limit_declarations.py). This module counts.

A refusal raises `RateLimited`: 429 in the API's error format, code `rate_limited`, with
`Retry-After` (seconds) and `X-RateLimit-Limit`, `X-RateLimit-Remaining` and
`X-RateLimit-Reset` (epoch seconds). None of these is a route policy: a route still
declares its own. `RATE_LIMITS_ENABLED=false` turns every limit off.

Keys. The client IP is `request.client.host`, which TrustedProxyMiddleware has already
settled to the real client, so a forged X-Forwarded-For from an untrusted peer cannot
pick it. An IPv6 client counts by its /64 (one subscriber gets a whole /64). Account
keys are compared lower-cased. Every key is stored as a keyed BLAKE2b hash (key derived
from SECRET_KEY): no email or IP address sits in Redis.

What a stranger can do to someone else's account: after 5 wrong passwords from his
address (`login_failures_account_ip`, per 15 minutes) he is refused from that address,
the owner is not. To block the owner's password login as well he must keep
`login_failures_account` (20 per 15 minutes) exhausted, which takes at least four
addresses; the block ends within 15 minutes of his stopping. Refused attempts are not
counted, so hammering does not extend it, and the magic link and the password reset are
limited separately, so the owner always has a way in. A right password clears only the
account + IP count, so it buys a guesser on other addresses nothing.

Storage. The sliding-window-counter strategy of `limits` (two counters per key, no
double burst at window edges). With `REDIS_URL` the counters live in Redis under
`RATE_LIMIT_KEY_PREFIX`, shared by every worker and host; without it, in process memory.
When Redis fails, the limits stay in force from process memory, one error is logged per
outage, Redis is tried again every `OUTAGE_RETRY`, and its recovery is logged.

Why not slowapi's Limiter: its storage calls are synchronous. Against Redis each one
blocks the event loop for a network round trip, during which every other request of the
worker waits, and a hanging Redis would block it for the whole socket timeout. The
`limits.aio` strategies over `redis.asyncio` await that round trip instead, so slowapi
is not a dependency. Only routes that ask for a limit pay for one.
"""

from __future__ import annotations

import functools
import hashlib
import math
import secrets
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from ipaddress import IPv6Network
from typing import Any, TypeVar

import structlog
from fastapi import Request
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import RateLimiter as Strategy
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from redis.asyncio import ConnectionPool
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from app.core.clock import now
from app.core.errors import AppError
from app.core.metrics import Metrics
from app.core.middleware.trusted_proxy import parse_address
from app.core.ratelimit_defaults import DEFAULT_RATE_LIMITS
from app.core.settings import Environment, Settings

OUTAGE_RETRY = timedelta(seconds=5)
REDIS_TIMEOUT_SECONDS = 0.5
DEFAULT_KEY_PREFIX = "roundtable"

logger = structlog.get_logger("app.ratelimit")
T = TypeVar("T")
Operation = Callable[[RateLimitItem, str, str], Awaitable[T]]


class RateLimited(AppError, status=429):
    message = "Too many requests. Try again later."


class _FailoverStrategy:
    """Runs each operation on the shared storage, or on process memory while it is down."""

    def __init__(self, shared: Storage | None, outage_retry: timedelta) -> None:
        self._local = SlidingWindowCounterRateLimiter(MemoryStorage())
        self._shared = SlidingWindowCounterRateLimiter(shared) if shared is not None else None
        self._outage_retry = outage_retry
        self._retry_shared_at: datetime | None = None  # set only during an outage

    async def run(self, operation: Callable[[Strategy], Awaitable[T]]) -> T:
        if self._shared is None or not self._shared_worth_trying():
            return await operation(self._local)
        try:
            result = await operation(self._shared)
        except Exception as exc:  # any failure of the store must not fail the request
            self._record_outage(exc)
            return await operation(self._local)
        if self._retry_shared_at is not None:
            self._retry_shared_at = None
            logger.info("rate_limit_storage_recovered")
        return result

    def _shared_worth_trying(self) -> bool:
        return self._retry_shared_at is None or now() >= self._retry_shared_at

    def _record_outage(self, exc: Exception) -> None:
        if self._retry_shared_at is None:
            logger.error(
                "rate_limit_storage_unreachable",
                exc_type=type(exc).__name__,
                detail=str(exc),
                fallback="limits enforced from process memory until it answers again",
            )
        self._retry_shared_at = now() + self._outage_retry


class RateLimiter:
    """The app's limiter, built once in `create_app` (`app.state.rate_limiter`)."""

    def __init__(
        self,
        table: Mapping[str, str],
        *,
        enabled: bool,
        hash_key: bytes,
        shared_storage: Storage | None = None,
        outage_retry: timedelta = OUTAGE_RETRY,
        metrics: Metrics | None = None,
    ) -> None:
        self.enabled = enabled
        self.metrics = metrics
        self._items = {name: parse(notation) for name, notation in table.items()}
        self._hash_key = hash_key
        self._pool: ConnectionPool | None = None
        self._strategy = _FailoverStrategy(shared_storage, outage_retry)

    @classmethod
    def from_settings(cls, settings: Settings, metrics: Metrics | None = None) -> RateLimiter:
        hash_key = hashlib.sha256(b"rate-limit-keys:" + settings.signing_key().encode()).digest()
        if not settings.rate_limits_enabled or not settings.redis_url:
            return cls(
                settings.rate_limits,
                enabled=settings.rate_limits_enabled,
                hash_key=hash_key,
                metrics=metrics,
            )
        pool = ConnectionPool.from_url(
            settings.redis_url,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            retry=Retry(NoBackoff(), 1),  # one immediate reconnect, never seconds of backoff
        )
        storage = RedisStorage(
            _async_storage_uri(settings.redis_url),
            implementation="redispy",
            key_prefix=_key_prefix(settings),
            connection_pool=pool,  # type: ignore[arg-type]
        )
        limiter = cls(
            settings.rate_limits,
            enabled=True,
            hash_key=hash_key,
            shared_storage=storage,
            metrics=metrics,
        )
        limiter._pool = pool
        return limiter

    async def hit(self, name: str, key: str) -> None:
        """Count one request against `name` for `key`; RateLimited when it is over."""
        if self.enabled and not await self._run(name, key, lambda strategy: strategy.hit):
            raise await self._refusal(name, key)

    async def try_hit(self, name: str, key: str) -> bool:
        """Count one request against `name` for `key`; False (nothing raised) when over."""
        return not self.enabled or await self._run(name, key, lambda strategy: strategy.hit)

    async def count(self, name: str, key: str) -> None:
        """Count one event against `name` for `key`, never refusing (e.g. a failure)."""
        if self.enabled:
            await self._run(name, key, lambda strategy: strategy.hit)

    async def check(self, name: str, key: str) -> None:
        """RateLimited when `name` is exhausted for `key`; counts nothing."""
        if self.enabled and not await self._run(name, key, lambda strategy: strategy.test):
            raise await self._refusal(name, key)

    async def clear(self, name: str, key: str) -> None:
        if self.enabled:
            await self._run(name, key, lambda strategy: strategy.clear)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.disconnect()

    def _locate(self, name: str, key: str) -> tuple[RateLimitItem, tuple[str, str]]:
        try:
            item = self._items[name]
        except KeyError:
            raise KeyError(f"no rate limit named {name!r} in the table") from None
        digest = hashlib.blake2b(
            key.strip().lower().encode(), key=self._hash_key, digest_size=16
        ).hexdigest()
        return item, (name, digest)

    async def _run(self, name: str, key: str, operation: Callable[[Strategy], Operation[T]]) -> T:
        """The strategy's `operation` (hit, test, ...) on the limit `name` for `key`."""
        item, identity = self._locate(name, key)
        return await self._strategy.run(lambda strategy: operation(strategy)(item, *identity))

    async def _refusal(self, name: str, key: str) -> RateLimited:
        if self.metrics is not None:
            self.metrics.rate_limited.labels(name).inc()
        item = self._locate(name, key)[0]
        stats = await self._run(name, key, lambda strategy: strategy.get_window_stats)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        return RateLimited(
            f"Too many requests. Try again in {retry_after} seconds.",
            headers={
                "Retry-After": str(retry_after),
                "X-RateLimit-Limit": str(item.amount),
                "X-RateLimit-Remaining": str(stats.remaining),
                "X-RateLimit-Reset": str(math.ceil(stats.reset_time)),
            },
        )


def _async_storage_uri(redis_url: str) -> str:
    if redis_url.startswith("unix://"):
        return "async+redis+unix://" + redis_url.removeprefix("unix://")
    return "async+" + redis_url


def _key_prefix(settings: Settings) -> str:
    if settings.rate_limit_key_prefix:
        return settings.rate_limit_key_prefix
    if settings.environment == Environment.TEST:
        return f"{DEFAULT_KEY_PREFIX}-test-{secrets.token_hex(6)}"  # test apps never collide
    return DEFAULT_KEY_PREFIX


def rate_limiter_of(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.rate_limiter
    return limiter


def client_ip_key(request: Request) -> str:
    """The client address as limits count it: IPv4 as is, IPv6 by its /64."""
    host = request.client.host if request.client else "127.0.0.1"
    address = parse_address(host)
    if address is None:
        return host
    if ":" in address:
        return str(IPv6Network((address, 64), strict=False))
    return address


@functools.cache
def limit_by_ip(name: str) -> Callable[[Request], Coroutine[Any, Any, None]]:
    """A route dependency counting each request against `name` for the client IP."""
    if name not in DEFAULT_RATE_LIMITS:
        raise KeyError(f"no rate limit named {name!r} in the table")

    async def rate_limit_by_ip(request: Request) -> None:
        await rate_limiter_of(request).hit(name, client_ip_key(request))

    rate_limit_by_ip.__name__ = f"rate_limit_{name}"
    return rate_limit_by_ip


async def enforce_limit(request: Request, name: str, key: str) -> None:
    """Count this request against `name` for `key` (an email, a user id); 429 when over."""
    await rate_limiter_of(request).hit(name, key)


@dataclass(frozen=True)
class FailureThrottle:
    """Counts failed attempts per account and per account + client IP (see the module doc)."""

    account_limit: str
    account_ip_limit: str

    async def check(self, request: Request, account: str) -> None:
        limiter = rate_limiter_of(request)
        await limiter.check(self.account_ip_limit, _pair(request, account))
        await limiter.check(self.account_limit, account)

    async def record(self, request: Request, account: str) -> None:
        limiter = rate_limiter_of(request)
        if limiter.metrics is not None:
            limiter.metrics.login_failures.inc()
        await limiter.count(self.account_ip_limit, _pair(request, account))
        await limiter.count(self.account_limit, account)

    async def forget(self, request: Request, account: str) -> None:
        await rate_limiter_of(request).clear(self.account_ip_limit, _pair(request, account))


def _pair(request: Request, account: str) -> str:
    return f"{account.strip()}\n{client_ip_key(request)}"


login_failures = FailureThrottle("login_failures_account", "login_failures_account_ip")
