"""`python -m app create-org`: bootstrap an org and its owner without the API."""

from __future__ import annotations

import argparse
import asyncio

from pydantic import TypeAdapter, ValidationError

from app.accounts.service import verified_account
from app.core.cli import CommandDecorator, Registrar, SubParsers
from app.core.database import Database
from app.core.errors import AppError
from app.core.request_meta import RequestMeta
from app.core.schemas import NormalizedEmail
from app.core.settings import Settings, load_settings
from app.orgs.schemas import OrgCreate
from app.orgs.service import create_org_with_owner

CLI_META = RequestMeta(ip="cli", user_agent="python -m app create-org")


async def _create(settings: Settings, name: str, slug: str, email: str) -> int:
    database = Database(settings)
    try:
        async with database.sessionmaker() as db:
            owner_id, created = await verified_account(db, email)
            org = await create_org_with_owner(db, name, slug, owner_id, CLI_META)
    except AppError as exc:
        print(f"create-org: {exc.message}")
        return 1
    finally:
        await database.dispose()
    print(f"org {org.slug} created: id {org.id}, owner {email}")
    if created:
        print(f"new account {email}: log in with a magic link or set a password by reset")
    return 0


def create_org(args: argparse.Namespace) -> int:
    try:
        body = OrgCreate(name=args.name, slug=args.slug)
        email = TypeAdapter(NormalizedEmail).validate_python(args.owner_email)
    except ValidationError as exc:
        print(f"create-org: {exc.errors()[0]['msg']}")
        return 2
    return asyncio.run(_create(load_settings(), body.name, body.slug, email))


def _add_parsers(sub: SubParsers) -> None:
    parser = sub.add_parser("create-org", help="create an org and its owner (operator bootstrap)")
    parser.add_argument("--name", required=True, help="the org's display name (required)")
    parser.add_argument(
        "--slug", required=True, help="the org's URL name: lower-case letters, digits, - (required)"
    )
    parser.add_argument(
        "--owner-email",
        required=True,
        help="the owner's account; made (verified, no password) when it does not exist (required)",
    )


def register(command: CommandDecorator) -> Registrar:
    command("create-org")(create_org)
    return _add_parsers
