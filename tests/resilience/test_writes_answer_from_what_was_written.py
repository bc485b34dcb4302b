"""A committed create is answered 201 even when the database fails right after the commit.

Issue 19: handlers re-read the row after committing, so a database failing at that
moment answered an error for a write that was stored, and a retrying client created
a duplicate. Here every SELECT after a commit fails: the answer must not need one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import event, update
from sqlalchemy.exc import OperationalError

from app.accounts.models import UserSession
from app.core.clock import now
from tests.support.world import World
from tests.support.world_content import Callers, callers, org_path, world

__all__ = ["callers", "world"]


class _FailReadsAfterCommit:
    """Fails every SELECT once a transaction that inserted a row has committed.

    Only a committing insert counts: a session's last-seen touch (an UPDATE committed
    before the handler runs, once a minute) must not fail the handler's own reads.
    """

    def __init__(self) -> None:
        self.committed = False

    def on_commit(self, connection: Any) -> None:
        if connection.info.pop("inserted", False):
            self.committed = True

    def on_rollback(self, connection: Any) -> None:
        connection.info.pop("inserted", None)

    def before_execute(
        self, conn: Any, _cursor: Any, statement: str, *_args: Any, **_kwargs: Any
    ) -> None:
        verb = statement.lstrip().upper()
        if verb.startswith("INSERT"):
            conn.info["inserted"] = True
        if self.committed and verb.startswith("SELECT"):
            raise OperationalError(statement, None, Exception("database went away"))


async def _sessions_due_for_a_touch(app: FastAPI) -> None:
    """Every session last seen two minutes ago: the request commits a touch first."""
    async with app.state.database.sessionmaker() as db:
        await db.execute(update(UserSession).values(last_seen_at=now() - timedelta(minutes=2)))
        await db.commit()


@pytest.fixture
async def reads_fail_after_commit(app: FastAPI, world: World) -> AsyncIterator[None]:
    await _sessions_due_for_a_touch(app)
    engine = app.state.database.engine.sync_engine
    failing = _FailReadsAfterCommit()
    event.listen(engine, "commit", failing.on_commit)
    event.listen(engine, "rollback", failing.on_rollback)
    event.listen(engine, "before_cursor_execute", failing.before_execute)
    try:
        yield
    finally:
        event.remove(engine, "commit", failing.on_commit)
        event.remove(engine, "rollback", failing.on_rollback)
        event.remove(engine, "before_cursor_execute", failing.before_execute)


async def test_a_created_post_is_answered_from_what_was_written(
    callers: Callers, world: World, reads_fail_after_commit: None
) -> None:
    path = f"{org_path(world)}/spaces/{world.refs['open_space_id']}/posts"
    response = await callers("member").post(
        path, json={"title": "Stored", "body": "Once.", "status": "published"}
    )
    assert response.status_code == 201
    assert response.json()["title"] == "Stored"


async def test_a_created_comment_is_answered_from_what_was_written(
    callers: Callers, world: World, reads_fail_after_commit: None
) -> None:
    path = f"{org_path(world)}/posts/{world.refs['post_id']}/comments"
    response = await callers("member").post(path, json={"body": "Stored once."})
    assert response.status_code == 201
    assert response.json()["body"] == "Stored once."


async def test_a_sent_message_is_answered_from_what_was_written(
    callers: Callers, world: World, reads_fail_after_commit: None
) -> None:
    path = f"{org_path(world)}/conversations/{world.refs['conversation_id']}/messages"
    response = await callers("member").post(path, json={"body": "Stored once."})
    assert response.status_code == 201
    assert response.json()["body"] == "Stored once."
