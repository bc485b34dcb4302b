"""Named mutants of the security core, each of which the test suite must kill (issue 12).

    uv run python tools/mutants.py            # every mutant
    uv run python tools/mutants.py --list     # their names
    uv run python tools/mutants.py NAME ...   # some of them

Each mutant is one edit of one file (an exact snippet replaced) and the tests that
should notice it. For each, the project is copied to a scratch folder, the edit is
applied there, and those tests run against the copy: the mutant is killed when they
fail. The working tree is never touched. Exit 0 when every mutant is killed; 1 when
one survives (a test is missing) or its snippet is no longer in the code (the list
needs updating).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPIED = ("app", "tests", "migrations", "docs", "alembic.ini", "pyproject.toml")


@dataclass(frozen=True)
class Edit:
    path: str
    original: str  # exactly once in the file; a regular expression when `everywhere`
    mutated: str
    everywhere: bool = False  # every match of the pattern (at least one) is replaced


@dataclass(frozen=True)
class Mutant:
    name: str
    edits: tuple[Edit, ...]
    tests: tuple[str, ...]


def mutant(name: str, path: str, original: str, mutated: str, tests: tuple[str, ...]) -> Mutant:
    """A mutant of one edit."""
    return Mutant(name, (Edit(path, original, mutated),), tests)


# `Space.org_id == context.org_id` becomes `Space.org_id == Space.org_id`: always true.
ORG_FILTER = r"(\w+)\.org_id == (?:context|scope)\.org_id"


def without_org_filters(domain: str, tests: tuple[str, ...]) -> Mutant:
    """Every org filter of one domain's repository dropped at once."""
    edit = Edit(f"app/{domain}/repository.py", ORG_FILTER, r"\1.org_id == \1.org_id", True)
    return Mutant(f"{domain}-repository-ignores-the-org", (edit,), tests)


