"""Demo data for fair allocation: needs of every agency this week and one network run.

Called by the demo generator once hubs hold stock; uses the app's own services.
"""

from __future__ import annotations

import random
from typing import Any

from django.utils import timezone

from bonnebouffe.network.models import Network, Organisation, OrganisationKind

from .models import AgencyNeed, AllocationRun, BiddingRound
from .selectors import period_of, policy_get, site_capacity_kg
from .services import run_execute

# Agencies that serve prepared meals need a fridge; collective kitchens take everything.
NO_PREPARED = {OrganisationKind.SCHOOL, OrganisationKind.DAYCARE, OrganisationKind.DEPANNEUR}


def demo_allocation_generate(*, rng: random.Random) -> list[AllocationRun]:
    """Declare this week's needs for every agency of each network and solve one network run.

    Room defaults to the agency's sites' storage, with a floor so that every agency can receive
    something. Returns the runs (draft, ready for a committee to review and publish).
    """
    period = period_of(timezone.localdate())
    runs = []
    for network in Network.objects.all():
        agencies = Organisation.objects.filter(
            network=network, hub__isnull=False, is_active=True
        ).exclude(
            kind__in=[OrganisationKind.HUB, OrganisationKind.FARM, OrganisationKind.FOOD_BANK]
        )
        if not agencies.exists():
            continue
        for agency in agencies:
            site = site_capacity_kg(agency.pk)
            people = rng.randint(40, 400)
            AgencyNeed.objects.update_or_create(
                agency=agency,
                period=period,
                defaults={
                    "people_served": people,
                    "capacity_ambient_kg": max(site["ambient"], 100 + people // 2),
                    "capacity_refrigerated_kg": max(site["refrigerated"], people // 4),
                    "capacity_frozen_kg": max(site["frozen"], people // 8)
                    if rng.random() < 0.7
                    else 0,
                    "ineligible_categories": ["prepared"] if agency.kind in NO_PREPARED else [],
                    "delivery_weekdays": sorted(rng.sample(range(5), k=rng.randint(2, 4))),
                },
            )
        run = AllocationRun.objects.create(
            network=network, period=period, delta=float(policy_get(network.pk).delta)
        )
        result: dict[str, Any] = run_execute(run_id=run.pk)
        run.refresh_from_db()
        runs.append(run)
        del result
        demo_pooling_generate(network=network, period=period)
    return runs


def demo_pooling_generate(*, network: Network, period: str) -> BiddingRound | None:
    """Pool prepared meals (conditioned surplus) and open one round on two of their lots.

    Lots already in a draft run are skipped so that publishing that run stays possible. Uses no
    random numbers: the rest of the demo is unchanged.
    """
    from bonnebouffe.accounts.selectors import Scope

    from .models import AllocationLine
    from .pooling_selectors import pool_candidates
    from .pooling_services import pooling_categories_set, round_open

    system = Scope(user_id=None, is_superuser=True)
    pooling_categories_set(scope=system, network_id=network.pk, categories=["prepared"])
    in_runs = set(AllocationLine.objects.values_list("lot_id", flat=True))
    offers = [
        (b.pk, grams)
        for b, grams in pool_candidates(network_id=network.pk)
        if b.lot_id not in in_runs
    ][:2]
    if len(offers) < 2:
        return None
    return round_open(scope=system, network_id=network.pk, period=period, offers=offers)
