"""`python -m app checklist`: an item is proved only by tests that ran, passed and went
through HTTP or the CLI; it exits non-zero while an item is unproved and not a listed gap."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from app.core.migrations import PROJECT_ROOT
from tools.checklist import ChecklistItem, Status, judge, read_checklist, read_junit

FIRST = ChecklistItem("C01", "First")


def junit(folder: Path, *cases: tuple[str, str, str, str], name: str = "report.xml") -> Path:
    """A JUnit report of (node id, item, reached, outcome) cases, as tests/support/proof.py
    and pytest write them."""
    body = []
    for nodeid, item, reached, outcome in cases:
        child = {"failed": "<failure message='x'/>", "skipped": "<skipped/>"}.get(outcome, "")
        body.append(
            f'<testcase classname="t" name="{nodeid}"><properties>'
            f'<property name="checklist" value="{item}"/>'
            f'<property name="reached" value="{reached}"/>'
            f'<property name="nodeid" value="{nodeid}"/></properties>{child}</testcase>'
        )
    path = folder / name
    path.write_text(f"<testsuites><testsuite>{''.join(body)}</testsuite></testsuites>")
    return path


def status_of(folder: Path, *cases: tuple[str, str, str, str]) -> Status:
    return judge([FIRST], read_junit([junit(folder, *cases)]), {})[0].status


def test_all_27_items_are_read_from_the_checklist() -> None:
    items = read_checklist()
    assert [item.item_id for item in items] == [f"C{n:02d}" for n in range(1, 28)]
    assert items[6].title == "No account enumeration"


def test_a_passing_http_test_proves_its_item(tmp_path: Path) -> None:
    assert status_of(tmp_path, ("a", "C01", "http", "passed")) == Status.PROVED


def test_passing_unit_tests_alone_do_not_prove_an_item(tmp_path: Path) -> None:
    assert status_of(tmp_path, ("a", "C01", "unit", "passed")) == Status.PARTIAL


def test_one_failing_tagged_test_keeps_an_item_unproved(tmp_path: Path) -> None:
    cases = [("a", "C01", "http", "passed"), ("b", "C01", "cli", "failed")]
    assert status_of(tmp_path, *cases) == Status.PARTIAL


def test_a_tagged_test_that_did_not_run_keeps_an_item_unproved(tmp_path: Path) -> None:
    cases = [("a", "C01", "http", "passed"), ("b", "C01", "http", "skipped")]
    assert status_of(tmp_path, *cases) == Status.PARTIAL


def test_an_item_no_test_is_tagged_with_is_missing(tmp_path: Path) -> None:
    assert status_of(tmp_path, ("a", "C02", "http", "passed")) == Status.MISSING


def test_a_test_skipped_in_one_report_and_passed_in_another_counts_as_passed(
    tmp_path: Path,
) -> None:
    sqlite = junit(tmp_path, ("a", "C01", "http", "skipped"), name="sqlite.xml")
    postgres = junit(tmp_path, ("a", "C01", "http", "passed"), name="postgres.xml")
    assert judge([FIRST], read_junit([sqlite, postgres]), {})[0].status == Status.PROVED


def run_checklist(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", "checklist", *args],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def report_failing(folder: Path, failing: set[str]) -> Path:
    """One HTTP test per item: failing for the items in `failing`, passing elsewhere."""
    outcome = {item.item_id: "failed" for item in read_checklist() if item.item_id in failing}
    cases = [
        (f"t{item.item_id}", item.item_id, "http", outcome.get(item.item_id, "passed"))
        for item in read_checklist()
    ]
    return junit(folder, *cases)


def gaps_file(folder: Path, *item_ids: str) -> str:
    path = folder / "gaps.md"
    path.write_text("".join(f"- {item_id}: waits for its issue\n" for item_id in item_ids))
    return str(path)


def test_the_command_exits_zero_when_every_item_is_proved_or_a_listed_gap(
    tmp_path: Path,
) -> None:
    report = str(report_failing(tmp_path, {"C22"}))
    result = run_checklist("--junit", report, "--gaps", gaps_file(tmp_path, "C22"))
    assert result.returncode == 0, result.stdout
    assert "expected gap: waits for its issue" in result.stdout


def test_the_command_exits_one_while_an_unlisted_item_is_unproved(tmp_path: Path) -> None:
    report = str(report_failing(tmp_path, {"C05"}))
    result = run_checklist("--junit", report, "--gaps", gaps_file(tmp_path))
    assert result.returncode == 1
    assert "PARTIAL C05" in result.stdout
    assert "not listed in docs/checklist-gaps.md" in result.stdout


def test_the_command_exits_one_while_a_listed_gap_is_already_proved(tmp_path: Path) -> None:
    report = str(report_failing(tmp_path, set()))
    result = run_checklist("--junit", report, "--gaps", gaps_file(tmp_path, "C22"))
    assert result.returncode == 1
    assert "remove it from docs/checklist-gaps.md" in result.stdout


def test_the_json_report_names_each_item_its_status_and_tests(tmp_path: Path) -> None:
    report = str(report_failing(tmp_path, set()))
    result = run_checklist("--junit", report, "--gaps", gaps_file(tmp_path), "--format", "json")
    first = json.loads(result.stdout)["items"][0]
    assert (first["id"], first["status"]) == ("C01", "proved")
    assert first["tests"] == [{"id": "tC01", "outcome": "passed", "reached": ["http"]}]


def test_a_missing_report_is_one_line_and_exit_two(tmp_path: Path) -> None:
    result = run_checklist("--junit", str(tmp_path / "none.xml"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "--junitxml" in result.stderr


def test_without_the_source_checkout_the_command_is_one_line_and_exit_two(
    tmp_path: Path,
) -> None:
    # the production image ships app/ but not tools/, tests/ or docs/ (.dockerignore)
    shutil.copytree(PROJECT_ROOT / "app", tmp_path / "app")
    result = subprocess.run(
        [sys.executable, "-m", "app", "checklist", "--junit", "report.xml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "needs a source checkout" in result.stderr
