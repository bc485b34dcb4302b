"""Which checklist items the test results prove, and what is missing where they do not.

Items come from `docs/checklist.md`; tests name the items they prove with
`@pytest.mark.checklist("C07")`. The evidence is JUnit XML written by pytest with the
plugin `tests/support/proof.py`, which records on every test the items it is tagged
with and whether its body went through HTTP or the CLI.

An item is proved when it has tagged tests, every one of them ran and passed (in at
least one of the reports, failed in none), and at least one went through HTTP or the
CLI: a unit test may support an item, it cannot prove it alone. Items not proved yet
may be listed, each with its reason, in `docs/checklist-gaps.md`; the report fails
while an item is unproved and unlisted, and also while a listed item is proved (the
list must only shrink).

Not runtime code: it lives with the other CI helpers in tools/, which the production
image does not ship (nor tests/ and docs/, which it reads); `python -m app checklist`
imports it from a source checkout.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET  # our own pytest run's report, not outside input
from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CHECKLIST_FILE = PROJECT_ROOT / "docs" / "checklist.md"
GAPS_FILE = PROJECT_ROOT / "docs" / "checklist-gaps.md"
_ITEM = re.compile(r"^- \*\*(C\d{2}) ([^*]+?)\*\*")
_GAP = re.compile(r"^- (C\d{2}): (.+)$")
BLACK_BOX = {"http", "cli"}


@dataclass(frozen=True)
class ChecklistItem:
    item_id: str
    title: str


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_RUN = "not run"


class Status(StrEnum):
    PROVED = "proved"
    PARTIAL = "partial"
    MISSING = "missing"


@dataclass
class TestEvidence:
    nodeid: str
    items: set[str] = field(default_factory=set)
    outcome: Outcome = Outcome.NOT_RUN
    reached: set[str] = field(default_factory=set)

    @property
    def black_box(self) -> bool:
        return bool(self.reached & BLACK_BOX)


@dataclass(frozen=True)
class Verdict:
    item: ChecklistItem
    status: Status
    tests: list[TestEvidence]
    missing: list[str]  # what keeps a partial item from being proved
    gap_reason: str | None  # the reason docs/checklist-gaps.md gives, if listed

    @property
    def acceptable(self) -> bool:
        """Proved and not listed as a gap, or not proved and listed."""
        return (self.status == Status.PROVED) == (self.gap_reason is None)


def read_checklist(path: Path = CHECKLIST_FILE) -> list[ChecklistItem]:
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _ITEM.match(line)
        if match:
            items.append(ChecklistItem(match.group(1), match.group(2).rstrip(".")))
    return items


def read_gaps(path: Path = GAPS_FILE) -> dict[str, str]:
    """`- C22: reason` lines of the expected-gaps file (absent file: no gaps)."""
    if not path.exists():
        return {}
    gaps = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _GAP.match(line)
        if match:
            gaps[match.group(1)] = match.group(2).strip()
    return gaps


# -- reading the evidence ---------------------------------------------------------------


def read_junit(paths: list[Path]) -> dict[str, TestEvidence]:
    """Every test of the reports by node ID; a test passes if it passed in one report
    and failed in none."""
    evidence: dict[str, TestEvidence] = {}
    for path in paths:
        for case in ET.parse(path).getroot().iter("testcase"):  # noqa: S314 (see the import)
            _merge(evidence, case)
    return evidence


def _merge(evidence: dict[str, TestEvidence], case: ET.Element) -> None:
    properties = [(p.get("name"), p.get("value") or "") for p in case.iter("property")]
    nodeid = next((value for name, value in properties if name == "nodeid"), None)
    if nodeid is None:
        nodeid = f"{case.get('classname')}::{case.get('name')}"
    test = evidence.setdefault(nodeid, TestEvidence(nodeid))
    test.items |= {value for name, value in properties if name == "checklist"}
    for name, value in properties:
        if name == "reached":
            test.reached |= set(value.split(",")) - {"unit"}
    test.outcome = _combined(test.outcome, _outcome_of(case))


def _outcome_of(case: ET.Element) -> Outcome:
    children = {child.tag for child in case}
    if children & {"failure", "error"}:
        return Outcome.FAILED
    if "skipped" in children:
        return Outcome.NOT_RUN
    return Outcome.PASSED


def _combined(earlier: Outcome, later: Outcome) -> Outcome:
    if Outcome.FAILED in (earlier, later):
        return Outcome.FAILED
    if Outcome.PASSED in (earlier, later):
        return Outcome.PASSED
    return Outcome.NOT_RUN


# -- judging ----------------------------------------------------------------------------


def judge(
    items: list[ChecklistItem], evidence: dict[str, TestEvidence], gaps: dict[str, str]
) -> list[Verdict]:
    by_item: dict[str, list[TestEvidence]] = defaultdict(list)
    for test in evidence.values():
        for item_id in test.items:
            by_item[item_id].append(test)
    verdicts = []
    for item in items:
        tests = sorted(by_item.get(item.item_id, []), key=lambda t: t.nodeid)
        missing = _missing(tests)
        status = Status.MISSING if not tests else Status.PARTIAL if missing else Status.PROVED
        verdicts.append(Verdict(item, status, tests, missing, gaps.get(item.item_id)))
    return verdicts


def _missing(tests: list[TestEvidence]) -> list[str]:
    if not tests:
        return ["no test is tagged with this item"]
    missing = []
    failed = [t for t in tests if t.outcome == Outcome.FAILED]
    not_run = [t for t in tests if t.outcome == Outcome.NOT_RUN]
    if failed:
        missing.append(f"{len(failed)} tagged test(s) failed")
    if not_run:
        missing.append(f"{len(not_run)} tagged test(s) did not run")
    if not any(t.black_box and t.outcome == Outcome.PASSED for t in tests):
        missing.append("no passing tagged test goes through HTTP or the CLI")
    return missing


def unknown_items(items: list[ChecklistItem], evidence: dict[str, TestEvidence]) -> list[str]:
    known = {item.item_id for item in items}
    tagged = {item_id for test in evidence.values() for item_id in test.items}
    return sorted(tagged - known)


# -- reporting --------------------------------------------------------------------------


def _problem(verdict: Verdict) -> str:
    if verdict.acceptable:
        return ""
    if verdict.status == Status.PROVED:
        return "  <- proved: remove it from docs/checklist-gaps.md"
    return "  <- not proved and not listed in docs/checklist-gaps.md"


def as_text(verdicts: list[Verdict], unknown: list[str]) -> str:
    lines = []
    for verdict in verdicts:
        item, passed = verdict.item, sum(t.outcome == Outcome.PASSED for t in verdict.tests)
        label = verdict.status.upper().ljust(7)
        count = f"{passed}/{len(verdict.tests)} passed"
        lines.append(f"{label} {item.item_id} {item.title} ({count}){_problem(verdict)}")
        for reason in verdict.missing:
            lines.append(f"    missing: {reason}")
        if verdict.gap_reason:
            lines.append(f"    expected gap: {verdict.gap_reason}")
        for test in verdict.tests:
            how = ",".join(sorted(test.reached)) or "unit"
            lines.append(f"    {test.nodeid}  [{test.outcome}, {how}]")
    lines += [f"UNKNOWN {item_id}: tagged on tests but not in the checklist" for item_id in unknown]
    lines.append(_summary(verdicts))
    return "\n".join(lines)


def as_markdown(verdicts: list[Verdict], unknown: list[str]) -> str:
    lines = ["| item | status | passed | missing | expected gap |", "|---|---|---|---|---|"]
    for verdict in verdicts:
        passed = sum(t.outcome == Outcome.PASSED for t in verdict.tests)
        lines.append(
            f"| {verdict.item.item_id} {verdict.item.title} | {verdict.status} "
            f"| {passed}/{len(verdict.tests)} | {'; '.join(verdict.missing)} "
            f"| {verdict.gap_reason or ''} |"
        )
    lines += ["", *(f"- unknown item tagged on tests: {item_id}" for item_id in unknown)]
    lines.append(_summary(verdicts))
    return "\n".join(lines)


def as_json(verdicts: list[Verdict], unknown: list[str]) -> str:
    return json.dumps(
        {
            "items": [
                {
                    "id": v.item.item_id,
                    "title": v.item.title,
                    "status": str(v.status),
                    "missing": v.missing,
                    "expected_gap": v.gap_reason,
                    "tests": [
                        {"id": t.nodeid, "outcome": str(t.outcome), "reached": sorted(t.reached)}
                        for t in v.tests
                    ],
                }
                for v in verdicts
            ],
            "unknown": unknown,
            "ok": all_acceptable(verdicts, unknown),
        },
        indent=2,
    )


def _summary(verdicts: list[Verdict]) -> str:
    proved = sum(v.status == Status.PROVED for v in verdicts)
    gaps = sum(v.gap_reason is not None for v in verdicts)
    return f"{proved} of {len(verdicts)} items proved; {gaps} listed as expected gaps"


def all_acceptable(verdicts: list[Verdict], unknown: list[str]) -> bool:
    return not unknown and all(verdict.acceptable for verdict in verdicts)


FORMATS = {"text": as_text, "markdown": as_markdown, "json": as_json}
