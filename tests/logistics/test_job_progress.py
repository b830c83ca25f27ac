"""The solver runs in a child process: the bar moves while it searches, and a cancel ends
it at once (nothing is stored)."""

from __future__ import annotations

import multiprocessing
import time

import pytest

from bonnebouffe.jobs.services import JobCancelled
from bonnebouffe.logistics.models import RoutePlan
from bonnebouffe.logistics.tasks import plan_job


def _params(tiny_network, plan_day, time_limit_s: float) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {
        "date": plan_day.date.isoformat(),
        "network_id": tiny_network.network.pk,
        "hub_id": tiny_network.hub_roussillon.pk,
        "time_limit_s": time_limit_s,
    }


def test_the_bar_moves_while_the_solver_searches(tiny_network, plan_day, settings):
    settings.LOGISTICS_SOLVE_IN_CHILD = True
    seen: list[int] = []
    result = plan_job(_params(tiny_network, plan_day, 3), lambda p, m="": seen.append(p))
    assert RoutePlan.objects.filter(pk=result["plan_id"]).exists()
    searching = [p for p in seen if 15 < p < 85]
    assert searching and searching == sorted(searching)
    assert seen[-1] == 95 and not multiprocessing.active_children()


def test_a_cancel_stops_the_solver_at_once_and_stores_nothing(tiny_network, plan_day, settings):
    settings.LOGISTICS_SOLVE_IN_CHILD = True

    def progress(percent: int, message: str = "") -> None:
        if percent > 15:  # the user pressed "Cancel" while the solver searches
            raise JobCancelled

    started = time.monotonic()
    with pytest.raises(JobCancelled):
        plan_job(_params(tiny_network, plan_day, 120), progress)
    assert time.monotonic() - started < 30  # not the 120 s of the time limit
    assert not multiprocessing.active_children()
    assert not RoutePlan.objects.exists()
