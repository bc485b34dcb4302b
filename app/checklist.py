"""Which tests prove which item of the launch-readiness checklist.

Items come from `docs/checklist.md`; tests name the items they prove with
`@pytest.mark.checklist("C07")`. `python -m app checklist` prints the map, marks
the items no test proves, and with `--run` runs the tests and shows which pass.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.migrations import PROJECT_ROOT

CHECKLIST_FILE = PROJECT_ROOT / "docs" / "checklist.md"
_ITEM = re.compile(r"^- \*\*(C\d{2}) ([^*]+?)\*\*")


@dataclass(frozen=True)
class ChecklistItem:
    item_id: str
    title: str


def read_checklist(path: Path = CHECKLIST_FILE) -> list[ChecklistItem]:
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _ITEM.match(line)
        if match:
            items.append(ChecklistItem(match.group(1), match.group(2).rstrip(".")))
    return items


@dataclass
class _Collector:
    """A pytest plugin that records the checklist marks and, when run, the outcomes."""

    tests: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    outcomes: dict[str, str] = field(default_factory=dict)

    def pytest_collection_modifyitems(self, items: list[Any]) -> None:
        for item in items:
            for mark in item.iter_markers("checklist"):
                for item_id in mark.args:
                    self.tests[str(item_id)].append(item.nodeid)

    def pytest_runtest_logreport(self, report: Any) -> None:
        if report.when == "call" or report.outcome != "passed":
            previous = self.outcomes.get(report.nodeid)
            if previous != "failed":
                self.outcomes[report.nodeid] = report.outcome


def collect(run: bool, pytest_args: list[str]) -> tuple[_Collector, int]:
    import pytest

    collector = _Collector()
    # Collecting prints nothing of pytest's own; a run shows its progress and failures.
    quiet = ["-q"] if run else ["--collect-only", "-p", "no:terminal"]
    args = [*quiet, *pytest_args]
    exit_code = pytest.main(args, plugins=[collector])
    return collector, int(exit_code)


def report(items: list[ChecklistItem], collector: _Collector, run: bool) -> tuple[str, int]:
    lines: list[str] = []
    unproved = 0
    known = {item.item_id for item in items}
    for item in items:
        tests = sorted(set(collector.tests.get(item.item_id, [])))
        passing = [test for test in tests if collector.outcomes.get(test) == "passed"]
        proved = bool(passing) if run else bool(tests)
        unproved += not proved
        status = "PROVED " if proved else "MISSING"
        count = f"{len(passing)}/{len(tests)} passing" if run else f"{len(tests)} tests"
        lines.append(f"{status} {item.item_id} {item.title} ({count})")
        for test in tests:
            outcome = collector.outcomes.get(test, "not run") if run else ""
            lines.append(f"    {test}" + (f"  [{outcome}]" if run else ""))
    for unknown in sorted(set(collector.tests) - known):
        lines.append(f"UNKNOWN {unknown}: tagged on tests but not in the checklist")
    lines.append(f"{len(items) - unproved} of {len(items)} items proved")
    return "\n".join(lines), unproved
