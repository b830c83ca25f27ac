"""A tiny day to plan: a Roussillon truck with a shift, an accepted pickup at the farm and a
delivery request to an agency."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from bonnebouffe.accounts.models import Role
from bonnebouffe.accounts.selectors import Scope
from bonnebouffe.accounts.services import membership_create, user_create
from bonnebouffe.logistics.models import DeliveryRequest, Driver, RoutePlan, Shift, Vehicle
from bonnebouffe.rescue.models import Acceptance, Handover
from bonnebouffe.rescue.services import OfferItemSpec, offer_accept, offer_create

SYSTEM = Scope(user_id=None, is_superuser=True)


def quiet(percent: int, message: str = "") -> None:
    """A job progress callback that reports nowhere."""


def hub_plan(tiny_network, plan_day) -> RoutePlan:  # type: ignore[no-untyped-def]
    """Plan the tiny day for the Roussillon hub (1 s of solver); the stored plan."""
    from bonnebouffe.logistics.tasks import plan_job

    result = plan_job(
        {
            "date": plan_day.date.isoformat(),
            "network_id": tiny_network.network.pk,
            "hub_id": tiny_network.hub_roussillon.pk,
            "time_limit_s": 1,
        },
        quiet,
    )
    return RoutePlan.objects.get(pk=result["plan_id"])


@dataclass
class Day:
    date: date
    vehicle: Vehicle
    driver: Driver
    shift: Shift
    acceptance: Acceptance
    request: DeliveryRequest


@pytest.fixture
def plan_day(tiny_network) -> Day:  # type: ignore[no-untyped-def]
    tn = tiny_network
    day = timezone.localdate() + timedelta(days=1)
    vehicle = Vehicle.objects.create(
        hub=tn.hub_roussillon,
        name="Camion 1",
        capacity_kg=1500,
        refrigerated_kg=400,
        frozen_kg=0,
        cost_per_km=Decimal("0.60"),
        cost_per_hour=Decimal("25"),
    )
    driver_user = user_create(username="driver_r", password="not-used-here-123")
    membership_create(user=driver_user, organisation_id=tn.hub_roussillon.pk, role=Role.DRIVER)
    tn.users["driver_r"] = driver_user
    driver = Driver.objects.create(
        hub=tn.hub_roussillon, user=driver_user, display_name="Chauffeur 1", kind="volunteer"
    )
    shift = Shift.objects.create(
        vehicle=vehicle, driver=driver, date=day, start=time(8), end=time(16)
    )
    start = timezone.make_aware(datetime.combine(day, time(9)))
    offer = offer_create(
        scope=SYSTEM,
        donor=tn.farm,
        handover=Handover.PICKUP,
        pickup_site=tn.farm.sites.first(),
        window_start=start,
        window_end=start + timedelta(hours=5),
        items=[
            OfferItemSpec(
                product_name="Laitue romaine",
                category="vegetables_fruits",
                storage_class="refrigerated",
                date_kind="best_before",
                date_value=day + timedelta(days=3),
                quantity_kg=Decimal(120),
            ),
            OfferItemSpec(
                product_name="Carottes",
                category="vegetables_fruits",
                storage_class="ambient",
                date_kind="best_before",
                date_value=day + timedelta(days=20),
                quantity_kg=Decimal(200),
            ),
        ],
    )
    acceptance = offer_accept(scope=SYSTEM, offer=offer, taker=tn.hub_roussillon)
    request = DeliveryRequest.objects.create(
        hub=tn.hub_roussillon,
        site=tn.agency_mercier.sites.first(),
        date=day,
        ambient_kg=Decimal(80),
        refrigerated_kg=Decimal(20),
        window_start=time(10),
        window_end=time(15),
    )
    return Day(day, vehicle, driver, shift, acceptance, request)
