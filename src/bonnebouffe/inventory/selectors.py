"""Reads of the ledger: on hand, FEFO pick lists, near-date alerts, reconciliation, traces."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bonnebouffe.accounts.selectors import Scope
from bonnebouffe.domain.food_safety import (
    DateKind,
    HoldReason,
    SafetyPolicy,
    StorageClass,
    date_hold,
)
from bonnebouffe.domain.valorisation import Destination as Dest
from bonnebouffe.domain.valorisation import Reconciliation
from bonnebouffe.network.models import Organisation, OrganisationKind
from bonnebouffe.network.selectors import organisation_scope_q

from .models import Balance, Lot, Movement, MovementKind, Transformation

INFLOW_KINDS = (MovementKind.RECEIPT, MovementKind.TRANSFORM_OUT, MovementKind.ADJUST_UP)
OUTFLOW_KINDS = (
    MovementKind.ISSUE,
    MovementKind.SALE,
    MovementKind.TRANSFORM_IN,
    MovementKind.ADJUST_DOWN,
    MovementKind.LOSS,
    MovementKind.DISPOSAL,
)
# Movements that pass food on (or turn it into new food): refused for a held lot.
DISTRIBUTION_KINDS = (
    MovementKind.ISSUE,
    MovementKind.SALE,
    MovementKind.TRANSFER,
    MovementKind.TRANSFORM_IN,
)


def safety_policy() -> SafetyPolicy:
    """The network's food-safety thresholds (settings.BONNEBOUFFE_SAFETY overrides defaults)."""
    overrides = getattr(settings, "BONNEBOUFFE_SAFETY", {}) or {}
    return SafetyPolicy(**overrides)


def today() -> date:
    return timezone.localdate()


def lot_hold_reasons(lot: Lot, *, on: date | None = None) -> list[HoldReason]:
    """Why a lot may not be distributed (empty list: it may)."""
    reasons = []
    held = date_hold(
        date_kind=DateKind(lot.date_kind),
        date_value=lot.date_value,
        storage_class=StorageClass(lot.storage_class),
        today=on or today(),
        policy=safety_policy(),
    )
    if held:
        reasons.append(held)
    if lot.under_review:
        reasons.append(HoldReason.TEMPERATURE_REVIEW)
    if lot.recalled:
        reasons.append(HoldReason.RECALL)
    return reasons


def distributable_q(prefix: str = "", *, on: date | None = None) -> Q:
    """SQL form of `lot_hold_reasons(...) == []`, for pick lists."""
    day = on or today()
    policy = safety_policy()
    p = prefix
    blocked = (
        Q(**{f"{p}under_review": True}) | Q(**{f"{p}recalled": True}) | Q(**{f"{p}refused": True})
    )
    blocked |= Q(**{f"{p}date_kind": DateKind.USE_BY, f"{p}date_value__lt": day})
    blocked |= Q(
        **{
            f"{p}date_kind": DateKind.BEST_BEFORE,
            f"{p}storage_class": StorageClass.AMBIENT,
            f"{p}date_value__lt": day
            - timedelta(days=policy.shelf_stable_max_days_past_best_before),
        }
    )
    return ~blocked


def lot_scope_q(scope: Scope, prefix: str = "") -> Q:
    """Lots a scope may see: an administrator's network, a coordinator's hub and MRCs, the
    hub an organisation belongs to (kitchen, grocery, agency, driver), a donor's own gifts."""
    p = prefix
    if scope.is_superuser:
        return Q()
    q = Q(pk__in=[])
    if scope.admin_network_ids:
        q |= Q(**{f"{p}hub__network_id__in": scope.admin_network_ids})
    if scope.coordinator_hub_ids:
        q |= Q(**{f"{p}hub__mrc_id__in": scope.coordinator_mrc_ids})
        q |= Q(**{f"{p}hub_id__in": scope.coordinator_hub_ids})
    if scope.own_org_ids:
        own_hubs = Organisation.objects.filter(pk__in=scope.own_org_ids).values("hub_id")
        q |= Q(**{f"{p}hub_id__in": own_hubs}) | Q(**{f"{p}hub_id__in": scope.own_org_ids})
        q |= Q(**{f"{p}donor_id__in": scope.own_org_ids})
    return q


