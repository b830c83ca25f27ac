"""Direct shipments: food an agency accepted at a donor's door rides the hub's truck from
the donor straight to the agency, and is received into the agency's stock on delivery."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from bonnebouffe.accounts.selectors import scope_for
from bonnebouffe.inventory.models import Movement
from bonnebouffe.logistics.models import RoutePlan, RouteStop
from bonnebouffe.logistics.services import stop_update_apply
from bonnebouffe.planning.routing import validate_routing
from bonnebouffe.planning.routing.jsonio import plan_from_dict, problem_from_dict
from bonnebouffe.rescue.models import CascadeStage, Handover, Offer
from bonnebouffe.rescue.services import OfferItemSpec, offer_accept, offer_create

from .conftest import SYSTEM, hub_plan


@pytest.fixture
def shipment_ref(tiny_network, plan_day) -> str:  # type: ignore[no-untyped-def]
    return _shipment(tiny_network, plan_day, squash_kg=50)


def _shipment(tiny_network, plan_day, *, squash_kg: int) -> str:  # type: ignore[no-untyped-def]
    day = plan_day.date
    start = timezone.make_aware(datetime.combine(day, time(9)))
    offer = offer_create(
        scope=SYSTEM,
        donor=tiny_network.farm,
        handover=Handover.PICKUP,
        pickup_site=tiny_network.farm.sites.first(),
        window_start=start,
        window_end=start + timedelta(hours=4),
        items=[
            OfferItemSpec(
                product_name="Courges musquées",
                category="vegetables_fruits",
                storage_class="ambient",
                date_kind="best_before",
                date_value=day + timedelta(days=30),
                quantity_kg=Decimal(squash_kg),
            ),
            OfferItemSpec(
                product_name="Yogourt nature",
                category="dairy",
                storage_class="refrigerated",
                date_kind="best_before",
                date_value=day + timedelta(days=2),
                quantity_kg=Decimal(10),
            ),
        ],
    )
    # The hubs let it go: on the open board for agencies.
    Offer.objects.filter(pk=offer.pk).update(stage=CascadeStage.OPEN_BOARD)
    offer.refresh_from_db()
    acceptance = offer_accept(
        scope=scope_for(tiny_network.users["agency_a1"]),
        offer=offer,
        taker=tiny_network.agency_chateauguay,
    )
    return f"ship-{acceptance.pk}"


def _plan(tiny_network, plan_day) -> RoutePlan:  # type: ignore[no-untyped-def]
    return hub_plan(tiny_network, plan_day)


def test_an_agency_s_pickup_rides_the_truck_from_the_donor_to_the_agency(
    tiny_network, plan_day, shipment_ref
):
    plan = _plan(tiny_network, plan_day)
    assert [s["id"] for s in plan.problem_json["shipments"]] == [shipment_ref]
    assert (
        validate_routing(problem_from_dict(plan.problem_json), plan_from_dict(plan.plan_json)) == []
    )
    ends = list(
        RouteStop.objects.filter(route__plan=plan, ref_id=shipment_ref).order_by("sequence")
    )
    assert [s.kind for s in ends] == ["pickup", "delivery"]
    assert ends[0].route_id == ends[1].route_id
    assert ends[0].site.organisation == tiny_network.farm
    assert ends[1].site.organisation == tiny_network.agency_chateauguay
    # Counted as collected and delivered (plus the hub's own pickup and delivery).
    assert plan.collected_g == 320_000 + 60_000 and plan.delivered_g == 100_000 + 60_000


def test_a_shipment_is_received_into_the_agency_stock_when_delivered(
    tiny_network, plan_day, shipment_ref
):
    plan = _plan(tiny_network, plan_day)
    pickup, delivery = RouteStop.objects.filter(route__plan=plan, ref_id=shipment_ref).order_by(
        "sequence"
    )
    items = {i["storage_class"]: str(i["item_id"]) for i in pickup.items}
    stop_update_apply(
        stop=pickup,
        key=str(uuid.uuid4()),
        action="picked_up",
        weights_kg={items["ambient"]: Decimal("45")},
        temperatures_c={items["refrigerated"]: Decimal("3")},
    )
    assert not Movement.objects.exists()  # on the truck, in nobody's stock yet
    stop_update_apply(stop=delivery, key=str(uuid.uuid4()), action="delivered")
    receipts = Movement.objects.filter(kind="receipt").order_by("lot__product_name")
    assert [(m.lot.product_name, m.quantity_g) for m in receipts] == [
        ("Courges musquées", 45_000),
        ("Yogourt nature", 10_000),
    ]
    assert {m.to_site.organisation for m in receipts} == {tiny_network.agency_chateauguay}


def test_a_shipment_left_out_says_where_it_was_going_and_why(tiny_network, plan_day):
    ref = _shipment(tiny_network, plan_day, squash_kg=2000)  # the truck carries 1,500 kg
    plan = _plan(tiny_network, plan_day)
    assert [lo["ref_id"] for lo in plan.left_out] == [ref]
    html = (
        tiny_network.client("coord_r")
        .get(f"/tournees/plans/{plan.pk}/", headers={"accept-language": "en"})
        .content.decode()
    )
    assert "Direct shipment" in html
    assert "Ferme Saint-Rémi, straight to Comptoir Châteauguay" in html
    assert "too heavy for every vehicle" in html


def test_perishables_ride_at_most_the_set_time_from_the_donor_to_the_agency(
    tiny_network, plan_day, shipment_ref, settings
):
    settings.LOGISTICS_PERISHABLE_MAX_RIDE_MIN = 45
    plan = _plan(tiny_network, plan_day)
    (shipment,) = plan.problem_json["shipments"]
    assert shipment["max_ride_s"] == 45 * 60  # the yogurt is refrigerated
    problem, routing = problem_from_dict(plan.problem_json), plan_from_dict(plan.plan_json)
    assert validate_routing(problem, routing) == []  # the validator checks the ride itself
    (served,) = problem.shipments
    assert served.delivery_latest_s <= served.pickup_tw_early_s + served.pickup_service_s + 45 * 60
    assert RouteStop.objects.filter(route__plan=plan, ref_id=shipment_ref).count() == 2
