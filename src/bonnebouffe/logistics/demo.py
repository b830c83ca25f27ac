"""Demo fleet: vehicles, drivers (role labels, never names) and shifts (today the first
vehicle of each hub, tomorrow all of them), accepted pickups at donors and delivery requests
on both days so that tomorrow's routes can be planned at once, and today's routes of the
hubs with a demo driver account already planned, so that this account (linked to its hub's
"Chauffeur 1") has a route on its phone."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from bonnebouffe.accounts.models import Role
from bonnebouffe.accounts.selectors import users_with_role
from bonnebouffe.network.models import Organisation, OrganisationKind, Site
from bonnebouffe.rescue.models import (
    Acceptance,
    AcceptanceLine,
    CascadeStage,
    Handover,
    Offer,
    OfferItem,
    OfferStatus,
)

from .models import DeliveryRequest, Driver, RoutePlan, Shift, Vehicle

# (name, payload kg, refrigerated kg, frozen kg, $/km, $/h, SAAQ licence class)
VEHICLES = [
    ("Camion réfrigéré", 3000, 1200, 400, "0.85", "32", "3"),
    ("Fourgonnette", 900, 300, 0, "0.45", "25", "5"),
]
# (product, category, storage class, kg, days to the best-before date)
PICKUP_PRODUCTS = [
    ("Carottes", "vegetables_fruits", "ambient", 60, 21),
    ("Pommes Cortland", "vegetables_fruits", "ambient", 80, 30),
    ("Laitue romaine", "vegetables_fruits", "refrigerated", 25, 5),
    ("Yogourt nature", "dairy", "refrigerated", 30, 10),
    ("Pain de blé entier", "whole_grains", "ambient", 20, 3),
    ("Poulet entier congelé", "protein", "frozen", 35, 120),
]
DONOR_KINDS = [
    OrganisationKind.FARM,
    OrganisationKind.GROCERY,
    OrganisationKind.RESTAURANT,
    OrganisationKind.LOCAL_SHOP,
]
PICKUPS_PER_DAY = 3
DEMO_NOTE = "Demande de démonstration"
DEMO_OFFER_NOTE = "Ramassage de démonstration"
TODAY_PLAN_TIME_LIMIT_S = 2.0


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _pickup_create(
    *, rng: random.Random, hub: Organisation, donor: Organisation, day: date, taker: Organisation
) -> int:
    """An offer of ``donor`` accepted by ``taker`` (the hub, or one of its agencies: a
    direct shipment), to pick up on ``day`` between 9 and 15 h. Demo data is written
    straight to the tables, as the historical offers of demo/stock.py."""
    site = donor.sites.order_by("-is_primary", "pk").first()
    if site is None:
        return 0
    offer = Offer.objects.create(
        donor=donor,
        handover=Handover.PICKUP,
        pickup_site=site,
        window_start=_at(day, 9),
        window_end=_at(day, 15),
        home_hub=hub,
        status=OfferStatus.TAKEN,
        stage=CascadeStage.DONE,
        notes=DEMO_OFFER_NOTE,
    )
    acceptance = Acceptance.objects.create(offer=offer, taker=taker)
    # An agency takes what it can hand out within days (worth a detour).
    products = PICKUP_PRODUCTS if taker == hub else [p for p in PICKUP_PRODUCTS if p[4] <= 10]
    for name, category, cls, kg, life in rng.sample(products, k=rng.choice([1, 2])):
        grams = int(kg * 1000 * rng.uniform(0.7, 1.3))
        item = OfferItem.objects.create(
            offer=offer,
            product_name=name,
            category=category,
            quantity_g=grams,
            storage_class=cls,
            date_kind="best_before",
            date_value=day + timedelta(days=life),
            accepted_g=grams,
        )
        AcceptanceLine.objects.create(acceptance=acceptance, item=item, quantity_g=grams)
    return 1


@transaction.atomic
def demo_logistics_generate(*, rng: random.Random, plan_today: bool = True) -> dict[str, int]:
    """Create the demo fleet and the work of today and tomorrow for every hub (idempotent:
    nothing is added for a hub, vehicle or day that already has it). With ``plan_today``,
    today's routes of the hubs with a demo driver account are planned (seconds of solver)."""
    today = timezone.localdate()
    days = [today, today + timedelta(days=1)]
    counts = {
        "vehicles": 0,
        "drivers": 0,
        "shifts": 0,
        "delivery_requests": 0,
        "pickups": 0,
        "plans": 0,
    }
    hubs = list(
        Organisation.objects.filter(kind=OrganisationKind.HUB, is_active=True).order_by("pk")
    )
    hubs_with_accounts: list[Organisation] = []
    for hub in hubs:
        accounts = list(users_with_role(organisation_ids=[hub.pk], role=Role.DRIVER))
        if accounts:
            hubs_with_accounts.append(hub)
        for n, (name, cap, cold, frozen, per_km, per_h, licence) in enumerate(VEHICLES, start=1):
            vehicle, created = Vehicle.objects.get_or_create(
                hub=hub,
                name=name,
                defaults={
                    "capacity_kg": cap,
                    "refrigerated_kg": cold,
                    "frozen_kg": frozen,
                    "cost_per_km": Decimal(per_km),
                    "cost_per_hour": Decimal(per_h),
                    "max_length_m": Decimal("7.5") if n == 1 else Decimal("5.5"),
                    "licence_class": licence,
                },
            )
            counts["vehicles"] += int(created)
            driver, created = Driver.objects.get_or_create(
                hub=hub,
                display_name=f"Chauffeur {n}",
                defaults={
                    "kind": "employee" if n == 1 else "volunteer",
                    "licence_class": licence,
                },
            )
            counts["drivers"] += int(created)
            if n == 1 and accounts and driver.user_id is None:
                # The hub's demo driver account signs in as its first driver.
                driver.user = accounts[0]
                driver.save(update_fields=["user"])
            start = time(8) if n == 1 else time(9)
            # Today only the first vehicle is out (so today's plan is the first driver's
            # route, on the demo driver's phone); tomorrow the whole fleet.
            for day in days if n == 1 else days[1:]:
                _shift, created = Shift.objects.get_or_create(
                    vehicle=vehicle,
                    date=day,
                    defaults={"driver": driver, "start": start, "end": time(16)},
                )
                counts["shifts"] += int(created)
        agency_sites = list(
            Site.objects.filter(organisation__hub=hub, organisation__is_active=True)
            .exclude(organisation__kind__in=DONOR_KINDS)
            .order_by("pk")
        )
        donor_q = Organisation.objects.filter(kind__in=DONOR_KINDS, is_active=True).order_by("pk")
        # The hub's own donors, or the network's when none is attached to a hub.
        donors = list(donor_q.filter(hub=hub)) or list(
            donor_q.filter(network_id=hub.network_id, hub__isnull=True)
        )
        for day in days:
            rng.shuffle(agency_sites)
            if DeliveryRequest.objects.filter(hub=hub, date=day, notes=DEMO_NOTE).exists():
                agency_sites_today: list[Site] = []
            else:
                agency_sites_today = agency_sites[:3]
            for site in agency_sites_today:
                DeliveryRequest.objects.create(
                    hub=hub,
                    site=site,
                    date=day,
                    ambient_kg=Decimal(rng.randrange(40, 200, 10)),
                    refrigerated_kg=Decimal(rng.randrange(0, 60, 10)),
                    window_start=time(10),
                    window_end=time(15),
                    notes=DEMO_NOTE,
                )
                counts["delivery_requests"] += 1
            already = Acceptance.objects.filter(
                offer__home_hub=hub, offer__notes=DEMO_OFFER_NOTE, offer__window_start__date=day
            ).exists()
            if donors and not already:
                chosen = rng.sample(donors, k=min(PICKUPS_PER_DAY, len(donors)))
                for n, donor in enumerate(chosen):
                    # The last one was taken by an agency: the truck brings it straight there.
                    taker = (
                        agency_sites[0].organisation
                        if n == len(chosen) - 1 and n > 0 and agency_sites
                        else hub
                    )
                    counts["pickups"] += _pickup_create(
                        rng=rng, hub=hub, donor=donor, day=day, taker=taker
                    )
    if plan_today:
        # Today's routes of the hubs whose first driver is a demo account.
        for hub in hubs_with_accounts:
            if not RoutePlan.objects.filter(hub=hub, date=today).exists():
                counts["plans"] += _plan(hub=hub, day=today)
    return counts


def _plan(*, hub: Organisation, day: date) -> int:
    """Plan the hub's day right away (the demo's own call of the planning job's runner)."""
    from bonnebouffe.jobs.services import JobFailed

    from .tasks import plan_job

    def no_progress(percent: int, message: str = "") -> None:
        pass

    try:
        plan_job(
            {
                "date": day.isoformat(),
                "network_id": hub.network_id,
                "hub_id": hub.pk,
                "time_limit_s": TODAY_PLAN_TIME_LIMIT_S,
            },
            no_progress,
        )
    except JobFailed:
        return 0
    return 1