HOLD_REASON_LABELS = {
    HoldReason.USE_BY_PASSED: _("Past its expiry date (date limite d'utilisation)"),
    HoldReason.BEST_BEFORE_TOO_OLD: _("Shelf-stable food more than a year past its best-before"),
    HoldReason.TEMPERATURE_REVIEW: _("Held for a temperature excursion review"),
    HoldReason.RECALL: _("Recalled"),
}


def site_operate_q(scope: Scope, prefix: str = "") -> Q:
    """Sites whose stock a scope may move out or count: the network (administrators), the
    hub and MRCs (coordinators), their own organisations (other staff). Narrower than
    `network.selectors.site_list`, which also shows every hub of the network."""
    p = prefix
    if scope.is_superuser:
        return Q()
    if not scope.sees_records:
        return Q(pk__in=[])
    q = Q(**{f"{p}organisation__network_id__in": scope.admin_network_ids})
    q |= Q(**{f"{p}organisation_id__in": scope.coordinator_hub_ids | scope.own_org_ids})
    q |= Q(
        **{
            f"{p}organisation__mrc_id__in": scope.coordinator_mrc_ids,
            f"{p}organisation__network_id__in": scope.network_ids,
        }
    )
    return q


def lot_list(*, scope: Scope, search: str = "") -> QuerySet[Lot]:
    qs = Lot.objects.filter(lot_scope_q(scope)).select_related("hub", "donor")
    if search:
        qs = qs.filter(Q(code__iexact=search) | Q(product_name__icontains=search))
    return qs


def lot_get(*, scope: Scope, code: str) -> Lot | None:
    return lot_list(scope=scope).filter(code=code).first()


def onhand_by_category(*, site_id: int) -> list[dict[str, Any]]:
    """On hand at a site per food category and storage class, in grams (one query)."""
    rows = (
        Balance.objects.filter(site_id=site_id, quantity_g__gt=0)
        .values("category", "storage_class")
        .annotate(quantity_g=Sum("quantity_g"))
        .order_by("category", "storage_class")
    )
    return [
        {
            "lot__category": r["category"],
            "lot__storage_class": r["storage_class"],
            "quantity_g": r["quantity_g"],
        }
        for r in rows
    ]


def balance_list(*, site_id: int) -> QuerySet[Balance]:
    return (
        Balance.objects.filter(site_id=site_id, quantity_g__gt=0)
        .select_related("lot", "location")
        .order_by("lot__date_value", "lot__created_at")
    )


@dataclass(frozen=True)
class Pick:
    lot_id: int
    code: str
    product_name: str
    location_id: int | None
    location: str
    date_value: date | None
    available_g: int
    take_g: int


def pick_list_fefo(
    *,
    site_id: int,
    category: str | None = None,
    product: str | None = None,
    quantity_g: int | None = None,
    on: date | None = None,
    limit: int = 200,
    where: Q | None = None,
) -> list[Pick]:
    """First-expired-first-out pick list: distributable lots at a site, soonest date first.

    With `quantity_g`, takes lots in that order until the quantity is covered. `where`
    narrows the balances further (e.g. the lots of one grocery product).
    """
    qs = (
        Balance.objects.filter(site_id=site_id, quantity_g__gt=0)
        .filter(where or Q())
        .filter(distributable_q("lot__", on=on))
        .select_related("lot", "location")
        .order_by(F("lot__date_value").asc(nulls_last=True), "lot__created_at", "lot_id", "pk")
    )
    if category:
        qs = qs.filter(lot__category=category)
    if product:
        qs = qs.filter(lot__product_name__icontains=product)
    picks: list[Pick] = []
    remaining = quantity_g
    chunk = 100
    offset = 0
    while len(picks) < limit and (remaining is None or remaining > 0):
        rows = list(qs[offset : offset + chunk])
        if not rows:
            break
        offset += chunk
        for b in rows:
            take = b.quantity_g if remaining is None else min(b.quantity_g, remaining)
            picks.append(
                Pick(
                    b.lot_id,
                    b.lot.code,
                    b.lot.product_name,
                    b.location_id,
                    b.location.name if b.location else "",
                    b.lot.date_value,
                    b.quantity_g,
                    take,
                )
            )
            if remaining is not None:
                remaining -= take
                if remaining <= 0:
                    break
            if len(picks) >= limit:
                break
    return picks


