"""C27: the latency row's arithmetic: p95 of the samples, and its generous bounds."""

from __future__ import annotations

import pytest

from app.launch_audit.latency import FAIL_SECONDS, WARN_SECONDS, p95, verdict
from app.launch_audit.model import Status

pytestmark = pytest.mark.checklist("C27")


def test_p95_of_20_samples_is_the_19th_smallest() -> None:
    samples = [float(n) for n in range(20, 0, -1)]

    assert p95(samples) == 19.0


def test_one_slow_outlier_in_20_does_not_move_the_p95() -> None:
    assert p95([0.01] * 19 + [9.0]) == 0.01


@pytest.mark.parametrize(
    ("seconds", "status"),
    [
        (0.2, Status.PASS),
        (WARN_SECONDS, Status.PASS),
        (WARN_SECONDS + 0.01, Status.WARN),
        (FAIL_SECONDS, Status.WARN),
        (FAIL_SECONDS + 0.01, Status.FAIL),
    ],
)
def test_the_verdict_warns_over_a_second_and_fails_only_over_five(
    seconds: float, status: Status
) -> None:
    assert verdict(seconds) == status
