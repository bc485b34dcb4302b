"""The domain packages' commands, gathered for `python -m app`."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, TypeAlias

SubParsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
Registrar = Callable[[SubParsers], None]
CommandDecorator = Callable[[str], Callable[[Any], Any]]


def register_commands(command: CommandDecorator) -> list[Registrar]:
    """Each domain's `cli.register(command)` returns a function that adds its parsers."""
    from app.core import cloudflare
    from app.core import sentry as sentry_cli
    from app.launch_audit import cli as launch_audit_cli
    from app.mail import cli as mail_cli
    from app.orgs import cli as orgs_cli

    registrars: list[Registrar] = [
        cloudflare.register(command),
        mail_cli.register(command),
        orgs_cli.register(command),
        sentry_cli.register(command),
        launch_audit_cli.register(command),
    ]
    return registrars