def lots_near_date(
    *, scope: Scope, days: int | None = None, on: date | None = None
) -> QuerySet[Lot]:
    """Lots on hand whose date is within `days` (policy default) — the near-date alert."""
    day = on or today()
    horizon = day + timedelta(days=days if days is not None else safety_policy().near_date_days)
    return (
        lot_list(scope=scope)
        .filter(balances__quantity_g__gt=0, date_value__isnull=False, date_value__lte=horizon)
        .filter(date_kind__in=(DateKind.BEST_BEFORE, DateKind.USE_BY))
        .distinct()
        .order_by("date_value")
    )


def _sum(qs: QuerySet[Movement]) -> int:
    return int(qs.aggregate(s=Sum("quantity_g"))["s"] or 0)


def reconcile(
    lots: QuerySet[Lot], *, start: datetime | None = None, end: datetime | None = None
) -> dict[str, Any]:
    """Check, to the gram: opening + received + produced = on hand + Σ destinations.

    The two sides come from different records, so that the identity can fail. What came in
    and where it went are the movements of [start, end): receipts and count surpluses,
    transformation outputs, and each outflow by its destination on the valorisation scale
    (an outflow without one is left out, so it shows in the gap). The stock on hand at the
    end is the Balance table (written by `services.movement_record` as the movements
    happen), less what the movements after `end` changed; the opening stock is the
    movements before `start`. A movement or a stock row changed outside the services, or an
    outflow without a destination, leaves a gap of exactly its grams.
    """
    moves = Movement.objects.filter(lot__in=lots)
    before = moves.filter(at__lt=start) if start else moves.none()
    window = moves
    if start:
        window = window.filter(at__gte=start)
    if end:
        window = window.filter(at__lt=end)
    opening = _sum(before.filter(kind__in=INFLOW_KINDS)) - _sum(
        before.filter(kind__in=OUTFLOW_KINDS)
    )
    received = _sum(window.filter(kind__in=(MovementKind.RECEIPT, MovementKind.ADJUST_UP)))
    produced = _sum(window.filter(kind=MovementKind.TRANSFORM_OUT))
    by_dest: dict[Dest, int] = defaultdict(int)
    undestined = 0
    for row in (
        window.filter(kind__in=OUTFLOW_KINDS).values("destination").annotate(q=Sum("quantity_g"))
    ):
        if row["destination"] in {d.value for d in Dest}:
            by_dest[Dest(row["destination"])] += int(row["q"])
        else:  # no place on the scale: not accounted for, so it shows in the gap
            undestined += int(row["q"])
    upto = moves.filter(at__lt=end) if end else moves
    from_movements = _sum(upto.filter(kind__in=INFLOW_KINDS)) - _sum(
        upto.filter(kind__in=OUTFLOW_KINDS)
    )
    after = moves.filter(at__gte=end) if end else moves.none()
    net_after = _sum(after.filter(kind__in=INFLOW_KINDS)) - _sum(
        after.filter(kind__in=OUTFLOW_KINDS)
    )
    on_hand_now = int(Balance.objects.filter(lot__in=lots).aggregate(s=Sum("quantity_g"))["s"] or 0)
    closing = on_hand_now - net_after
    rec = Reconciliation(
        received_g=opening + received,
        produced_g=produced,
        on_hand_g=closing,
        by_destination_g=dict(by_dest),
    )
    return {
        "opening_g": opening,
        "received_g": received,
        "produced_g": produced,
        "closing_g": closing,  # from the Balance table
        "closing_from_movements_g": from_movements,
        "undestined_g": undestined,
        "by_destination_g": {d.value: by_dest.get(d, 0) for d in Dest},
        "gap_g": rec.gap_g,
        "closes": rec.closes,
    }


