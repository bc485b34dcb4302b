"""Every mutant of tools/mutants.py still finds the code it changes. A mutant whose
snippet has gone (the code was rewritten) is STALE and proves nothing, and CI's mutant
run fails on it: this says so in the fast test run, naming the mutant."""

from __future__ import annotations

from pathlib import Path

from tools.mutants import MUTANTS, Edit, mutated

ROOT = Path(__file__).resolve().parents[2]


def _applies(edit: Edit) -> bool:
    return mutated(edit, (ROOT / edit.path).read_text(encoding="utf-8")) is not None


def test_every_mutant_finds_the_code_it_changes() -> None:
    stale = [m.name for m in MUTANTS for edit in m.edits if not _applies(edit)]
    assert stale == []


def test_a_snippet_that_is_not_in_the_code_is_stale() -> None:
    assert not _applies(Edit("app/main.py", "a line no module holds\n", ""))
