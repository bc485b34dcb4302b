"""A committed create is answered 201 even when the database fails right after the commit.

Issue 19: handlers re-read the row after committing, so a database failing at that
moment answered an error for a write that was stored, and a retrying client created
a duplicate. Here every SELECT after a commit fails: the answer must not need one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from tests.support.world import World
from tests.support.world_content import Callers, callers, org_path, world

__all__ = ["callers", "world"]


class _FailReadsAfterCommit:
    def __init__(self) -> None:
        self.committed = False

    def on_commit(self, _connection: Any) -> None:
        self.committed = True

    def before_execute(
        self, _conn: Any, _cursor: Any, statement: str, *_args: Any, **_kwargs: Any
    ) -> None:
        if self.committed and statement.lstrip().upper().startswith("SELECT"):
            raise OperationalError(statement, None, Exception("database went away"))


@pytest.fixture
def reads_fail_after_commit(app: FastAPI, world: World) -> Iterator[None]:
    engine = app.state.database.engine.sync_engine
    failing = _FailReadsAfterCommit()
    event.listen(engine, "commit", failing.on_commit)
    event.listen(engine, "before_cursor_execute", failing.before_execute)
    try:
        yield
    finally:
        event.remove(engine, "commit", failing.on_commit)
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
