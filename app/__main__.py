"""`python -m app <command>`: the operator's entry points."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from app.core.cli import Registrar, SubParsers
from app.core.settings import (
    SERVE_COMMAND,
    SERVED_BY,
    ConfigurationError,
    Environment,
    Settings,
    load_settings,
)

Command = Callable[[argparse.Namespace], int]
COMMANDS: dict[str, Command] = {}


def command(name: str) -> Callable[[Command], Command]:
    def register(function: Command) -> Command:
        COMMANDS[name] = function
        return function

    return register


@command("serve")
def serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = load_settings()
    host, port = args.host or settings.host, args.port or settings.port
    if settings.environment == Environment.DEVELOPMENT:
        _settle_development(settings, host, port)
        if settings.is_sqlite:
            from app.core.migrations import upgrade

            upgrade(settings.database_url)  # the embedded default needs no separate step
    if args.workers > 1:
        _share_metrics_between_workers()
    os.environ[SERVED_BY] = SERVE_COMMAND  # for app.main, in every worker process
    uvicorn.run(
        "app.main:app",
        host=host,
        port=port,
        workers=args.workers,
        proxy_headers=False,  # client IP and scheme are settled by TrustedProxyMiddleware
        server_header=False,
        access_log=False,
        log_config=None,
        # SIGTERM: stop accepting, let in-flight requests finish (at most this long),
        # then the lifespan's shutdown finishes the mail send in progress.
        timeout_graceful_shutdown=settings.shutdown_timeout_seconds,
    )
    return 0


def _settle_development(settings: Settings, host: str, port: int) -> None:
    """What development leaves unset, fixed for every worker process this serve starts:
    PUBLIC_URL (the links in mail) from the bound address, and one SECRET_KEY for all."""
    from app.core.logging import configure_logging
    from app.core.settings import warn_about_a_random_secret_key

    if "public_url" not in settings.model_fields_set:
        os.environ["PUBLIC_URL"] = development_public_url(host, port)
    if settings.secret_key_is_random and settings.secret_key is not None:
        os.environ["SECRET_KEY"] = settings.secret_key.get_secret_value()
        configure_logging(json_lines=False, level=settings.log_level)
        warn_about_a_random_secret_key(settings)


def development_public_url(host: str, port: int) -> str:
    """The URL a browser on this machine reaches `serve --host HOST --port PORT` at."""
    if host in ("", "0.0.0.0", "::"):  # noqa: S104 (every address: link to this machine)
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _share_metrics_between_workers() -> None:
    """Each worker writes its counts to one fresh folder, so any worker's /metrics can
    answer for all of them (prometheus-client's multiprocess mode, app.core.metrics)."""
    from app.core.metrics import MULTIPROCESS_VARIABLE

    if not os.environ.get(MULTIPROCESS_VARIABLE):
        os.environ[MULTIPROCESS_VARIABLE] = tempfile.mkdtemp(prefix="roundtable-metrics-")


@command("migrate")
def migrate(_args: argparse.Namespace) -> int:
    from app.core.migrations import head_revision, upgrade

    upgrade(load_settings().database_url)
    print(f"database migrated to revision {head_revision()}")
    return 0


@command("checklist")
def checklist(args: argparse.Namespace) -> int:
    try:
        from tools.checklist import (
            FORMATS,
            all_acceptable,
            judge,
            read_checklist,
            read_gaps,
            read_junit,
            unknown_items,
        )
    except ModuleNotFoundError as exc:
        if exc.name not in ("tools", "tools.checklist"):
            raise
        print("checklist: needs a source checkout (tools/, tests/ and docs/); "
              "the production image ships none of them", file=sys.stderr)  # fmt: skip
        return 2
    reports = [Path(path) for path in args.junit]
    with tempfile.TemporaryDirectory() as folder:
        if not reports:
            reports = [Path(folder) / "checklist.xml"]
            exit_code = _run_tagged_tests(reports[0], args.pytest_args)
            if exit_code not in (0, 1):  # 1: some test failed, which the report shows
                return exit_code
        unreadable = [str(path) for path in reports if not path.is_file()]
        if unreadable:
            print(f"checklist: no JUnit report at {', '.join(unreadable)}: "
                  "run pytest with --junitxml=FILE first", file=sys.stderr)  # fmt: skip
            return 2
        items, evidence = read_checklist(), read_junit(reports)
        verdicts = judge(items, evidence, read_gaps(Path(args.gaps)))
        unknown = unknown_items(items, evidence)
        print(FORMATS[args.format](verdicts, unknown))
    return 0 if all_acceptable(verdicts, unknown) else 1


def _run_tagged_tests(report: Path, pytest_args: list[str]) -> int:
    command = [sys.executable, "-m", "pytest", "-m", "checklist", "-q", f"--junitxml={report}"]
    return subprocess.call([*command, *pytest_args])  # noqa: S603 (our own interpreter)


class _OneLineParser(argparse.ArgumentParser):
    """Bad usage is one line naming the problem and where help is, with exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(prog="python -m app", description=__doc__)
    sub: SubParsers = parser.add_subparsers(
        dest="command", required=True, parser_class=_OneLineParser
    )
    serve_parser = sub.add_parser("serve", help="run the HTTP server")
    serve_parser.add_argument("--host", help="the address to bind (default: HOST, 127.0.0.1)")
    serve_parser.add_argument("--port", type=int, help="the port to bind (default: PORT, 8000)")
    serve_parser.add_argument(
        "--workers", type=int, default=1, help="worker processes (default: %(default)s)"
    )
    sub.add_parser("migrate", help="upgrade the database to the latest migration")
    checklist_parser = sub.add_parser(
        "checklist", help="which checklist items the tests prove (exit 1 while any is not)"
    )
    checklist_parser.add_argument(
        "--junit",
        action="append",
        default=[],
        metavar="FILE",
        help="read these JUnit reports of a test run (repeatable; default: none, run the"
        " tagged tests)",
    )
    checklist_parser.add_argument(
        "--gaps", default="docs/checklist-gaps.md", metavar="FILE",
        help="the expected gaps, `- Cnn: reason` lines (default: %(default)s)",
    )  # fmt: skip
    checklist_parser.add_argument(
        "--format", choices=["text", "markdown", "json"], default="text",
        help="report format (default: %(default)s)",
    )  # fmt: skip
    checklist_parser.add_argument("pytest_args", nargs="*", help="extra arguments for pytest")
    for extension in _extensions():
        extension(sub)
    for choice in sub._choices_actions:  # each subcommand's --help starts with its summary
        sub.choices[choice.dest].description = sub.choices[choice.dest].description or choice.help
    return parser


def _extensions() -> list[Registrar]:
    """Each package's `register(command)` returns a function that adds its parsers."""
    from app.core import cloudflare
    from app.core import sentry as sentry_cli
    from app.launch_audit import cli as launch_audit_cli
    from app.mail import cli as mail_cli
    from app.orgs import cli as orgs_cli

    return [
        cloudflare.register(command),
        mail_cli.register(command),
        orgs_cli.register(command),
        sentry_cli.register(command),
        launch_audit_cli.register(command),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ConfigurationError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # an operator's mistake is one line; anything else a traceback
        from app.core.cli_errors import explain

        explained = explain(exc)
        if explained is None:
            raise
        print(f"{args.command}: {explained.message}", file=sys.stderr)
        return explained.exit_code


if __name__ == "__main__":
    sys.exit(main())