MUTANTS = (
    mutant(
        "login-skips-the-dummy-verify-for-unknown-addresses",
        "app/accounts/service.py",
        "            await self.passwords.verify_nothing(password)\n",
        "            pass\n",
        ("tests/accounts/test_enumeration.py",),
    ),
    mutant(
        "reset-keeps-the-other-sessions",
        "app/accounts/service.py",
        "        await repository.delete_sessions_of_user(self.db, user.id,"
        " except_session=keep_session)\n",
        "",
        ("tests/accounts/test_password_reset.py", "tests/accounts/test_sessions.py"),
    ),
    mutant(
        "password-change-keeps-mailed-tokens",
        "app/accounts/service.py",
        "        await void_all_tokens(self.db, user.id)\n        await enqueue_mail(",
        "        await enqueue_mail(",
        ("tests/hardening/test_account_takeover.py",),
    ),
    # Expiry is checked twice, by the signature's age and by the row: both go.
    Mutant(
        "expired-magic-link-accepted",
        (
            Edit("app/accounts/tokens.py", "            AccountToken.expires_at > moment,\n", ""),
            Edit(
                "app/accounts/tokens.py",
                "    max_age = int(TOKEN_LIFETIMES[purpose].total_seconds())\n",
                "    max_age = 10**9\n",
            ),
        ),
        ("tests/accounts/test_magic_link.py",),
    ),
    mutant(
        "origin-check-off",
        "app/core/middleware/origin_check.py",
        '            and self._is_cross_site(scope["headers"])\n',
        "            and False\n",
        ("tests/accounts/test_csrf.py", "tests/edge/test_cors.py"),
    ),
    mutant(
        "placeholder-secret-key-passes-in-production",
        "app/core/settings.py",
        '        problems.append("SECRET_KEY is a placeholder value")\n',
        "        pass\n",
        ("tests/core/test_settings.py",),
    ),
    mutant(
        "verification-link-keeps-a-strangers-password",
        "app/accounts/service.py",
        '            if not _same_browser(record.data.get("browser"), browser_proof):\n',
        "            if False:\n",
        ("tests/hardening/test_pre_hijack.py",),
    ),
    mutant(
        "no-per-recipient-mail-cooldown",
        "app/mail/caps.py",
        '        await self._limiter.hit("mail_recipient_cooldown", address)\n',
        "",
        ("tests/hardening/test_mail_caps.py",),
    ),
    mutant(
        "invite-race-answers-500",
        "app/orgs/invites.py",
        "        except IntegrityError:  # a concurrent accept made the account first\n",
        "        except ZeroDivisionError:\n",
        ("tests/hardening/test_invite_race.py",),
    ),
    mutant(
        "org-routes-skip-csrf",
        "app/authz/org_context.py",
        "        check_csrf(request, token, settings)\n",
        "",
        ("tests/orgs/test_org_csrf.py",),
    ),
    mutant(
        "owner-may-make-a-second-owner",
        "app/authz/rules.py",
        "        and new_role != Role.OWNER\n",
        "",
        ("tests/orgs/test_single_owner.py",),
    ),
    mutant(
        "conversation-read-across-orgs",
        "app/messages/repository.py",
        "Conversation.last_message_at)\n"
        "        .where(Conversation.id == conversation_id,"
        " Conversation.org_id == context.org_id)\n",
        "Conversation.last_message_at)\n        .where(Conversation.id == conversation_id)\n",
        ("tests/messages/test_member_of_two_orgs.py", "tests/messages", "tests/authz"),
    ),
    mutant(
        "dashboard-spaces-across-orgs",
        "app/spaces/repository.py",
        "        .where(Space.org_id.in_(org_ids), _visible_in_sql(*see_all))\n",
        "        .where(_visible_in_sql(*see_all))\n",
        ("tests/pages/test_dashboard.py",),
    ),
    mutant(
        "post-read-across-orgs",
        "app/posts/repository.py",
        "        .where(Post.id == post_id, Post.org_id == context.org_id)\n",
        "        .where(Post.id == post_id)\n",
        ("tests/posts", "tests/authz"),
    ),
    *(
        # each route asks for its `{action}_ip` and `{action}_account` limits in one call
        # (app.accounts.route_limits.mailing_limits); the mutant keeps only the other one
        mutant(
            f"no-{action}_{dropped}-limit",
            "app/accounts/endpoints.py",
            call,
            f"{call}[{'1:' if dropped == 'ip' else ':1'}]",
            ("tests/accounts/test_each_rate_limit_alone.py", "tests/accounts/test_rate_limits.py"),
        )
        for action, schema, dropped in (
            ("signup", "SignupRequest", "ip"),
            ("magic_link", "EmailRequest", "ip"),
            ("password_reset", "EmailRequest", "ip"),
            ("signup", "SignupRequest", "account"),
            ("magic_link", "EmailRequest", "account"),
        )
        for call in (f'mailing_limits("{action}", by_body_field({schema}, "email"))',)
    ),
    mutant(
        "no-login_ip-limit",
        "app/accounts/endpoints.py",
        'rate_limit("login_ip")',
        'rate_limit("webhook_ip")',  # a limit far out of reach
        ("tests/accounts/test_each_rate_limit_alone.py", "tests/accounts/test_rate_limits.py"),
    ),
    *(
        without_org_filters(domain, (f"tests/{domain}", "tests/authz"))
        for domain in ("spaces", "orgs", "posts", "messages", "billing")
    ),
    mutant(
        "downgrade-leaves-an-index-behind",
        "migrations/versions/0004_posts_and_messages.py",
        '        batch_op.drop_index("ix_space_memberships_space_added")\n',
        "        pass\n",
        ("tests/core/test_migrations.py",),
    ),
    mutant(
        "posted-passwords-logged-by-value",
        "app/core/json_body.py",
        "    remember_secret_fields(pairs)  # a posted password is never logged by value\n",
        "",
        ("tests/core/test_log_secret_values.py",),
    ),
    mutant(
        "request-credentials-logged-by-value",
        "app/core/middleware/request_context.py",
        "        _remember_credentials(scope)\n",
        "",
        ("tests/core/test_log_secret_values.py",),
    ),
    # The two below add the careless line as well: with the defence in place it is
    # redacted, so only both edits together are a leak.
    Mutant(
        "login-logs-the-password-under-an-innocent-key",
        (
            Edit(
                "app/core/json_body.py",
                "    remember_secret_fields(pairs)  # a posted password is never logged by value\n",
                "",
            ),
            Edit(
                "app/accounts/service.py",
                "        if not await self.passwords.verify(user.password_hash, password):\n",
                '        __import__("structlog").get_logger().info("login", attempt=password)\n'
                "        if not await self.passwords.verify(user.password_hash, password):\n",
            ),
        ),
        ("tests/core/test_log_secret_values.py",),
    ),
    mutant(
        "session-token-logged",
        "app/accounts/sessions.py",
        "    remember_secret(token)  # sent as a cookie, never logged\n",
        '    __import__("structlog").get_logger().info("issued", value=token)\n',
        ("tests/core/test_log_secret_values.py",),
    ),
    mutant(
        "csrf-token-logged",
        "app/core/security.py",
        "    remember_secret(token)  # handed to the client, never logged\n",
        '    __import__("structlog").get_logger().info("issued", value=token)\n',
        ("tests/core/test_log_secret_values.py",),
    ),
    mutant(
        "invite-token-logged",
        "app/orgs/invites.py",
        "        remember_secret(token)  # mailed, never logged\n",
        '        __import__("structlog").get_logger().info("issued", value=token)\n',
        ("tests/core/test_log_secret_values.py",),
    ),
    mutant(
        "mailed-token-logged",
        "app/accounts/tokens.py",
        "    remember_secret(token)  # mailed, never logged\n",
        '    __import__("structlog").get_logger().info("issued", value=token)\n',
        ("tests/core/test_log_secret_values.py",),
    ),
)


