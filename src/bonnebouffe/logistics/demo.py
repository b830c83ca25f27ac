"""Demo fleet: vehicles, drivers (role labels, never names) and tomorrow's shifts for every
hub, plus a few delivery requests so that tomorrow's routes can be planned at once."""

from __future__ import annotations

import random
from datetime import time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from bonnebouffe.network.models import Organisation, OrganisationKind, Site

from .models import DeliveryRequest, Driver, Shift, Vehicle

# (name, payload kg, refrigerated kg, frozen kg, $/km, $/h)
VEHICLES = [
    ("Camion réfrigéré", 3000, 1200, 400, "0.85", "32"),
    ("Fourgonnette", 900, 300, 0, "0.45", "25"),
]


@transaction.atomic
def demo_logistics_generate(*, rng: random.Random) -> dict[str, int]:
    """Create the demo fleet for every hub (idempotent per hub and vehicle name)."""
    tomorrow = timezone.localdate() + timedelta(days=1)
    counts = {"vehicles": 0, "drivers": 0, "shifts": 0, "delivery_requests": 0}
    hubs = Organisation.objects.filter(kind=OrganisationKind.HUB, is_active=True).order_by("pk")
    for hub in hubs:
        for n, (name, cap, cold, frozen, per_km, per_h) in enumerate(VEHICLES, start=1):
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
                },
            )
            counts["vehicles"] += int(created)
            driver, created = Driver.objects.get_or_create(
                hub=hub,
                display_name=f"Chauffeur {n}",
                defaults={"kind": "employee" if n == 1 else "volunteer", "licence_class": "5"},
            )
            counts["drivers"] += int(created)
            start = time(8) if n == 1 else time(9)
            _shift, created = Shift.objects.get_or_create(
                vehicle=vehicle,
                date=tomorrow,
                defaults={"driver": driver, "start": start, "end": time(16)},
            )
            counts["shifts"] += int(created)
        agency_sites = list(
            Site.objects.filter(organisation__hub=hub, organisation__is_active=True).order_by("pk")
        )
        rng.shuffle(agency_sites)
        for site in agency_sites[:3]:
            if DeliveryRequest.objects.filter(hub=hub, site=site, date=tomorrow).exists():
                continue
            DeliveryRequest.objects.create(
                hub=hub,
                site=site,
                date=tomorrow,
                ambient_kg=Decimal(rng.randrange(40, 200, 10)),
                refrigerated_kg=Decimal(rng.randrange(0, 60, 10)),
                window_start=time(10),
                window_end=time(15),
                notes="Demande de démonstration",
            )
            counts["delivery_requests"] += 1
    return counts