def balance_rebuild_diff(*, lot_ids: list[int] | None = None) -> list[tuple[int, int, int]]:
    """(lot, projected, from movements) for every lot where the Balance projection disagrees."""
    moves = Movement.objects.all()
    balances = Balance.objects.all()
    if lot_ids is not None:
        moves = moves.filter(lot_id__in=lot_ids)
        balances = balances.filter(lot_id__in=lot_ids)
    derived: dict[int, int] = defaultdict(int)
    for row in moves.values("lot_id", "kind").annotate(q=Sum("quantity_g")):
        if row["kind"] in INFLOW_KINDS:
            derived[row["lot_id"]] += int(row["q"])
        elif row["kind"] in OUTFLOW_KINDS:
            derived[row["lot_id"]] -= int(row["q"])
    projected: dict[int, int] = defaultdict(int)
    for total in balances.values("lot_id").annotate(q=Sum("quantity_g")):
        projected[total["lot_id"]] = int(total["q"])
    return [
        (lot, projected[lot], derived[lot])
        for lot in sorted(set(derived) | set(projected))
        if projected[lot] != derived[lot]
    ]


@dataclass
class Trace:
    """Everything downstream (or upstream) of a set of lots."""

    lots: list[Lot] = field(default_factory=list)
    movements: list[Movement] = field(default_factory=list)
    transformations: list[Transformation] = field(default_factory=list)
    recipients: list[Organisation] = field(default_factory=list)
    donors: list[Organisation] = field(default_factory=list)
    distributed_g: int = 0


def trace_downstream(lot_ids: list[int], *, max_depth: int = 20) -> Trace:
    """Every lot made from these lots (through transformations), their movements and recipients.

    One query per transformation level, then one for movements.
    """
    seen: set[int] = set(lot_ids)
    frontier = set(lot_ids)
    transformations: dict[int, Transformation] = {}
    for _level in range(max_depth):
        t_ids = (
            set(
                Movement.objects.filter(
                    lot_id__in=frontier, kind=MovementKind.TRANSFORM_IN
                ).values_list("transformation_id", flat=True)
            )
            - {None}
            - set(transformations)
        )
        if not t_ids:
            break
        for t in Transformation.objects.filter(pk__in=t_ids):
            transformations[t.pk] = t
        outputs = set(
            Lot.objects.filter(source_transformation_id__in=t_ids).values_list("pk", flat=True)
        )
        frontier = outputs - seen
        seen |= outputs
        if not frontier:
            break
    return _trace_of(seen, transformations)


def trace_upstream(lot_id: int, *, max_depth: int = 20) -> Trace:
    """The lots and donors a lot came from, through transformations."""
    seen = {lot_id}
    frontier = {lot_id}
    transformations: dict[int, Transformation] = {}
    for _level in range(max_depth):
        t_ids = set(
            Lot.objects.filter(pk__in=frontier, source_transformation__isnull=False).values_list(
                "source_transformation_id", flat=True
            )
        ) - set(transformations)
        if not t_ids:
            break
        for t in Transformation.objects.filter(pk__in=t_ids):
            transformations[t.pk] = t
        inputs = set(
            Movement.objects.filter(
                transformation_id__in=t_ids, kind=MovementKind.TRANSFORM_IN
            ).values_list("lot_id", flat=True)
        )
        frontier = inputs - seen
        seen |= inputs
        if not frontier:
            break
    return _trace_of(seen, transformations)


def _trace_of(lot_ids: set[int], transformations: dict[int, Transformation]) -> Trace:
    lots = list(
        Lot.objects.filter(pk__in=lot_ids).select_related("donor", "hub").order_by("created_at")
    )
    movements = list(
        Movement.objects.filter(lot_id__in=lot_ids)
        .select_related("lot", "recipient", "from_site", "to_site")
        .order_by("at", "pk")
    )
    recipients = {m.recipient_id: m.recipient for m in movements if m.recipient is not None}
    donors = {lot.donor_id: lot.donor for lot in lots if lot.donor is not None}
    distributed = sum(
        m.quantity_g for m in movements if m.kind in (MovementKind.ISSUE, MovementKind.SALE)
    )
    return Trace(
        lots=lots,
        movements=movements,
        transformations=sorted(transformations.values(), key=lambda t: t.at),
        recipients=sorted(recipients.values(), key=lambda o: o.name),  # type: ignore[arg-type, return-value]
        donors=sorted(donors.values(), key=lambda o: o.name),  # type: ignore[arg-type, return-value]
        distributed_g=distributed,
    )


def hubs_of_scope(scope: Scope) -> QuerySet[Organisation]:
    return Organisation.objects.filter(organisation_scope_q(scope), kind=OrganisationKind.HUB)


def kg(grams: int) -> Decimal:
    return (Decimal(grams) / 1000).quantize(Decimal("0.001"))
