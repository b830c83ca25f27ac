"""Reads of the pooling mode (Choice System): categories, share accounts, rounds, sealed bids.

Bids are sealed: while a round is open a scope sees only the bids its own hubs take part in;
after closing, everyone who may see the round sees every bid.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from bonnebouffe.accounts.selectors import Scope
from bonnebouffe.network.models import Organisation, OrganisationKind

from .models import (
    AgencyNeed,
    AllocationPolicy,
    Bid,
    BiddingRound,
    PooledLot,
    PoolingCategory,
    RoundStatus,
    ShareAccount,
)
from .selectors import policy_get


def pooled_categories(network_id: int) -> set[str]:
    """Inventory categories the network shares by bidding rounds (empty: none)."""
    return set(
        PoolingCategory.objects.filter(policy__network_id=network_id).values_list(
            "category", flat=True
        )
    )


def need_factor(policy: AllocationPolicy, quintile: int | None) -> float:
    """Deprivation adjustment of need, the same rule as allocation runs (policy setting)."""
    if policy.use_deprivation and quintile == 5:
        return float(policy.deprivation_q5)
    if policy.use_deprivation and quintile == 4:
        return float(policy.deprivation_q4)
    return 1.0


def hub_need_weights(*, network_id: int, period: str) -> dict[int, float]:
    """Need weight of each hub for a week: its agencies' declared people served, adjusted by
    deprivation like allocation runs. Hubs whose agencies declared nothing are left out."""
    policy = policy_get(network_id)
    out: dict[int, float] = defaultdict(float)
    needs = AgencyNeed.objects.filter(
        period=period,
        agency__network_id=network_id,
        agency__is_active=True,
        agency__hub__kind=OrganisationKind.HUB,
        agency__hub__is_active=True,
    ).select_related("agency", "agency__municipality")
    for need in needs:
        quintile = need.agency.municipality.material_quintile if need.agency.municipality else None
        out[need.agency.hub_id] += need.people_served * need_factor(policy, quintile)  # type: ignore[index]
    return {k: v for k, v in out.items() if v > 0}


def share_accounts(*, network_id: int, period: str) -> QuerySet[ShareAccount]:
    return ShareAccount.objects.filter(network_id=network_id, period=period).select_related("hub")


def latest_balances(*, network_id: int, before: str) -> dict[int, int]:
    """Each hub's balance in its latest account before the week `before` (carried over)."""
    out: dict[int, int] = {}
    for acc in ShareAccount.objects.filter(network_id=network_id, period__lt=before).order_by(
        "period"
    ):
        out[acc.hub_id] = acc.balance
    return out


def can_manage_rounds(scope: Scope, network_id: int | None = None) -> bool:
    if scope.is_superuser:
        return True
    if network_id is None:
        return bool(scope.admin_network_ids)
    return network_id in scope.admin_network_ids


def bidding_hubs(scope: Scope) -> QuerySet[Organisation]:
    """Hubs a scope bids for: the hubs it coordinates."""
    return Organisation.objects.filter(
        kind=OrganisationKind.HUB, is_active=True, pk__in=scope.coordinator_hub_ids
    ).order_by("name")


def round_list(*, scope: Scope) -> QuerySet[BiddingRound]:
    qs = BiddingRound.objects.select_related("network")
    if scope.is_superuser:
        return qs
    return qs.filter(network_id__in=scope.network_ids)


def round_get(*, scope: Scope, pk: int) -> BiddingRound | None:
    if not (scope.is_admin or scope.coordinator_hub_ids):
        return None
    return round_list(scope=scope).filter(pk=pk).first()


def round_bids_visible(*, scope: Scope, round: BiddingRound) -> QuerySet[Bid]:
    """The bids a scope may see: all after closing; while open only its own hubs' (sealed)."""
    qs = (
        round.bids.select_related("hub", "pooled_lot", "pooled_lot__lot")
        .prefetch_related("partners")
        .order_by("pooled_lot_id", "-shares", "created_at")
    )
    if round.status == RoundStatus.CLOSED:
        return qs
    own = scope.coordinator_hub_ids
    return qs.filter(Q(hub_id__in=own) | Q(partners__in=own)).distinct()


def round_lots(*, round: BiddingRound) -> list[PooledLot]:
    """The round's lots with `bid_count` (how many sealed bids, never whose)."""
    return list(
        round.lots.select_related("lot", "site", "site__organisation")
        .annotate(bid_count=Count("bids"))
        .order_by("pk")
    )


def pool_candidates(*, network_id: int) -> list[tuple[Any, int]]:
    """Stock of the pooled categories at the network's hubs, with its free grams."""
    from django.utils import timezone

    from .selectors import supply_balances

    cats = pooled_categories(network_id)
    if not cats:
        return []
    hub_ids = list(
        Organisation.objects.filter(
            network_id=network_id, kind=OrganisationKind.HUB, is_active=True
        ).values_list("pk", flat=True)
    )
    offered: dict[tuple[int, int, int | None], int] = defaultdict(int)
    for row in (
        PooledLot.objects.filter(round__status=RoundStatus.OPEN, round__network_id=network_id)
        .values("lot_id", "site_id", "location_id")
        .annotate(q=Sum("quantity_g"))
    ):
        offered[(row["lot_id"], row["site_id"], row["location_id"])] += int(row["q"] or 0)
    out = []
    for b, g in supply_balances(hub_ids=hub_ids, on=timezone.localdate()):
        free = g - offered.get((b.lot_id, b.site_id, b.location_id), 0)
        if b.lot.category in cats and free > 0:
            out.append((b, free))
    return out[:200]