def copy_project(folder: Path) -> None:
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, folder / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, folder / name)


def mutated(edit: Edit, text: str) -> str | None:
    """`text` with the edit made; None when its snippet is not (exactly once) in it."""
    if edit.everywhere:
        text, count = re.subn(edit.original, edit.mutated, text)
        return text if count else None
    if text.count(edit.original) != 1:
        return None
    return text.replace(edit.original, edit.mutated)


def apply(mutant: Mutant, folder: Path) -> bool:
    """Edits the copy; False when a snippet is not (exactly once) in the code."""
    for edit in mutant.edits:
        target = folder / edit.path
        text = mutated(edit, target.read_text(encoding="utf-8"))
        if text is None:
            return False
        target.write_text(text, encoding="utf-8")
    return True


def tests_fail(mutant: Mutant, folder: Path) -> bool:
    env = {**os.environ, "PYTHONPATH": str(folder), "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
               *mutant.tests]  # fmt: skip
    result = subprocess.run(  # noqa: S603 (our own interpreter and test paths)
        command, cwd=folder, env=env, capture_output=True, text=True, check=False
    )
    return result.returncode == 1  # 1: tests failed; anything else is not a kill


def check(mutant: Mutant) -> str:
    with tempfile.TemporaryDirectory(prefix="mutant-") as scratch:
        folder = Path(scratch)
        copy_project(folder)
        if not apply(mutant, folder):
            return "STALE"  # the code changed: update the snippet
        return "killed" if tests_fail(mutant, folder) else "SURVIVED"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="mutants to check (default: all)")
    parser.add_argument("--list", action="store_true", help="print the mutants' names")
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(mutant.name for mutant in MUTANTS))
        return 0
    unknown = set(args.names) - {mutant.name for mutant in MUTANTS}
    if unknown:
        print(f"mutants: no mutant named {', '.join(sorted(unknown))} (see --list)")
        return 2
    chosen = [m for m in MUTANTS if not args.names or m.name in args.names]
    outcomes = []
    for mutant in chosen:
        started = time.monotonic()
        outcome = check(mutant)
        outcomes.append(outcome)
        print(f"{outcome:8} {mutant.name} ({time.monotonic() - started:.0f} s)", flush=True)
    killed = outcomes.count("killed")
    print(f"{killed} of {len(chosen)} mutants killed")
    return 0 if killed == len(chosen) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
