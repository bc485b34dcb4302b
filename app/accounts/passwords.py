"""Password policy (NIST SP 800-63B) and argon2id hashing off the event loop.

Hashing runs in a small executor of its own: a login storm then queues there
instead of filling the threadpool every other route shares, and the number of
concurrent verifies per process is capped.
"""

from __future__ import annotations

import asyncio
import secrets
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from app.core.errors import Invalid
from app.core.settings import Settings

MIN_LENGTH = 8
MAX_LENGTH = 128  # long passphrases welcome; the cap keeps one hash bounded
COMMON_PASSWORDS_FILE = Path(__file__).parent / "data" / "common_passwords.txt"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.lower() for line in lines if line and not line.startswith("#"))


def password_problem(password: str, *, email: str | None = None) -> str | None:
    """Why this password is refused, or None: length and breach checks, no composition rules."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    lowered = password.lower()
    if lowered in common_passwords():
        return "This password is too common; choose another."
    if email and lowered in (email.lower(), email.split("@")[0].lower()):
        return "Do not use your email address as your password."
    return None


def check_password_policy(password: str, *, email: str | None = None) -> None:
    problem = password_problem(password, email=email)
    if problem:
        raise Invalid(problem, code="weak_password")


class PasswordHashing:
    """argon2id with the configured costs, run on a capped executor."""

    def __init__(self, settings: Settings) -> None:
        self.hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
        )
        self.executor = ThreadPoolExecutor(
            max_workers=settings.password_hash_concurrency, thread_name_prefix="argon2"
        )
        self._dummy_hash: str | None = None

    async def _run(self, function: object, *args: str) -> object:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, function, *args)  # type: ignore[arg-type]

    async def hash(self, password: str) -> str:
        return str(await self._run(self.hasher.hash, password))

    async def verify(self, stored_hash: str, password: str) -> bool:
        return bool(await self._run(self._verify_sync, stored_hash, password))

    def _verify_sync(self, stored_hash: str, password: str) -> bool:
        try:
            return bool(self.hasher.verify(stored_hash, password))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        try:
            return bool(self.hasher.check_needs_rehash(stored_hash))
        except InvalidHashError:
            return True

    async def verify_nothing(self, password: str) -> None:
        """The same work as a real verify, for accounts that do not exist (no timing oracle)."""
        if self._dummy_hash is None:
            self._dummy_hash = await self.hash(secrets.token_urlsafe(16))
        await self.verify(self._dummy_hash, password)

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
