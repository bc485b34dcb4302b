"""`python -m app audit` as an operator runs it: exit codes, the JSON shape, stderr progress.

The target here answers nothing (a closed port behind `--resolve`): every row that
needs it fails with one line of evidence, and the command exits 1, never a traceback.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from app.__main__ import main
from tests.cli.support import one_line, run_app

pytestmark = pytest.mark.checklist("C27")

HOST = "audit-target.invalid"
STATUSES = {"pass", "fail", "warn", "skip"}


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def unreachable_args(*args: str) -> list[str]:
    port = _closed_port()
    return [
        "audit", "--url", f"https://{HOST}", "--timeout", "2",
        "--resolve", f"{HOST}:443:127.0.0.1:{port}", "--resolve", f"{HOST}:80:127.0.0.1:{port}",
        *args,
    ]  # fmt: skip


def _unreachable(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The audit of a closed port, in this process: (exit code, stdout, stderr)."""
    capsys.readouterr()
    code = main(unreachable_args(*args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--url", "https://example.org", "--format", "yaml"], "--format"),
        (["--url", "https://example.org", "--colour"], "--colour"),
        (["--url", "https://example.org", "--timeout", "soon"], "--timeout"),
        (["--url", "http://example.org"], "--url"),
        (["--url", "https://example.org", "--active"], "--probe-email"),
        (["--url", "https://example.org", "--ca-bundle", "/nonexistent/ca.pem"], "--ca-bundle"),
        (["--url", "https://example.org", "--resolve", "example.org:443"], "--resolve"),
        (["--url", "https://example.org", "--resolve", "example.org:https:127.0.0.1"], "--resolve"),
        (["--format", "json"], "--url"),
    ],
)
def test_bad_usage_exits_2_with_one_line_naming_the_flag(
    capsys: pytest.CaptureFixture[str], args: list[str], named: str
) -> None:
    try:
        code = main(["audit", *args])
    except SystemExit as exit_:  # argparse's own refusals leave through SystemExit
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()

    assert code == 2
    assert named in one_line(err)
    assert out == ""


def test_an_unreachable_target_is_failing_rows_and_exit_1_never_a_traceback(
    tmp_path: Path,
) -> None:
    finished = run_app(tmp_path, *unreachable_args("--format", "json"), timeout=60)
    code, stdout, stderr = finished.returncode, finished.stdout, finished.stderr

    assert code == 1
    assert "Traceback" not in stdout + stderr
    checks = {check["id"]: check for check in json.loads(stdout)["checks"]}
    for row in ("http-redirect", "tls-certificate", "hsts", "health", "latency"):
        assert checks[row]["status"] == "fail", checks[row]
        assert checks[row]["evidence"].startswith("unreachable: "), checks[row]
        assert "\n" not in checks[row]["evidence"]
        assert checks[row]["fix"]


def test_the_json_document_has_the_documented_shape(capsys: pytest.CaptureFixture[str]) -> None:
    _code, stdout, stderr = _unreachable(capsys, "--format", "json")

    document = json.loads(stdout)
    assert set(document) == {"url", "started_at", "checks", "summary"}
    assert document["url"] == f"https://{HOST}"
    assert document["started_at"].endswith("+00:00")
    assert document["checks"]
    for check in document["checks"]:
        assert set(check) == {"id", "title", "status", "evidence", "fix"}
        assert check["status"] in STATUSES
        assert all(isinstance(value, str) for value in check.values())
    statuses = [check["status"] for check in document["checks"]]
    assert document["summary"] == {status: statuses.count(status) for status in STATUSES}
    assert stderr == ""  # progress lines are for text mode only


def test_text_mode_prints_a_progress_line_per_check_on_stderr_and_the_table_on_stdout(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _code, stdout, stderr = _unreachable(capsys)
    _code, json_out, _ = _unreachable(capsys, "--format", "json")

    ids = [check["id"] for check in json.loads(json_out)["checks"]]
    progress = stderr.splitlines()
    assert len(progress) == len(ids)
    for line, id_ in zip(progress, ids, strict=True):
        assert line.endswith(f" {id_}"), line
    assert all(f" {id_} " in stdout for id_ in ids)
    assert stdout.splitlines()[-1].startswith("pass ")


def test_markdown_mode_is_a_table_with_a_row_per_check(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _code, stdout, _stderr = _unreachable(capsys, "--format", "markdown")

    rows = [line for line in stdout.splitlines() if line.startswith("| ") and "`" in line]
    assert stdout.startswith(f"# Launch audit of https://{HOST}")
    assert len(rows) == stdout.count("\n| ") - 1  # every table line but the header is a check
    assert any(row.startswith("| FAIL | `tls-certificate`") for row in rows)
