from __future__ import annotations

from bonnebouffe.logistics.models import RoutePlan, RouteStop
from bonnebouffe.logistics.services import planning_input_build
from bonnebouffe.logistics.tasks import plan_job
from bonnebouffe.planning.routing import validate_routing
from bonnebouffe.planning.routing.jsonio import plan_from_dict, problem_from_dict


def _no_progress(percent: int, message: str = "") -> None:
    pass


def _run(tiny_network, plan_day, **extra):
    params = {
        "date": plan_day.date.isoformat(),
        "network_id": tiny_network.network.pk,
        "hub_id": tiny_network.hub_roussillon.pk,
        "time_limit_s": 1,
        **extra,
    }
    return plan_job(params, _no_progress)


def test_the_day_becomes_a_problem_with_the_pickup_the_delivery_and_the_truck(
    tiny_network, plan_day
):
    planning = planning_input_build(
        day=plan_day.date,
        network_id=tiny_network.network.pk,
        hub_id=tiny_network.hub_roussillon.pk,
    )
    p = planning.problem
    assert [s.id for s in p.stops] == [
        f"acc-{plan_day.acceptance.pk}",
        f"req-{plan_day.request.pk}",
    ]
    pickup = p.stops[0]
    assert pickup.load.refrigerated_kg == 120 and pickup.load.ambient_kg == 200
    assert (pickup.tw_early_s, pickup.tw_late_s) == (9 * 3600, 14 * 3600)
    assert not pickup.required and pickup.urgency > 0
    assert p.vehicle_types[0].capacity_refrigerated_kg == 400
    assert p.vehicle_types[0].shift_start_s == 8 * 3600


def test_the_planning_job_stores_a_plan_that_validates(tiny_network, plan_day):
    result = _run(tiny_network, plan_day)
    plan = RoutePlan.objects.get(pk=result["plan_id"])
    problem = problem_from_dict(plan.problem_json)
    assert validate_routing(problem, plan_from_dict(plan.plan_json)) == []
    assert plan.provider == "haversine" and plan.factors["detour_factor"] == 1.3
    assert plan.collected_g == 320_000 and plan.delivered_g == 100_000
    stops = list(RouteStop.objects.filter(route__plan=plan).order_by("sequence"))
    assert stops[0].kind == "depot" and stops[-1].kind == "depot"
    assert {s.kind for s in stops[1:-1]} == {"pickup", "delivery"}
    assert plan.routes.get().driver == plan_day.driver


def test_a_second_plan_reports_its_difference_from_the_first(tiny_network, plan_day):
    first = RoutePlan.objects.get(pk=_run(tiny_network, plan_day)["plan_id"])
    ref = f"req-{plan_day.request.pk}"
    plan_day.request.delete()
    second = RoutePlan.objects.get(pk=_run(tiny_network, plan_day)["plan_id"])
    assert second.difference["previous_id"] == first.pk
    assert second.difference["removed"] == [ref] and second.difference["added"] == []
    assert second.difference["km"] <= 0
