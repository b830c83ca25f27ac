"""Writes of the pooling mode, after Feeding America's Choice System (Prendergast 2022).

Hubs are granted shares each week in proportion to need; pooled lots are offered in sealed
first-price rounds; closing a round runs the pure engine
(bonnebouffe.planning.allocation.pooling), debits the winners, redistributes the spent shares to
all hubs by need, and stores the awards as one published allocation run whose lines are
confirmed: they become deliveries for route planning exactly like published allocation lines
(`selectors.deliveries_for_planning`), and stock movements when delivered (`line_deliver`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bonnebouffe.accounts.selectors import Scope
from bonnebouffe.core.services import notification_send
from bonnebouffe.inventory.models import Balance, FoodCategory
from bonnebouffe.inventory.selectors import distributable_q
from bonnebouffe.network.models import Organisation, OrganisationKind
from bonnebouffe.planning.allocation import AllocationError
from bonnebouffe.planning.allocation import pooling as engine

from .errors import AllocationFailed
from .models import (
    AllocationLine,
    AllocationPolicy,
    AllocationRun,
    Bid,
    BiddingRound,
    BidStatus,
    LineStatus,
    PooledLot,
    PoolingCategory,
    RoundStatus,
    RunStatus,
    ShareAccount,
)
from .pooling_selectors import can_manage_rounds, hub_need_weights, latest_balances
from .selectors import period_bounds, reserved_g

DEFAULT_SHARES_PER_PERIOD = 1000


def _check_period(period: str) -> None:
    try:
        period_bounds(period)
    except ValueError:
        raise AllocationFailed(_("The week must look like 2026-W49.")) from None


def _require_admin(scope: Scope, network_id: int) -> None:
    if not can_manage_rounds(scope, network_id):
        raise PermissionDenied


@transaction.atomic
def pooling_categories_set(*, scope: Scope, network_id: int, categories: Iterable[str]) -> set[str]:
    """Choose the food categories shared by bidding rounds; the others go through runs."""
    _require_admin(scope, network_id)
    cats = set(categories)
    if cats - {c.value for c in FoodCategory}:
        raise AllocationFailed(_("Unknown food category."))
    policy, _created = AllocationPolicy.objects.get_or_create(
        network_id=network_id,
        defaults={"delta": getattr(settings, "ALLOCATION_DELTA", 0.10)},
    )
    policy.pooling_categories.exclude(category__in=cats).delete()
    for cat in sorted(cats):
        PoolingCategory.objects.get_or_create(policy=policy, category=cat)
    return cats


@transaction.atomic
def shares_grant(
    *,
    scope: Scope | None,
    network_id: int,
    period: str,
    shares_per_period: int = DEFAULT_SHARES_PER_PERIOD,
) -> list[ShareAccount]:
    """Grant a week's shares to the network's hubs in proportion to need, on top of the balance
    carried from their latest week. Once per week. `scope` None: the demo generator."""
    if scope is not None:
        _require_admin(scope, network_id)
    _check_period(period)
    if ShareAccount.objects.filter(network_id=network_id, period=period).exists():
        raise AllocationFailed(_("Shares were already granted for this week."))
    if shares_per_period < 1:
        raise AllocationFailed(_("Grant at least one share."))
    weights = hub_need_weights(network_id=network_id, period=period)
    if not weights:
        raise AllocationFailed(_("No agency has declared its need for this week."))
    carried = latest_balances(network_id=network_id, before=period)
    hubs = [engine.PoolHub(str(h), w) for h, w in sorted(weights.items())]
    issued = engine.issue_period_shares(
        hubs, {str(h): b for h, b in carried.items() if h in weights}, shares_per_period
    )
    accounts = [
        ShareAccount(
            network_id=network_id,
            hub_id=h,
            period=period,
            need_weight=weights.get(h, 0.0),
            granted=issued[str(h)] - carried.get(h, 0) if h in weights else 0,
            balance=issued[str(h)] if h in weights else carried[h],
        )
        for h in sorted(set(weights) | set(carried))
    ]
    return ShareAccount.objects.bulk_create(accounts)


def _free_g(balance: Balance, exclude_round_id: int | None = None) -> int:
    """Grams of a place not promised by published lines nor offered in an open round."""
    key = (balance.lot_id, balance.site_id, balance.location_id)
    offered = (
        PooledLot.objects.filter(
            round__status=RoundStatus.OPEN,
            lot_id=balance.lot_id,
            site_id=balance.site_id,
            location_id=balance.location_id,
        )
        .exclude(round_id=exclude_round_id)
        .aggregate(q=Sum("quantity_g"))["q"]
        or 0
    )
    return int(balance.quantity_g) - reserved_g([key]).get(key, 0) - int(offered)


@transaction.atomic
def round_open(
    *,
    scope: Scope,
    network_id: int,
    period: str,
    offers: Sequence[tuple[int, int]],
    closes_at: datetime | None = None,
    actor: Any = None,
) -> BiddingRound:
    """Open a sealed-bid round on (balance id, grams) offers of pooled categories.

    Grants the week's shares first if nobody holds any yet. Raises PermissionDenied,
    AllocationFailed.
    """
    from .pooling_selectors import pooled_categories

    _require_admin(scope, network_id)
    _check_period(period)
    if not offers:
        raise AllocationFailed(_("Offer at least one lot."))
    if not ShareAccount.objects.filter(network_id=network_id, period=period).exists():
        shares_grant(scope=scope, network_id=network_id, period=period)
    pooled = pooled_categories(network_id)
    now = timezone.now()
    closes = closes_at or now + timedelta(days=2)
    if closes <= now:
        raise AllocationFailed(_("The closing time must be in the future."))
    balances = {
        b.pk: b
        for b in Balance.objects.select_for_update()
        .filter(
            distributable_q("lot__", on=timezone.localdate()),
            pk__in=[o[0] for o in offers],
            site__organisation__network_id=network_id,
        )
        .select_related("lot")
        .order_by("pk")
    }
    rnd = BiddingRound.objects.create(
        network_id=network_id,
        period=period,
        opens_at=now,
        closes_at=closes,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    for balance_id, grams in offers:
        balance = balances.get(balance_id)
        if balance is None:
            raise AllocationFailed(_("This lot may not be offered to the pool."))
        if balance.lot.category not in pooled:
            raise AllocationFailed(
                _("Lot %(code)s: its food category is not shared by bidding in this network.")
                % {"code": balance.lot.code}
            )
        if grams < 1 or grams > _free_g(balance):
            raise AllocationFailed(
                _("Lot %(code)s: only %(kg)s kg are free.")
                % {"code": balance.lot.code, "kg": f"{max(_free_g(balance), 0) / 1000:.3f}"}
            )
        PooledLot.objects.create(
            round=rnd,
            lot_id=balance.lot_id,
            site_id=balance.site_id,
            location_id=balance.location_id,
            quantity_g=grams,
        )
    return rnd


def _fractions(hub_ids: Sequence[int]) -> tuple[tuple[str, float], ...]:
    # Partners of a joint bid share the lot and the price equally.
    n = len(hub_ids)
    return tuple((str(h), 1.0 / n) for h in hub_ids)


@transaction.atomic
def bid_place(
    *,
    scope: Scope,
    round_id: int,
    pooled_lot_id: int,
    hub_id: int,
    shares: int,
    partner_ids: Sequence[int] = (),
    actor: Any = None,
) -> Bid:
    """Place or change a hub's sealed bid. Every bidder must be able to pay its part of the
    price from its balance this week; a hub takes part in one bid per lot."""
    if hub_id not in scope.coordinator_hub_ids and not scope.is_superuser:
        raise PermissionDenied
    rnd = BiddingRound.objects.select_for_update().filter(pk=round_id).first()
    if rnd is None:
        raise PermissionDenied
    if rnd.status != RoundStatus.OPEN or timezone.now() >= rnd.closes_at:
        raise AllocationFailed(_("This round no longer takes bids."))
    lot = rnd.lots.filter(pk=pooled_lot_id).first()
    if lot is None:
        raise AllocationFailed(_("This lot is not offered in this round."))
    if isinstance(shares, bool) or not isinstance(shares, int) or shares < 0:
        raise AllocationFailed(_("A bid is a whole number of shares, zero or more."))
    partners = sorted(set(partner_ids) - {hub_id})
    members = [hub_id, *partners]
    hubs = Organisation.objects.filter(
        pk__in=members, kind=OrganisationKind.HUB, network_id=rnd.network_id
    )
    if hubs.count() != len(members):
        raise AllocationFailed(_("Partners must be hubs of this network."))
    accounts = {
        a.hub_id: a
        for a in ShareAccount.objects.select_for_update()
        .filter(period=rnd.period, hub_id__in=members)
        .order_by("pk")
    }
    names = dict(hubs.values_list("pk", "name"))
    for h in members:
        if h not in accounts or accounts[h].need_weight <= 0:
            raise AllocationFailed(
                _("%(hub)s holds no shares this week.") % {"hub": names.get(h, h)}
            )
    existing = Bid.objects.filter(pooled_lot=lot, hub_id=hub_id).first()
    taken = lot.bids.all() if existing is None else lot.bids.exclude(pk=existing.pk)
    for h in members:
        if taken.filter(hub_id=h).exists() or taken.filter(partners=h).exists():
            raise AllocationFailed(
                _("%(hub)s already takes part in a bid on this lot.") % {"hub": names[h]}
            )
    bid_engine = engine.Bid("new", str(lot.pk), shares, _fractions(members))
    for key, cost in bid_engine.cost_split().items():
        held = accounts[int(key)].balance
        if cost > held:
            raise AllocationFailed(
                _("%(hub)s would pay %(cost)s shares but holds %(balance)s.")
                % {"hub": names[int(key)], "cost": cost, "balance": held}
            )
    bid = existing or Bid(round=rnd, pooled_lot=lot, hub_id=hub_id)
    bid.shares = shares
    bid.placed_by = actor if getattr(actor, "is_authenticated", False) else None
    bid.save()
    bid.partners.set(partners)
    return bid


@transaction.atomic
def bid_withdraw(*, scope: Scope, bid_id: int) -> None:
    bid = Bid.objects.select_related("round").filter(pk=bid_id).first()
    if bid is None or (bid.hub_id not in scope.coordinator_hub_ids and not scope.is_superuser):
        raise PermissionDenied
    BiddingRound.objects.select_for_update().filter(pk=bid.round_id).first()
    if bid.round.status != RoundStatus.OPEN:
        raise AllocationFailed(_("This round no longer takes bids."))
    bid.delete()


@transaction.atomic
def round_close(*, scope: Scope, round_id: int, actor: Any = None) -> BiddingRound:
    """Close a round: first-price awards by the pure engine, winners debited, spent shares
    redistributed to all hubs by need, awards stored as a published run of confirmed lines.
    All or nothing."""
    rnd = BiddingRound.objects.select_for_update().filter(pk=round_id).first()
    if rnd is None:
        raise PermissionDenied
    _require_admin(scope, rnd.network_id)
    if rnd.status != RoundStatus.OPEN:
        raise AllocationFailed(_("This round is already closed."))
    accounts = {
        a.hub_id: a
        for a in ShareAccount.objects.select_for_update()
        .filter(network_id=rnd.network_id, period=rnd.period)
        .order_by("pk")
    }
    lots = list(rnd.lots.select_related("lot").order_by("pk"))
    balances = {
        (b.lot_id, b.site_id, b.location_id): b
        for b in Balance.objects.select_for_update()
        .filter(lot_id__in=sorted({p.lot_id for p in lots}))
        .order_by("pk")
    }
    today = timezone.localdate()
    usable = set(
        Balance.objects.filter(
            distributable_q("lot__", on=today), lot_id__in=[p.lot_id for p in lots]
        ).values_list("lot_id", flat=True)
    )
    # The stock may have moved since the round opened: a lot no longer there is not sold.
    offered, unavailable = [], []
    for p in lots:
        balance = balances.get((p.lot_id, p.site_id, p.location_id))
        if balance and p.lot_id in usable and _free_g(balance, rnd.pk) >= p.quantity_g:
            offered.append(p)
        else:
            unavailable.append(p.pk)
    bids = list(
        rnd.bids.filter(pooled_lot__in=offered)
        .prefetch_related("partners")
        .order_by("created_at", "pk")
    )
    pool_hubs = [
        engine.PoolHub(str(h), a.need_weight) for h, a in accounts.items() if a.need_weight > 0
    ]
    try:
        result = engine.run_round(
            pool_hubs,
            {str(h): a.balance for h, a in accounts.items() if a.need_weight > 0},
            [engine.PooledLot(str(p.pk), int(p.quantity_g)) for p in offered],
            [
                engine.Bid(
                    str(b.pk),
                    str(b.pooled_lot_id),
                    int(b.shares),
                    _fractions([b.hub_id, *sorted(x.pk for x in b.partners.all())]),
                )
                for b in bids
            ],
        )
    except AllocationError as exc:
        raise AllocationFailed(_("The round cannot be closed: %(e)s") % {"e": exc}) from None
    for hub_key, shares_left in result.balances.items():
        accounts[int(hub_key)].balance = shares_left
    ShareAccount.objects.bulk_update(list(accounts.values()), ["balance"])
    won = {int(a.bid_id) for a in result.awards}
    rejected = {int(r.bid_id) for r in result.rejections}
    all_bids = list(rnd.bids.all())
    for b in all_bids:
        b.status = (
            BidStatus.WON
            if b.pk in won
            else BidStatus.REJECTED
            if b.pk in rejected
            else BidStatus.LOST
        )
    Bid.objects.bulk_update(all_bids, ["status"])
    now = timezone.now()
    run = None
    if result.awards:
        run = AllocationRun.objects.create(
            network_id=rnd.network_id,
            period=rnd.period,
            delta=0.0,
            status=RunStatus.PUBLISHED,
            metrics={"pooling_round": rnd.pk},
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            published_at=now,
        )
        by_pk = {p.pk: p for p in offered}
        AllocationLine.objects.bulk_create(
            [
                AllocationLine(
                    run=run,
                    agency_id=int(part.hub_id),
                    lot_id=by_pk[int(award.lot_id)].lot_id,
                    site_id=by_pk[int(award.lot_id)].site_id,
                    location_id=by_pk[int(award.lot_id)].location_id,
                    quantity_g=part.quantity_g,
                    # The hub asked for it by bidding: no confirmation round-trip.
                    status=LineStatus.CONFIRMED,
                    answered_at=now,
                )
                for award in result.awards
                for part in award.parts
                if part.quantity_g > 0
            ]
        )
    rnd.status = RoundStatus.CLOSED
    rnd.closed_at = now
    rnd.run = run
    rnd.result = {
        "spent_shares": result.spent_shares,
        "redistribution": dict(result.redistribution),
        "rejections": [
            {"bid_id": int(r.bid_id), "code": str(r.code.value)} for r in result.rejections
        ],
        "unsold": [int(x) for x in result.unsold_lot_ids] + unavailable,
        "unavailable": unavailable,
    }
    rnd.save()
    winners = {int(part.hub_id) for award in result.awards for part in award.parts}
    if winners:
        transaction.on_commit(
            lambda: notification_send(
                message=_("A pooled lot was awarded to your hub (week %(period)s).")
                % {"period": rnd.period},
                url=reverse("allocation:pooling_round_detail", args=[rnd.pk]),
                organisation_ids=winners,
            )
        )
    return rnd
