"""Reads for the traceability, recall and reconciliation reports, built on inventory.selectors.

Who sees what (accounts.selectors): staff see the lots of their scope (`lot_scope_q`) and
their traces; evaluators see only the totals of a network, a hub or an MRC, never a lot.
A trace stops at the scope: lots made from a visible lot but owned by a hub outside the
scope are counted, not shown. The ledger does not record households (a movement goes to an
organisation); the people downstream come from the apps that know them (`recipients`),
added to a report by `services.trace_people_open`, which audit-logs them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bonnebouffe.accounts.selectors import Scope
from bonnebouffe.domain.valorisation import SCALE_ORDER
from bonnebouffe.domain.valorisation import Destination as Dest
from bonnebouffe.network.models import Organisation, OrganisationKind, Site
from bonnebouffe.territory.models import MRC

from .models import Allergen, Balance, Destination, Lot, Movement, MovementKind, Transformation
from .recipients import PersonRecipient, RecipientGroup
from .selectors import (
    HOLD_REASON_LABELS,
    INFLOW_KINDS,
    OUTFLOW_KINDS,
    Trace,
    balance_rebuild_diff,
    lot_hold_reasons,
    lot_list,
    lot_scope_q,
    reconcile,
    site_operate_q,
    trace_downstream,
    trace_upstream,
)

DISTRIBUTED_KINDS = (MovementKind.ISSUE, MovementKind.SALE)
RECALL_ROLES = ("network_admin", "hub_coordinator")


# --- Scope -----------------------------------------------------------------------------


def report_lot_q(scope: Scope) -> Q:
    """Lots whose movements count in this scope's reconciliation totals.

    Staff: the lots they may see. Evaluators: every lot of their networks, for totals only.
    """
    if scope.sees_records:
        return lot_scope_q(scope)
    if scope.sees_aggregates:
        return Q(hub__network_id__in=scope.network_ids)
    return Q(pk__in=[])


def report_hubs(scope: Scope) -> QuerySet[Organisation]:
    """The hubs a scope may reconcile: the hubs whose lots `lot_scope_q` opens to it."""
    hubs = Organisation.objects.filter(kind=OrganisationKind.HUB, is_active=True)
    if scope.is_superuser:
        q = Q()
    elif not scope.sees_records:
        q = Q(network_id__in=scope.network_ids) if scope.sees_aggregates else Q(pk__in=[])
    else:
        q = Q(network_id__in=scope.admin_network_ids)
        q |= Q(mrc_id__in=scope.coordinator_mrc_ids) | Q(pk__in=scope.coordinator_hub_ids)
        if scope.own_org_ids:
            own_hubs = Organisation.objects.filter(pk__in=scope.own_org_ids).values("hub_id")
            q |= Q(pk__in=scope.own_org_ids) | Q(pk__in=own_hubs)
    return hubs.filter(q).select_related("mrc").order_by("name")


def report_mrcs(scope: Scope) -> QuerySet[MRC]:
    return MRC.objects.filter(pk__in=report_hubs(scope).values("mrc_id")).order_by("name")


def sites_operated(scope: Scope) -> QuerySet[Site]:
    return Site.objects.filter(site_operate_q(scope)).select_related("organisation")


def may_recall(scope: Scope) -> bool:
    return scope.has_role(*RECALL_ROLES)


# --- Lots for the API ---------------------------------------------------------------


def lot_search(
    *, scope: Scope, search: str = "", site_id: int | None = None, category: str = ""
) -> QuerySet[Lot]:
    """Lots of the scope (selectors.lot_list) with their total on hand in grams; `site_id`
    keeps the lots with stock at that site (the caller checks the site is in scope)."""
    qs = lot_list(scope=scope, search=search.strip())
    if site_id:
        qs = qs.filter(
            pk__in=Balance.objects.filter(site_id=site_id, quantity_g__gt=0).values("lot_id")
        )
    if category:
        qs = qs.filter(category=category)
    return qs.annotate(on_hand_g=Coalesce(Sum("balances__quantity_g"), 0)).order_by(
        "-created_at", "-pk"
    )


def lot_balances(*, lot: Lot) -> QuerySet[Balance]:
    return (
        Balance.objects.filter(lot=lot, quantity_g__gt=0)
        .select_related("site__organisation", "location")
        .order_by("site__name", "location__name")
    )


def movement_by_idempotency_key(key: str) -> Movement | None:
    return Movement.objects.filter(idempotency_key=key).select_related("lot").first()


def hold_reason_rows(lot: Lot) -> list[tuple[str, str]]:
    """(code, translated label) of each reason the lot may not be distributed."""
    return [(str(r), str(HOLD_REASON_LABELS[r])) for r in lot_hold_reasons(lot)]


# --- Reconciliation ------------------------------------------------------------------


def period_bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """Québec local days to aware datetimes: [start 00:00, the day after `end` 00:00)."""
    lower = timezone.make_aware(datetime.combine(start, time.min)) if start else None
    upper = (
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min)) if end else None
    )
    return lower, upper


def reconciliation_lots(
    *, scope: Scope, hub_id: int | None = None, mrc_id: int | None = None, lot_code: str = ""
) -> QuerySet[Lot]:
    """The lots of one reconciliation. A lot code is for staff only (evaluators see none)."""
    qs = Lot.objects.filter(report_lot_q(scope))
    if hub_id:
        qs = qs.filter(hub_id=hub_id)
    if mrc_id:
        qs = qs.filter(hub__mrc_id=mrc_id)
    if lot_code:
        qs = qs.filter(code__iexact=lot_code.strip()) if scope.sees_records else qs.none()
    return qs


@dataclass(frozen=True)
class ReconciliationLine:
    key: str
    label: str
    grams: int
    share: Decimal | None  # percent of what came in (None for inflow lines)

    @property
    def kg(self) -> Decimal:
        return grams_to_kg(self.grams)


@dataclass(frozen=True)
class ProjectionMismatch:
    lot_id: int
    code: str
    projected_g: int
    from_movements_g: int

    @property
    def difference_g(self) -> int:
        return self.projected_g - self.from_movements_g

    @property
    def projected_kg(self) -> Decimal:
        return grams_to_kg(self.projected_g)

    @property
    def from_movements_kg(self) -> Decimal:
        return grams_to_kg(self.from_movements_g)


@dataclass
class ReconciliationReport:
    lot_count: int
    start: datetime | None
    end: datetime | None
    figures: dict[str, Any] | None  # selectors.reconcile
    inflows: list[ReconciliationLine] = field(default_factory=list)
    outflows: list[ReconciliationLine] = field(default_factory=list)
    undestined_count: int = 0
    mismatches: list[ProjectionMismatch] = field(default_factory=list)

    @property
    def total_in_g(self) -> int:
        return sum(line.grams for line in self.inflows)

    @property
    def total_out_g(self) -> int:
        return sum(line.grams for line in self.outflows)

    @property
    def gap_g(self) -> int:
        return int(self.figures["gap_g"]) if self.figures else 0

    @property
    def closes(self) -> bool:
        return self.figures is not None and bool(self.figures["closes"])

    @property
    def total_in_kg(self) -> Decimal:
        return grams_to_kg(self.total_in_g)

    @property
    def total_out_kg(self) -> Decimal:
        return grams_to_kg(self.total_out_g)

    @property
    def gap_kg(self) -> Decimal:
        return grams_to_kg(self.gap_g)

    @property
    def closing_kg(self) -> Decimal:
        return grams_to_kg(int(self.figures["closing_g"])) if self.figures else Decimal(0)

    @property
    def closing_from_movements_kg(self) -> Decimal:
        g = int(self.figures["closing_from_movements_g"]) if self.figures else 0
        return grams_to_kg(g)

    @property
    def undestined_kg(self) -> Decimal:
        return grams_to_kg(int(self.figures["undestined_g"])) if self.figures else Decimal(0)

    @property
    def projection_agrees(self) -> bool:
        return not self.mismatches

    @property
    def ok(self) -> bool:
        return self.closes and self.projection_agrees and not self.undestined_count


def grams_to_kg(grams: int) -> Decimal:
    """Kilograms with 3 decimals: every gram shows."""
    return (Decimal(grams) / 1000).quantize(Decimal("0.001"))


def _share(grams: int, total: int) -> Decimal:
    if total == 0:
        return Decimal("0.0")
    return (Decimal(grams) * 100 / Decimal(total)).quantize(Decimal("0.1"))


def reconciliation_build(
    *, lots: QuerySet[Lot], start: datetime | None = None, end: datetime | None = None
) -> ReconciliationReport:
    """The closing identity of these lots over [start, end), and the projection check.

    received (+ opening stock, + produced by transformation) = on hand + Σ destinations,
    with what came in and went out taken from the movements and the stock on hand from the
    Balance table (selectors.reconcile): a gap means the two records disagree. Then the
    Balance projection is rebuilt from the movements for the same lots, lot by lot, to show
    where (selectors.balance_rebuild_diff).
    """
    lot_ids = list(lots.order_by().values_list("pk", flat=True))
    valid = [d.value for d in Dest]
    # An outflow without a valorisation destination cannot have been written by the
    # services; reconcile() leaves its grams out of every destination (they show in the
    # gap) and the report names how many movements there are.
    undestined = (
        Movement.objects.filter(lot_id__in=lot_ids, kind__in=OUTFLOW_KINDS)
        .exclude(destination__in=valid)
        .count()
    )
    figures = reconcile(Lot.objects.filter(pk__in=lot_ids), start=start, end=end)
    report = ReconciliationReport(
        lot_count=len(lot_ids), start=start, end=end, figures=figures, undestined_count=undestined
    )
    if figures is not None:
        inflows = [("received", _("Received"), figures["received_g"])]
        if start is not None:
            inflows.insert(0, ("opening", _("Opening stock"), figures["opening_g"]))
        inflows.append(("produced", _("Produced by transformation"), figures["produced_g"]))
        report.inflows = [ReconciliationLine(k, str(lbl), g, None) for k, lbl, g in inflows]
        total = report.total_in_g
        report.outflows = [
            ReconciliationLine(
                "on_hand",
                str(_("On hand (stock table)")),
                figures["closing_g"],
                _share(figures["closing_g"], total),
            )
        ] + [
            ReconciliationLine(
                d.value,
                str(Destination(d.value).label),
                figures["by_destination_g"][d.value],
                _share(figures["by_destination_g"][d.value], total),
            )
            for d in SCALE_ORDER
        ]
    diffs = balance_rebuild_diff(lot_ids=lot_ids)
    codes = dict(Lot.objects.filter(pk__in=[d[0] for d in diffs]).values_list("pk", "code"))
    report.mismatches = [
        ProjectionMismatch(lot_id, codes.get(lot_id, "?"), projected, derived)
        for lot_id, projected, derived in diffs
    ]
    return report


# --- Traceability --------------------------------------------------------------------


def donor_choices(scope: Scope) -> QuerySet[Organisation]:
    """Donors of the lots a scope may see (the trace form's list)."""
    donor_ids = Lot.objects.filter(lot_scope_q(scope), donor__isnull=False).values("donor_id")
    return Organisation.objects.filter(pk__in=donor_ids).order_by("name")


def trace_start_lots(
    *, scope: Scope, lot_code: str = "", donor_id: int | None = None, product: str = ""
) -> QuerySet[Lot]:
    """The lots a trace starts from; every criterion given must match (none given: none)."""
    qs = Lot.objects.filter(lot_scope_q(scope))
    if not (lot_code.strip() or donor_id or product.strip()):
        return qs.none()
    if lot_code.strip():
        qs = qs.filter(code__iexact=lot_code.strip())
    if donor_id:
        qs = qs.filter(donor_id=donor_id)
    if product.strip():
        qs = qs.filter(product_name__icontains=product.strip())
    return qs.order_by("created_at", "pk")


@dataclass
class LotTrace:
    """What a recall notice needs about one lot."""

    lot: Lot
    received_g: int = 0  # received, or produced by a transformation
    distributed_g: int = 0  # issued or sold
    on_hand_g: int = 0  # from the movements
    donors: list[Organisation] = field(default_factory=list)
    recipients: list[tuple[Organisation | None, int]] = field(default_factory=list)
    made_by: Transformation | None = None
    hold_reasons: list[str] = field(default_factory=list)

    @property
    def date_is_shelf_life(self) -> bool:
        return self.lot.date_kind in ("best_before", "use_by")

    @property
    def allergen_labels(self) -> list[str]:
        labels = dict(Allergen.choices)
        return [str(labels.get(code, code)) for code in self.lot.allergens]

    @property
    def received_kg(self) -> Decimal:
        return grams_to_kg(self.received_g)

    @property
    def distributed_kg(self) -> Decimal:
        return grams_to_kg(self.distributed_g)

    @property
    def on_hand_kg(self) -> Decimal:
        return grams_to_kg(self.on_hand_g)

    @property
    def recipient_rows(self) -> list[tuple[Organisation | None, Decimal]]:
        return [(org, grams_to_kg(g)) for org, g in self.recipients]


@dataclass
class TransformationTrace:
    transformation: Transformation
    site: str
    inputs: list[tuple[Lot, int]]
    outputs: list[tuple[Lot, int]]

    @property
    def input_rows(self) -> list[tuple[Lot, Decimal]]:
        return [(lot, grams_to_kg(g)) for lot, g in self.inputs]

    @property
    def output_rows(self) -> list[tuple[Lot, Decimal]]:
        return [(lot, grams_to_kg(g)) for lot, g in self.outputs]


@dataclass
class Delivery:
    movement: Movement
    from_place: str
    to_place: str

    @property
    def kg(self) -> Decimal:
        return grams_to_kg(self.movement.quantity_g)


@dataclass
class TraceReport:
    direction: str  # "down" or "up"
    start_lots: list[Lot]
    lots: list[LotTrace]
    movements: list[Movement]
    transformations: list[TransformationTrace]
    deliveries: list[Delivery]
    recipients: list[tuple[Organisation | None, int]]
    donors: list[Organisation]
    hidden_lot_count: int
    site_names: dict[int, str]
    holders: list[Organisation] = field(default_factory=list)  # organisations with stock left
    transformation_names: dict[int, str] = field(default_factory=dict)
    # People downstream (recipients.RecipientGroup), set only by services.trace_people_open,
    # which audit-logs every person shown.
    people: list[RecipientGroup] = field(default_factory=list)

    @property
    def people_by_movement(self) -> dict[int, PersonRecipient]:
        return {mid: p for g in self.people for mid, p in g.by_movement.items()}

    @property
    def people_shown(self) -> bool:
        return any(g.people for g in self.people)

    @property
    def distributed_g(self) -> int:
        return sum(g for _org, g in self.recipients)

    @property
    def distributed_kg(self) -> Decimal:
        return grams_to_kg(self.distributed_g)

    @property
    def recipient_rows(self) -> list[tuple[Organisation | None, Decimal]]:
        return [(org, grams_to_kg(g)) for org, g in self.recipients]

    @property
    def lot_ids(self) -> list[int]:
        return [lt.lot.pk for lt in self.lots]

    def place(self, site_id: int | None) -> str:
        return self.site_names.get(site_id, "") if site_id else ""

    def transformation_name(self, transformation_id: int | None) -> str:
        return self.transformation_names.get(transformation_id, "") if transformation_id else ""

    @property
    def movement_rows(self) -> list[tuple[Movement, Decimal, str, str, str]]:
        """(movement, kg, from, to, transformation) for tables."""
        return [
            (
                m,
                grams_to_kg(m.quantity_g),
                self.place(m.from_site_id),
                self.place(m.to_site_id),
                self.transformation_name(m.transformation_id),
            )
            for m in self.movements
        ]


def _upstream_donors(lots: Iterable[Lot]) -> dict[int, set[int]]:
    """Donor ids of each lot, following transformations up to the raw lots (2 queries a level).

    A lot made from several inputs has the donors of every input, including inputs that are
    not downstream of the traced lots (the onions in a tomato sauce).
    """
    source: dict[int, int | None] = {}
    donor: dict[int, int | None] = {}
    inputs: dict[int, set[int]] = {}
    for lot in lots:
        source[lot.pk] = lot.source_transformation_id
        donor[lot.pk] = lot.donor_id
    for _level in range(20):
        missing_t = {t for t in source.values() if t is not None and t not in inputs}
        if missing_t:
            for t_id, lot_id in Movement.objects.filter(
                transformation_id__in=missing_t, kind=MovementKind.TRANSFORM_IN
            ).values_list("transformation_id", "lot_id"):
                inputs.setdefault(t_id, set()).add(lot_id)
            for t_id in missing_t:
                inputs.setdefault(t_id, set())
        missing_lots = {i for t in inputs.values() for i in t} - set(source)
        if not missing_lots:
            break
        for pk, t_id, d_id in Lot.objects.filter(pk__in=missing_lots).values_list(
            "pk", "source_transformation_id", "donor_id"
        ):
            source[pk], donor[pk] = t_id, d_id
    memo: dict[int, set[int]] = {}

    def donors_of(lot_id: int, path: frozenset[int]) -> set[int]:
        if lot_id in memo:
            return memo[lot_id]
        found = {donor[lot_id]} if donor.get(lot_id) else set()
        t_id = source.get(lot_id)
        if t_id is not None and lot_id not in path:
            for parent in inputs.get(t_id, ()):
                if parent in source:
                    found |= donors_of(parent, path | {lot_id})
        memo[lot_id] = {d for d in found if d is not None}
        return memo[lot_id]

    return {lot.pk: donors_of(lot.pk, frozenset()) for lot in lots}


def trace_report(*, scope: Scope, lot_ids: list[int], direction: str = "down") -> TraceReport:
    """A downstream (recall) or upstream (where from) trace, cut to the scope.

    Downstream: every lot made from `lot_ids`, their movements, transformations, deliveries
    and recipient organisations. Upstream: the lots and donors `lot_ids[0]` came from.
    """
    start = list(Lot.objects.filter(lot_scope_q(scope), pk__in=lot_ids).order_by("created_at"))
    start_ids = [lot.pk for lot in start]
    trace: Trace
    if not start_ids:
        trace = Trace()
    elif direction == "up":
        trace = trace_upstream(start_ids[0])
    else:
        trace = trace_downstream(start_ids)
    all_ids = [lot.pk for lot in trace.lots]
    visible = set(
        Lot.objects.filter(lot_scope_q(scope), pk__in=all_ids).values_list("pk", flat=True)
    )
    lots = [lot for lot in trace.lots if lot.pk in visible]
    movements = [m for m in trace.movements if m.lot_id in visible]

    site_ids = {m.from_site_id for m in movements} | {m.to_site_id for m in movements}
    site_ids |= {t.site_id for t in trace.transformations}
    sites = Site.objects.select_related("organisation").in_bulk([s for s in site_ids if s])
    site_names = {pk: f"{s.organisation.name} — {s.name}" for pk, s in sites.items()}

    lot_by_id = {lot.pk: lot for lot in lots}
    per_lot = {lot.pk: LotTrace(lot=lot) for lot in lots}
    recipients_by_lot: dict[int, dict[int | None, int]] = defaultdict(lambda: defaultdict(int))
    recipient_orgs: dict[int, Organisation] = {}
    input_qty: dict[int, list[tuple[Lot, int]]] = defaultdict(list)
    for m in movements:
        lt = per_lot[m.lot_id]
        if m.kind in (MovementKind.RECEIPT, MovementKind.TRANSFORM_OUT):
            lt.received_g += m.quantity_g
        if m.kind in INFLOW_KINDS:
            lt.on_hand_g += m.quantity_g
        elif m.kind in OUTFLOW_KINDS:
            lt.on_hand_g -= m.quantity_g
        if m.kind in DISTRIBUTED_KINDS:
            lt.distributed_g += m.quantity_g
            recipients_by_lot[m.lot_id][m.recipient_id] += m.quantity_g
            if m.recipient is not None:
                recipient_orgs[m.recipient.pk] = m.recipient
        if m.kind == MovementKind.TRANSFORM_IN and m.transformation_id:
            input_qty[m.transformation_id].append((lot_by_id[m.lot_id], m.quantity_g))

    donors_by_lot = _upstream_donors(lots) if lots else {}
    donor_orgs = Organisation.objects.in_bulk({d for ds in donors_by_lot.values() for d in ds})
    transformations = {t.pk: t for t in trace.transformations}
    # Transformations a movement or a lot refers to but the trace did not walk (the one
    # that made a start lot): fetched in one query so that every line can be named.
    referred = {m.transformation_id for m in movements if m.transformation_id}
    referred |= {lot.source_transformation_id for lot in lots if lot.source_transformation_id}
    if referred - set(transformations):
        transformations.update(Transformation.objects.in_bulk(referred - set(transformations)))

    def by_name(org: Organisation | None) -> str:
        return org.name if org else "\uffff"

    for lot_id, lt in per_lot.items():
        lt.donors = sorted((donor_orgs[d] for d in donors_by_lot.get(lot_id, ())), key=by_name)
        lt.recipients = sorted(
            (
                (recipient_orgs.get(r) if r else None, g)
                for r, g in recipients_by_lot[lot_id].items()
            ),
            key=lambda pair: by_name(pair[0]),
        )
        lt.made_by = transformations.get(lt.lot.source_transformation_id or 0)
        lt.hold_reasons = [str(HOLD_REASON_LABELS[r]) for r in lot_hold_reasons(lt.lot)]

    totals: dict[int | None, int] = defaultdict(int)
    for lot_recipients in recipients_by_lot.values():
        for r, g in lot_recipients.items():
            totals[r] += g
    outputs: dict[int, list[tuple[Lot, int]]] = defaultdict(list)
    for m in movements:
        if m.kind == MovementKind.TRANSFORM_OUT and m.transformation_id:
            outputs[m.transformation_id].append((lot_by_id[m.lot_id], m.quantity_g))
    donors = sorted({d.pk: d for lt in per_lot.values() for d in lt.donors}.values(), key=by_name)
    # Where the stock still is, site by site (a transfer moved part of it to another hub).
    held: dict[int, int] = defaultdict(int)
    for m in movements:
        if m.to_site_id and (m.kind in INFLOW_KINDS or m.kind == MovementKind.TRANSFER):
            held[m.to_site_id] += m.quantity_g
        if m.from_site_id and (m.kind in OUTFLOW_KINDS or m.kind == MovementKind.TRANSFER):
            held[m.from_site_id] -= m.quantity_g
    holders = {sites[pk].organisation for pk, g in held.items() if g > 0 and pk in sites}
    return TraceReport(
        direction=direction,
        start_lots=start,
        lots=list(per_lot.values()),
        movements=movements,
        transformations=[
            TransformationTrace(
                transformation=t,
                site=site_names.get(t.site_id, ""),
                inputs=input_qty.get(t.pk, []),
                outputs=outputs.get(t.pk, []),
            )
            for t in trace.transformations
        ],
        deliveries=[
            Delivery(
                m, site_names.get(m.from_site_id or 0, ""), site_names.get(m.to_site_id or 0, "")
            )
            for m in movements
            if m.kind == MovementKind.TRANSFER
        ],
        recipients=sorted(
            ((recipient_orgs.get(r) if r else None, g) for r, g in totals.items()),
            key=lambda pair: by_name(pair[0]),
        ),
        donors=donors,
        hidden_lot_count=len(all_ids) - len(lots),
        site_names=site_names,
        holders=sorted(holders, key=by_name),
        transformation_names={pk: t.description for pk, t in transformations.items()},
    )


def recall_notice_organisations(report: TraceReport) -> list[Organisation]:
    """Who hears of a recall: the hubs of the lots, the organisations whose sites still hold
    some, and the organisations that received them."""
    orgs: dict[int, Organisation] = {}
    for lt in report.lots:
        orgs[lt.lot.hub.pk] = lt.lot.hub
    for holder in report.holders:
        orgs[holder.pk] = holder
    for recipient, _g in report.recipients:
        if recipient is not None:
            orgs[recipient.pk] = recipient
    return sorted(orgs.values(), key=lambda o: o.name)
