"""The types a domain package uses to add its commands to `python -m app`."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, TypeAlias

SubParsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
Registrar = Callable[[SubParsers], None]
CommandDecorator = Callable[[str], Callable[[Any], Any]]
