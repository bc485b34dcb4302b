"""`Idempotency-Key` on creates: the same key and body answer the first result again.

A member's request with a key it has not used writes a pending record in the
request's own session: the handler's commit makes it durable together with the
create, so a committed create always has its record, and a create that failed leaves
none (the retry runs again). `IdempotencyMiddleware` then stores the 2xx answer in
the record. The same key again, with the same method, path and body: that stored
answer, without running the handler (`Idempotent-Replayed: true`). With another
body: 422 `idempotency_key_reused`. While the first is unanswered: 409
`idempotency_key_in_progress`. Keys are per member and kept for 24 hours.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any, cast

from fastapi import Depends, FastAPI, Header, Request
from fastapi.responses import Response
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from app.authz.caller import MaybeUser
from app.core.clock import now
from app.core.database import Database
from app.core.dependencies import DbSession
from app.core.errors import Conflict, Invalid
from app.idempotency.models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEEP_FOR = timedelta(hours=24)
STATE_FIELD = "idempotency_pending"

KeyHeader = Annotated[
    str | None,
    Header(
        alias=HEADER,
        min_length=1,
        max_length=255,
        pattern=r"^[!-~]+$",
        description="Any 1 to 255 visible ASCII characters, new for each create: a "
        "retry with the same key and body answers the first result again.",
    ),
]


@dataclass(frozen=True)
class PendingKey:
    user_id: uuid.UUID
    key: str


class IdempotentReplay(Exception):
    def __init__(self, record: IdempotencyRecord) -> None:
        super().__init__("replay")
        self.status_code = record.status_code or 200
        self.content_type = record.content_type
        self.body = record.response_body or b""


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    """Equal for the same JSON whatever its spacing or key order."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    return hashlib.sha256(b"\n".join([method.encode(), path.encode(), canonical])).hexdigest()


async def idempotency_key(
    request: Request, caller: MaybeUser, db: DbSession, key: KeyHeader = None
) -> None:
    """The route dependency of every create; anonymous callers are left to the policy."""
    if key is None or caller is None:
        return
    fingerprint = request_fingerprint(request.method, request.url.path, await request.body())
    record = await db.get(IdempotencyRecord, (caller.id, key))
    if record is not None and record.created_at < now() - KEEP_FOR:
        await db.delete(record)
        await db.flush()
        record = None
    if record is None:
        db.add(IdempotencyRecord(user_id=caller.id, key=key, request_hash=fingerprint))
        try:
            await db.flush()
        except IntegrityError:  # the same key at the same moment: the other one won
            await db.rollback()
            raise _in_progress() from None
        setattr(request.state, STATE_FIELD, PendingKey(caller.id, key))
        return
    if record.request_hash != fingerprint:
        raise Invalid(
            "This Idempotency-Key was used for another request: use a new key.",
            code="idempotency_key_reused",
        )
    if record.status_code is None:
        raise _in_progress()
    raise IdempotentReplay(record)


def _in_progress() -> Conflict:
    return Conflict(
        "A request with this Idempotency-Key has not been answered yet: try again later.",
        code="idempotency_key_in_progress",
    )


IDEMPOTENT = [Depends(idempotency_key)]


async def record_answer(
    database: Database, pending: PendingKey, status_code: int, content_type: str, body: bytes
) -> None:
    """Store the answer of a pending key (a no-op when its create was rolled back)."""
    async with database.sessionmaker() as db:
        await db.execute(
            update(IdempotencyRecord)
            .where(
                IdempotencyRecord.user_id == pending.user_id,
                IdempotencyRecord.key == pending.key,
                IdempotencyRecord.status_code.is_(None),
            )
            .values(status_code=status_code, content_type=content_type, response_body=body)
        )
        await db.commit()


async def _replay(_request: Request, exc: Exception) -> Response:
    exc = cast(IdempotentReplay, exc)
    return Response(
        exc.body,
        status_code=exc.status_code,
        media_type=exc.content_type,
        headers={REPLAYED_HEADER: "true"},
    )


def install_replay_handler(app: FastAPI) -> None:
    app.add_exception_handler(IdempotentReplay, _replay)


def pending_key(state: dict[str, Any]) -> PendingKey | None:
    found = state.get(STATE_FIELD)
    return found if isinstance(found, PendingKey) else None
