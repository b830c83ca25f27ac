"""Demo data for fair allocation: needs of every agency, last week's published run of one hub
(one line refused by its agency), portioned boxes assembled at a hub, and this week's draft
run of the whole network.

Called by the demo generator once hubs hold stock; uses the app's own services.
"""

from __future__ import annotations

import contextlib
import random

from django.db.models import Sum
from django.utils import timezone

from bonnebouffe.accounts.selectors import Scope
from bonnebouffe.inventory.models import Balance, StorageClass
from bonnebouffe.network.models import Network, Organisation, OrganisationKind, Site

from .boxes import box_assemble
from .errors import AllocationFailed
from .models import (
    AgencyNeed,
    AllocationRun,
    BiddingRound,
    BoxAssembly,
    BoxComposition,
    BoxCompositionLine,
    RunStatus,
)
from .selectors import period_of, period_shift, policy_get, site_capacity_kg
from .services import line_confirm, line_refuse, run_execute, run_publish

DEMO_SCOPE = Scope(user_id=None, is_superuser=True)
# Grams per box of "Panier famille 4 personnes" (about a week of fresh and dry staples).
FAMILY_BOX = {"vegetables_fruits": 4_000, "dry_goods": 2_000, "protein": 1_000, "bakery": 800}

# Agencies that serve prepared meals need a fridge; collective kitchens take everything.
NO_PREPARED = {OrganisationKind.SCHOOL, OrganisationKind.DAYCARE, OrganisationKind.DEPANNEUR}


def _declare_needs(rng: random.Random, agencies: list[Organisation], periods: list[str]) -> None:
    for agency in agencies:
        site = site_capacity_kg(agency.pk)
        people = rng.randint(40, 400)
        frozen = rng.random() < 0.7
        days = sorted(rng.sample(range(5), k=rng.randint(2, 4)))
        for period in periods:
            AgencyNeed.objects.update_or_create(
                agency=agency,
                period=period,
                defaults={
                    "people_served": people,
                    "capacity_ambient_kg": max(site["ambient"], 100 + people // 2),
                    "capacity_refrigerated_kg": max(site["refrigerated"], people // 4),
                    "capacity_frozen_kg": max(site["frozen"], people // 8) if frozen else 0,
                    "ineligible_categories": ["prepared"] if agency.kind in NO_PREPARED else [],
                    "delivery_weekdays": days,
                },
            )


def _solve(network: Network, period: str, hub: Organisation | None = None) -> AllocationRun:
    run = AllocationRun.objects.create(
        network=network, period=period, hub=hub, delta=float(policy_get(network.pk).delta)
    )
    with contextlib.suppress(AllocationFailed):  # the run is then stored failed, with why
        run_execute(run_id=run.pk)
    run.refresh_from_db()
    return run


def _last_week(network: Network, period: str, hub: Organisation) -> AllocationRun | None:
    """One hub's run of last week, published; agencies confirmed every line but one."""
    run = _solve(network, period_shift(period, -1), hub)
    if run.status != RunStatus.DRAFT:
        return None
    run_publish(scope=DEMO_SCOPE, run_id=run.pk)
    lines = list(run.lines.filter(quantity_g__gt=0).order_by("pk"))
    for i, line in enumerate(lines):
        if i == len(lines) // 2:
            line_refuse(
                scope=DEMO_SCOPE,
                line_id=line.pk,
                reason="Pas de place au réfrigérateur cette semaine.",
            )
        else:
            line_confirm(scope=DEMO_SCOPE, line_id=line.pk)
    return run


def _family_boxes(rng: random.Random, network: Network) -> BoxAssembly | None:
    """The "Panier famille 4 personnes" and a batch assembled at the best-stocked hub site."""
    box, created = BoxComposition.objects.get_or_create(
        network=network,
        name="Panier famille 4 personnes",
        defaults={
            "description": "Légumes et fruits, denrées sèches, protéines et pain pour une "
            "famille de quatre, une semaine.",
            "storage_class": StorageClass.REFRIGERATED,
        },
    )
    if created:
        BoxCompositionLine.objects.bulk_create(
            BoxCompositionLine(composition=box, category=c, quantity_g=g)
            for c, g in FAMILY_BOX.items()
        )
    stocked = (
        Balance.objects.filter(
            site__organisation__network=network,
            site__organisation__kind=OrganisationKind.HUB,
            quantity_g__gt=0,
        )
        .values("site_id")
        .annotate(g=Sum("quantity_g"))
        .order_by("-g", "site_id")
    )
    count = rng.randint(15, 25)
    for row in stocked[:5]:
        site = Site.objects.select_related("organisation").get(pk=row["site_id"])
        n = count
        while n >= 1:
            try:
                return box_assemble(composition=box, site=site, count=n, actor=None)
            except AllocationFailed:
                n //= 2  # not enough of one category for that many: fewer boxes
    return None


def demo_allocation_generate(*, rng: random.Random) -> list[AllocationRun]:
    """Declare needs for last week and this week for every agency of each network; publish last
    week's run of one hub (one line refused); assemble family boxes; solve this week's network
    run.

    Room defaults to the agency's sites' storage, with a floor so that every agency can receive
    something. Returns this week's runs (draft, ready for a committee to review and publish).
    """
    period = period_of(timezone.localdate())
    runs = []
    for network in Network.objects.all():
        agencies = list(
            Organisation.objects.filter(network=network, hub__isnull=False, is_active=True)
            .exclude(
                kind__in=[OrganisationKind.HUB, OrganisationKind.FARM, OrganisationKind.FOOD_BANK]
            )
            .order_by("pk")
        )
        if not agencies:
            continue
        # Prepared meals are pooled (bid for between hubs), so the runs below leave them out.
        from .pooling_services import pooling_categories_set

        pooling_categories_set(scope=DEMO_SCOPE, network_id=network.pk, categories=["prepared"])
        _declare_needs(rng, agencies, [period_shift(period, -1), period])
        hub = agencies[0].hub
        if hub is not None:
            _last_week(network, period, hub)
        _family_boxes(rng, network)
        runs.append(_solve(network, period))
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
