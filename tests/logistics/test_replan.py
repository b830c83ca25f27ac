"""Re-planning a day under way: the done stops stay where they are, a pickup accepted this
morning is added, and the new plan validates."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from bonnebouffe.jobs.services import JobFailed
from bonnebouffe.logistics.models import RoutePlan, RouteStop
from bonnebouffe.logistics.services import stop_update_apply
from bonnebouffe.logistics.tasks import replan_job
from bonnebouffe.planning.routing import validate_routing
from bonnebouffe.planning.routing.jsonio import plan_from_dict, problem_from_dict
from bonnebouffe.rescue.models import Handover
from bonnebouffe.rescue.services import OfferItemSpec, offer_accept, offer_create

from .conftest import SYSTEM, hub_plan, quiet


@pytest.fixture
def plan(tiny_network, plan_day) -> RoutePlan:  # type: ignore[no-untyped-def]
    return hub_plan(tiny_network, plan_day)


def _at(day, hour: int, minute: int = 0) -> datetime:  # type: ignore[no-untyped-def]
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _urgent_pickup(tiny_network, day) -> str:  # type: ignore[no-untyped-def]
    offer = offer_create(
        scope=SYSTEM,
        donor=tiny_network.farm,
        handover=Handover.PICKUP,
        pickup_site=tiny_network.farm.sites.first(),
        window_start=_at(day, 11),
        window_end=_at(day, 15),
        items=[
            OfferItemSpec(
                product_name="Yogourt nature",
                category="dairy",
                storage_class="refrigerated",
                date_kind="best_before",
                date_value=day + timedelta(days=2),
                quantity_kg=Decimal(200),
            )
        ],
    )
    return f"acc-{offer_accept(scope=SYSTEM, offer=offer, taker=tiny_network.hub_roussillon).pk}"


def _replan(plan: RoutePlan, now: datetime) -> RoutePlan:
    result = replan_job({"plan_id": plan.pk, "time_limit_s": 1, "now": now.isoformat()}, quiet)
    return RoutePlan.objects.get(pk=result["plan_id"])


def _pick_up(stop: RouteStop) -> None:
    cold = next(str(i["item_id"]) for i in stop.items if i["storage_class"] == "refrigerated")
    stop_update_apply(
        stop=stop,
        key=str(uuid.uuid4()),
        action="picked_up",
        temperatures_c={cold: Decimal(3)},
    )


def test_re_planning_keeps_the_done_stops_and_adds_the_urgent_pickup(tiny_network, plan_day, plan):
    pickup = RouteStop.objects.get(route__plan=plan, kind="pickup")
    _pick_up(pickup)
    urgent = _urgent_pickup(tiny_network, plan_day.date)

    new = _replan(plan, _at(plan_day.date, 10, 30))

    assert (
        validate_routing(problem_from_dict(new.problem_json), plan_from_dict(new.plan_json)) == []
    )
    route = new.routes.get()
    stops = list(route.stops.order_by("sequence"))
    # The done pickup is copied first, as it was (status, weights), the urgent one added.
    done = [s for s in stops if s.ref_id == pickup.ref_id]
    assert len(done) == 1 and done[0].status == "done"
    assert done[0].sequence == pickup.sequence
    assert [s.kind for s in stops[: pickup.sequence]] == [
        s.kind for s in RouteStop.objects.filter(route__plan=plan).order_by("sequence")
    ][: pickup.sequence]
    assert urgent in {s.ref_id for s in stops}
    assert all(s.status == "planned" for s in stops if s.ref_id == urgent)
    assert new.difference["added"] == [urgent] and new.difference["previous_id"] == plan.pk
    # The new work was planned from 10:30, not before.
    arrival = next(s.planned_arrival for s in stops if s.ref_id == urgent)
    assert timezone.localtime(arrival) >= _at(plan_day.date, 10, 30)
    # The whole day is kept for the next re-planning; the kilograms count it all.
    assert new.full_json["problem"]["vehicle_starts"] == []
    assert new.collected_g >= plan.collected_g + 200_000


def test_a_re_planned_day_can_be_re_planned_again(tiny_network, plan_day, plan):
    pickup = RouteStop.objects.get(route__plan=plan, kind="pickup")
    _pick_up(pickup)
    urgent = _urgent_pickup(tiny_network, plan_day.date)
    second = _replan(plan, _at(plan_day.date, 10, 30))
    third = _replan(second, _at(plan_day.date, 11, 0))
    assert (
        validate_routing(problem_from_dict(third.problem_json), plan_from_dict(third.plan_json))
        == []
    )
    refs = [s.ref_id for s in third.routes.get().stops.order_by("sequence")]
    assert pickup.ref_id in refs and urgent in refs
    assert third.difference["added"] == [] and third.difference["removed"] == []


def test_only_the_latest_plan_of_a_day_to_come_is_re_planned(tiny_network, plan_day, plan):
    newer = _replan(plan, _at(plan_day.date, 9))
    with pytest.raises(JobFailed):
        _replan(plan, _at(plan_day.date, 9))
    with pytest.raises(JobFailed):
        _replan(newer, _at(plan_day.date + timedelta(days=1), 9))
    assert RoutePlan.objects.count() == 2


def test_a_coordinator_re_plans_from_the_plan_page_and_the_api(
    tiny_network, plan_day, plan, django_capture_on_commit_callbacks, settings
):
    settings.LOGISTICS_PLAN_TIME_LIMIT_S = 1
    client = tiny_network.client("coord_r")
    page = client.get(f"/tournees/plans/{plan.pk}/", headers={"accept-language": "en"})
    assert "Re-plan from now" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/tournees/plans/{plan.pk}/replanifier/")
    assert response.status_code == 302
    newer = RoutePlan.objects.latest("pk")
    assert newer.pk != plan.pk and newer.difference["previous_id"] == plan.pk
    # The older plan is no longer the one to re-plan; another hub's coordinator cannot.
    refused = client.post(f"/api/logistics/plans/{plan.pk}/replan")
    assert refused.status_code == 400
    other = tiny_network.client("coord_h").post(f"/api/logistics/plans/{newer.pk}/replan")
    assert other.status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        ok = client.post(f"/api/logistics/plans/{newer.pk}/replan")
    assert ok.status_code == 201 and RoutePlan.objects.count() == 3
