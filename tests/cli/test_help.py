"""Every subcommand's `--help` describes it, and every option has a help text and its default."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from app.__main__ import _parser
from tests.cli.support import run_app


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = _parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


@pytest.mark.parametrize("name", sorted(_subcommands()))
def test_every_subcommand_and_option_is_described_with_its_default(name: str) -> None:
    parser = _subcommands()[name]

    assert parser.description, f"{name} has no description"
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        assert action.help, f"{name} {action.dest} has no help text"
        if action.option_strings and action.required is False:
            assert "default" in action.help or "%(default)s" in action.help, (name, action.dest)


def test_serve_help_shows_host_port_and_workers_defaults(tmp_path: Path) -> None:
    finished = run_app(tmp_path, "serve", "--help")

    assert finished.returncode == 0
    text = " ".join(finished.stdout.split())
    assert "127.0.0.1" in text and "8000" in text and "(default: 1)" in text
