"""`python -m app checklist`: every checklist item with the tests that prove it."""

from __future__ import annotations

from app.checklist import ChecklistItem, _Collector, read_checklist, report


def test_all_27_items_are_read_from_the_checklist() -> None:
    items = read_checklist()
    assert [item.item_id for item in items] == [f"C{n:02d}" for n in range(1, 28)]
    assert items[6].title == "No account enumeration"


def test_items_without_tests_are_marked_missing_and_counted() -> None:
    collector = _Collector()
    collector.tests["C01"].append("tests/a.py::test_one")
    items = [ChecklistItem("C01", "First"), ChecklistItem("C02", "Second")]
    text, unproved = report(items, collector, run=False)
    assert "PROVED  C01 First (1 tests)" in text
    assert "MISSING C02 Second (0 tests)" in text
    assert unproved == 1


def test_when_run_only_passing_tests_prove_an_item() -> None:
    collector = _Collector()
    collector.tests["C01"] += ["tests/a.py::test_one", "tests/a.py::test_two"]
    collector.outcomes.update({"tests/a.py::test_one": "failed", "tests/a.py::test_two": "failed"})
    text, unproved = report([ChecklistItem("C01", "First")], collector, run=True)
    assert "MISSING C01 First (0/2 passing)" in text
    assert unproved == 1


def test_an_unknown_id_on_a_test_is_reported() -> None:
    collector = _Collector()
    collector.tests["C99"].append("tests/a.py::test_stray")
    text, _ = report([], collector, run=False)
    assert "UNKNOWN C99" in text
