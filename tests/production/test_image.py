"""C23: the production image, read from the Dockerfile and .dockerignore (no Docker engine
runs here, so nothing is built): a pinned base, a non-root final stage with a health check
on /healthz, `python -m app serve` as its command, nothing secret copied in; and hadolint
finds nothing."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from app.__main__ import _parser
from app.core.migrations import PROJECT_ROOT

DOCKERFILE = PROJECT_ROOT / "Dockerfile"
DOCKERIGNORE = PROJECT_ROOT / ".dockerignore"
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
# What may reach the final stage from the build context: code, migrations, their config.
RUNTIME_SOURCES = {"app", "migrations", "alembic.ini"}
FORBIDDEN_SOURCE = re.compile(
    r"(^|/)(\.env[^/]*|\.git|tests?|\.venv|var|secrets?|production\.env)(/|$)|\.pem$|\.key$|^\.$"
)


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]


def instructions(text: str) -> list[tuple[str, str]]:
    """(KEYWORD, arguments) per instruction, continuation lines joined, comments dropped."""
    logical: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    parsed = []
    for line in logical:
        keyword, _, args = line.partition(" ")
        parsed.append((keyword.upper(), args.strip()))
    return parsed


def stages(text: str = "") -> list[Stage]:
    found: list[Stage] = []
    for keyword, args in instructions(text or DOCKERFILE.read_text()):
        if keyword == "FROM":
            parts = [part for part in args.split() if not part.startswith("--")]
            name = parts[2] if len(parts) == 3 and parts[1].upper() == "AS" else None
            found.append(Stage(base=parts[0], name=name))
        elif found:
            found[-1].instructions.append((keyword, args))
    return found


def final_stage() -> Stage:
    return stages()[-1]


def exec_form(args: str) -> list[str]:
    value = json.loads(args)
    assert isinstance(value, list), f"not the exec (JSON) form: {args}"
    return [str(item) for item in value]


pytestmark = pytest.mark.checklist("C23")


def test_the_image_is_built_in_stages_and_every_base_is_pinned_by_digest() -> None:
    all_stages = stages()
    assert len(all_stages) >= 2, "a build stage and a runtime stage"
    names = {stage.name for stage in all_stages}
    for stage in all_stages:
        if stage.base in names:
            continue  # FROM an earlier stage
        assert stage.base.startswith("python:3.11-slim-bookworm@"), stage.base
        assert DIGEST.search(stage.base), f"not pinned by a sha256 digest: {stage.base}"


def test_every_base_has_the_same_real_digest_not_a_placeholder() -> None:
    bases = [stage.base for stage in stages() if stage.base.startswith("python:")]
    digests = {base.rpartition("@sha256:")[2] for base in bases}
    assert len(bases) >= 2 and len(digests) == 1, bases
    digest = digests.pop()
    assert re.fullmatch(r"[0-9a-f]{64}", digest), digest
    assert len(set(digest)) > 4, f"a placeholder, not a digest: {digest}"
    assert "placeholder" not in DOCKERFILE.read_text().lower()


def test_the_final_stage_runs_as_an_unprivileged_user() -> None:
    users = final_stage().all("USER")
    assert users, "the final stage names a USER"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}, users
    # The user exists: made in the final stage with that uid (numeric, for runAsNonRoot).
    made = " ".join(final_stage().all("RUN"))
    assert re.search(rf"useradd\b.*--uid {re.escape(user)}\b", made), made


def test_the_health_check_asks_healthz_with_python_alone() -> None:
    checks = final_stage().all("HEALTHCHECK")
    assert len(checks) == 1, checks
    command = exec_form(checks[0].partition("CMD")[2].strip())
    assert command[:2] == ["python", "-c"], command
    assert "/healthz" in command[2]
    assert "curl" not in checks[0] and "wget" not in checks[0]


def test_the_command_is_python_m_app_serve_on_all_interfaces() -> None:
    commands = final_stage().all("CMD")
    assert len(commands) == 1, commands
    command = exec_form(commands[0])
    assert command[:4] == ["python", "-m", "app", "serve"], command
    args = _parser().parse_args(command[3:])  # the arguments the CLI will get
    assert args.command == "serve"
    assert args.host == "0.0.0.0"  # noqa: S104 (inside a container, behind caddy)
    environment = " ".join(final_stage().all("ENV"))
    assert "ENVIRONMENT=production" in environment
    assert "/app/.venv/bin" in environment, "python is the virtualenv's"


def test_nothing_secret_or_unneeded_is_copied_into_the_final_stage() -> None:
    copies = final_stage().all("COPY") + final_stage().all("ADD")
    assert not final_stage().all("ADD"), "COPY only: ADD fetches URLs and unpacks archives"
    from_context: set[str] = set()
    for copy in copies:
        parts = copy.split()
        flags = [part for part in parts if part.startswith("--")]
        sources = [part for part in parts if not part.startswith("--")][:-1]
        if any(flag.startswith("--from=") for flag in flags):
            assert sources == ["/app/.venv"], copy  # only the virtualenv from the build stage
            continue
        from_context.update(source.rstrip("/") for source in sources)
    assert from_context == RUNTIME_SOURCES, from_context
    for source in from_context:
        assert not FORBIDDEN_SOURCE.search(source), source
        assert (PROJECT_ROOT / source).exists(), source


def test_the_final_stage_installs_no_build_tools() -> None:
    final = final_stage()
    runs = " ".join(final.all("RUN"))
    for tool in ("apt-get", "pip install", "uv ", "gcc", "build-essential"):
        assert tool not in runs, tool
    build = stages()[0]
    assert "uv sync --locked --no-dev" in " ".join(build.all("RUN")), "deps come from uv.lock"
    assert any("uv.lock" in copy for copy in build.all("COPY"))


def test_dockerignore_keeps_secrets_and_tooling_out_of_the_build_context() -> None:
    entries = {
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    required = {
        ".git", ".env", ".env.*", "**/.env", "**/.env.*", "deploy/production.env",
        "tests", ".venv", "var", "**/__pycache__", ".mypy_cache", ".ruff_cache",
        ".pytest_cache", "benchmarks", "docs",
    }  # fmt: skip
    assert required <= entries, required - entries
    for needed in RUNTIME_SOURCES | {"pyproject.toml", "uv.lock"}:
        assert needed not in entries, f"{needed} is needed by the build"


def _hadolint() -> str | None:
    beside_python = Path(sys.executable).parent / "hadolint"
    return str(beside_python) if beside_python.exists() else shutil.which("hadolint")


def test_hadolint_finds_nothing() -> None:
    hadolint = _hadolint()
    if hadolint is None:
        pytest.skip("hadolint is not installed (it comes with the dev group: uv sync --locked)")
    result = subprocess.run(
        [hadolint, "--no-color", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_the_parser_reads_a_stage_and_its_user() -> None:
    """The reader above, on a Dockerfile small enough to see whole."""
    text = 'FROM base@sha256:abc AS build\nRUN a \\\n  b\n# note\nFROM build\nUSER 1:1\nCMD ["x"]\n'
    parsed = stages(text)
    assert [(stage.base, stage.name) for stage in parsed] == [
        ("base@sha256:abc", "build"),
        ("build", None),
    ]
    assert parsed[0].all("RUN") == ["a  b"]
    assert parsed[1].all("USER") == ["1:1"]
