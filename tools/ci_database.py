"""Create or drop the throwaway PostgreSQL database a CI run tests against.

python tools/ci_database.py create URL   # prints nothing, fails if it exists
python tools/ci_database.py drop URL
"""

from __future__ import annotations

import asyncio
import sys

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine


async def run_admin(action: str, url_text: str) -> None:
    url = make_url(url_text)
    name = url.database
    if not name or not name.replace("_", "").isalnum():
        raise SystemExit(f"refusing an unusual database name: {name!r}")
    admin = create_async_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            if action == "create":
                await connection.execute(text(f'CREATE DATABASE "{name}"'))
            else:
                await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("create", "drop"):
        raise SystemExit(__doc__)
    asyncio.run(run_admin(sys.argv[1], sys.argv[2]))
