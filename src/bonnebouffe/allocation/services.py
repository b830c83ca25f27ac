"""Writes of fair allocation: needs, runs (gather, solve in a job, store), adjust, publish,
agency answers and delivery (stock issue through the ledger).

Gather, decide, apply: `problem_build` reads the ledger and the needs, the job runs the pure
engine (bonnebouffe.planning.allocation, which alone touches the LP solver), `run_execute`
stores the validated plan. Publishing re-checks the stock under row locks.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bonnebouffe.accounts.selectors import Scope
from bonnebouffe.core.services import notification_send
from bonnebouffe.inventory.errors import LedgerError
from bonnebouffe.inventory.models import Balance, DateKind, FoodCategory, MovementKind
from bonnebouffe.inventory.selectors import distributable_q
from bonnebouffe.inventory.services import movement_record
from bonnebouffe.jobs.registry import ProgressFn
from bonnebouffe.network.models import Network, Organisation, OrganisationKind
from bonnebouffe.planning.allocation import (
    Agency,
    AllocationError,
    AllocationProblem,
    Hub,
    Lot,
    LotScope,
    PlanMethod,
    Policy,
    proportional_plan,
    solve_allocation,
    trade_off_curve,
    validate_allocation,
)
from bonnebouffe.planning.allocation.index import build_index
from bonnebouffe.planning.allocation.jsonio import (
    curve_to_dict,
    metrics_to_dict,
    problem_from_dict,
    problem_to_dict,
)
from bonnebouffe.planning.allocation.metrics import evaluate, explain

from .errors import AllocationFailed
from .models import (
    AgencyNeed,
    AllocationLine,
    AllocationRun,
    LineStatus,
    RunStatus,
)
from .selectors import (
    ENGINE_CATEGORY,
    agency_list,
    can_run,
    history_lines,
    hubs_for_run,
    period_bounds,
    period_shift,
    policy_get,
    reserved_g,
    site_capacity_kg,
    supply_balances,
)

CLASSES = ("ambient", "refrigerated", "frozen")
# Keep the background job bounded (docs/allocation.md: 20,000 lots solve in seconds).
MAX_LOTS = 20_000
MAX_AGENCIES = 2_000


def _period(period: str) -> tuple[date, date]:
    try:
        return period_bounds(period)
    except ValueError:
        raise AllocationFailed(_("The week must look like 2026-W49.")) from None


# ---------------------------------------------------------------- needs


@transaction.atomic
def need_save(
    *,
    scope: Scope,
    agency_id: int,
    period: str,
    people_served: int,
    capacity_kg: dict[str, int | None] | None = None,
    ineligible_categories: list[str] | None = None,
    delivery_weekdays: list[int] | None = None,
    earliest_delivery: date | None = None,
    actor: Any = None,
) -> AgencyNeed:
    """Declare (or correct) an agency's need for a week. Agency staff: their own agency;
    coordinators: the agencies of their territory. Raises PermissionDenied, AllocationFailed."""
    agency = agency_list(scope=scope).filter(pk=agency_id).first()
    if agency is None:
        raise PermissionDenied
    _period(period)
    cats = sorted(set(ineligible_categories or []))
    known = {c.value for c in FoodCategory}
    if any(c not in known for c in cats):
        raise AllocationFailed(_("Unknown food category."))
    days = sorted({int(d) for d in (delivery_weekdays or [])})
    if any(d < 0 or d > 6 for d in days):
        raise AllocationFailed(_("Weekdays go from 0 (Monday) to 6 (Sunday)."))
    need = AgencyNeed.objects.filter(agency=agency, period=period).first() or AgencyNeed(
        agency=agency, period=period
    )
    need.people_served = people_served
    caps = capacity_kg or {}
    need.capacity_ambient_kg = caps.get("ambient")
    need.capacity_refrigerated_kg = caps.get("refrigerated")
    need.capacity_frozen_kg = caps.get("frozen")
    need.ineligible_categories = cats
    need.delivery_weekdays = days
    need.earliest_delivery = earliest_delivery
    need.declared_by = actor if getattr(actor, "is_authenticated", False) else None
    try:
        need.full_clean()
    except ValidationError as exc:
        raise AllocationFailed(
            _("The declaration is not valid."), [str(m) for m in exc.messages]
        ) from None
    need.save()
    return need


def need_capacity_kg(need: AgencyNeed) -> dict[str, int]:
    """Declared room per class, falling back to the agency's sites' storage."""
    default = site_capacity_kg(need.agency_id)
    return {
        c: (
            getattr(need, f"capacity_{c}_kg")
            if getattr(need, f"capacity_{c}_kg") is not None
            else default[c]
        )
        for c in CLASSES
    }


def _earliest(need: AgencyNeed, start: date, end: date) -> date:
    base = max(start, need.earliest_delivery or start)
    if need.delivery_weekdays:
        for i in range(7):
            day = base + timedelta(days=i)
            if day.weekday() in need.delivery_weekdays:
                return day
    return base


# ---------------------------------------------------------------- runs


def run_start(
    *,
    scope: Scope,
    user: Any,
    period: str,
    hub_id: int | None = None,
    network_id: int | None = None,
    delta: float | None = None,
) -> AllocationRun:
    """Record a run and submit the background job that solves it."""
    from bonnebouffe.jobs.tasks import job_submit

    if not can_run(scope):
        raise PermissionDenied
    _period(period)
    hub = None
    if hub_id is not None:
        hub = hubs_for_run(scope).filter(pk=hub_id).first()
        if hub is None:
            raise PermissionDenied
        network = hub.network
    else:
        networks = Network.objects.all()
        if not scope.is_superuser:
            networks = networks.filter(pk__in=scope.admin_network_ids)
        if network_id is not None:
            networks = networks.filter(pk=network_id)
        found = networks.first()
        if found is None:
            raise PermissionDenied
        network = found
    policy = policy_get(network.pk)
    d = float(policy.delta) if delta is None else float(delta)
    if not (math.isfinite(d) and 0 <= d <= 5):
        raise AllocationFailed(_("The equity band must be between 0 and 5."))
    with transaction.atomic():
        run = AllocationRun.objects.create(
            network=network,
            period=period,
            hub=hub,
            delta=d,
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
        job = job_submit(
            kind="allocation.solve",
            title=_("Fair allocation, week %(period)s") % {"period": period},
            owner=user,
            params={"run_id": run.pk},
        )
        run.job_id = str(job.pk)
        run.save(update_fields=["job_id"])
    return run


def _lot_key(lot_id: int, site_id: int, location_id: int | None) -> str:
    return f"{lot_id}-{site_id}-{location_id or 0}"


def _whole_unit_g(unit_weight_g: int | None, free_g: int) -> int | None:
    """The unit a lot may be split into, or None when it must go whole to one agency.

    A lot with a unit weight (cases, boxes) whose free grams are a whole number of at least
    two units is divisible in whole units; any other lot (loose produce, a started case) is
    allocated whole, so that a hub never has to weigh out part of a lot.
    """
    if unit_weight_g and free_g % unit_weight_g == 0 and free_g // unit_weight_g >= 2:
        return int(unit_weight_g)
    return None


def problem_build(
    run: AllocationRun,
) -> tuple[AllocationProblem, dict[str, tuple[int, int, int | None]]]:
    """Gather the week's needs and free stock of the run's hubs into an engine problem.

    Returns the problem and, per engine lot id, the (lot, site, location) it stands for.
    Raises AllocationFailed (nothing to allocate to) or AllocationError (bad data).
    """
    start, end = period_bounds(run.period)
    # Nothing can be delivered in the past: a week already begun starts today.
    start = min(max(start, timezone.localdate()), end)
    hubs_qs = Organisation.objects.filter(network=run.network, kind=OrganisationKind.HUB)
    if run.hub_id:
        hubs_qs = hubs_qs.filter(pk=run.hub_id)
    hubs = {h.pk: h for h in hubs_qs}
    policy = policy_get(run.network_id)
    needs = list(
        AgencyNeed.objects.filter(
            period=run.period, agency__hub_id__in=hubs, agency__is_active=True
        ).select_related("agency", "agency__municipality")
    )
    if not needs:
        raise AllocationFailed(_("No agency has declared its need for this week."))
    if len(needs) > MAX_AGENCIES:
        raise AllocationFailed(_("Too many agencies for one run; run it hub by hub."))
    history_periods = [period_shift(run.period, -i) for i in range(1, policy.window_weeks)]
    prior: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    prior_supply: dict[str, float] = defaultdict(float)
    for row in history_lines(
        network_id=run.network_id, periods=history_periods, agency_ids=[n.agency_id for n in needs]
    ):
        cat = ENGINE_CATEGORY[FoodCategory(row["lot__category"])]
        kg = int(row["q"] or 0) / 1000.0
        prior[row["agency_id"]][cat] += kg
        prior_supply[cat] += kg
    agencies = []
    for need in needs:
        quintile = need.agency.municipality.material_quintile
        factor = 1.0
        if policy.use_deprivation and quintile == 5:
            factor = float(policy.deprivation_q5)
        elif policy.use_deprivation and quintile == 4:
            factor = float(policy.deprivation_q4)
        # Conservative: an engine category is refused when any food it groups is refused.
        inel = {ENGINE_CATEGORY[FoodCategory(c)] for c in need.ineligible_categories}
        agencies.append(
            Agency(
                agency_id=str(need.agency_id),
                hub_id=str(need.agency.hub_id),
                people_served=need.people_served,
                deprivation_factor=factor,
                capacity_kg={k: float(v) for k, v in need_capacity_kg(need).items()},  # type: ignore[misc]
                earliest_delivery=_earliest(need, start, end),
                ineligible_categories=frozenset(inel),  # type: ignore[arg-type]
                prior_received_kg=dict(prior[need.agency_id]),  # type: ignore[arg-type]
            )
        )
    lots = []
    keys: dict[str, tuple[int, int, int | None]] = {}
    # Categories the network shares by bidding rounds are left to pooling_services.
    from .pooling_selectors import pooled_categories

    pooled = pooled_categories(run.network_id)
    supply = [
        (b, g)
        for b, g in supply_balances(hub_ids=list(hubs), on=start)
        if b.lot.category not in pooled
    ]
    for balance, free_g in supply[:MAX_LOTS]:
        lot = balance.lot
        key = _lot_key(lot.pk, balance.site_id, balance.location_id)
        keys[key] = (lot.pk, balance.site_id, balance.location_id)
        unit_g = _whole_unit_g(lot.unit_weight_g, free_g)
        lots.append(
            Lot(
                lot_id=key,
                hub_id=str(lot.hub_id if lot.hub_id in hubs else balance.site.organisation_id),
                category=ENGINE_CATEGORY[FoodCategory(lot.category)],  # type: ignore[arg-type]
                storage_class=lot.storage_class,  # type: ignore[arg-type]
                quantity_kg=free_g / 1000.0,
                dlu=lot.date_value if lot.date_kind == DateKind.USE_BY else None,
                best_before=lot.date_value if lot.date_kind == DateKind.BEST_BEFORE else None,
                unit_kg=unit_g / 1000.0 if unit_g else None,
                divisible=unit_g is not None,
            )
        )
    hub_ids = {a.hub_id for a in agencies} | {lot.hub_id for lot in lots}
    all_hubs = {h.pk: h for h in Organisation.objects.filter(pk__in=[int(h) for h in hub_ids])}
    problem = AllocationProblem(
        period_id=run.period,
        period_start=start,
        period_end=end,
        hubs=tuple(Hub(hub_id=str(pk), mrc_id=str(h.mrc_id)) for pk, h in all_hubs.items()),
        agencies=tuple(agencies),
        lots=tuple(lots),
        window_prior_supply_kg=dict(prior_supply),  # type: ignore[arg-type]
        window_weeks=policy.window_weeks,
        policy=Policy(
            delta=run.delta,
            lot_scope=LotScope.ALL,
            inter_hub_cost_per_kg=0.0 if run.hub_id else 0.05,
            # Rescued food is not held back for equity: a whole lot too big for every band
            # still goes to the least damaging agency with room (the breach is shown).
            withhold_whole_lots=False,
        ),
    )
    return problem, keys


def _fail(run: AllocationRun, message: str, details: list[str] | None = None) -> None:
    AllocationRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, error=message)
    raise AllocationFailed(message, details)


def _noop(percent: int, message: str = "") -> None:
    return None


def run_execute(*, run_id: int, progress: ProgressFn = _noop) -> dict[str, Any]:
    """Solve a pending run and store its lines (idempotent: other statuses are left alone).

    Raises AllocationFailed with a translated message; the run is then marked failed.
    """
    run = AllocationRun.objects.select_related("network", "hub").filter(pk=run_id).first()
    if run is None or run.status != RunStatus.PENDING:
        return {"run_id": run_id, "skipped": True}
    progress(5, _("Gathering needs and stock"))
    try:
        problem, keys = problem_build(run)
    except AllocationFailed as exc:
        _fail(run, exc.message)
        raise
    except AllocationError as exc:
        _fail(run, _("The data cannot be allocated: %(e)s") % {"e": exc})
        raise
    progress(25, _("Computing the fair allocation"))
    # Whole lots by FEFO (docs/allocation.md, "From groups to lots"): every line is a whole
    # free balance, or whole units of a divisible one; the LP bound is kept for the gap.
    plan = solve_allocation(problem, delta=run.delta, whole_lots=True)
    violations = validate_allocation(problem, plan)
    if violations:
        _fail(
            run,
            _("The computed allocation breaks a hard rule; nothing was stored."),
            [v.message for v in violations],
        )
    progress(55, _("Computing the proportional comparison"))
    baseline = proportional_plan(problem, delta=run.delta)
    progress(70, _("Computing the trade-off curve"))
    curve = trade_off_curve(problem)
    progress(90, _("Storing the result"))
    agencies = {int(a.agency_id) for a in problem.agencies}
    with transaction.atomic():
        grams: dict[tuple[str, str], int] = defaultdict(int)
        for a in plan.assignments:
            if a.quantity_g > 0:
                grams[(a.lot_id, a.agency_id)] += a.quantity_g
        lines = []
        for (engine_lot, agency_id), quantity_g in grams.items():
            lot_id, site_id, location_id = keys[engine_lot]
            lines.append(
                AllocationLine(
                    run=run,
                    agency_id=int(agency_id),
                    lot_id=lot_id,
                    site_id=site_id,
                    location_id=location_id,
                    quantity_g=quantity_g,
                )
            )
        AllocationLine.objects.bulk_create(lines)
        run.problem = problem_to_dict(problem)
        run.metrics = {
            "plan": metrics_to_dict(plan.metrics),
            "baseline": metrics_to_dict(baseline.metrics),
            "method": str(plan.method),
            "rounding_gap_pct": _finite(plan.rounding_gap_pct),
            "hard_band_held": plan.hard_band_held,
            "breaches": [],
        }
        run.explanations = _explanations_json(plan.explanations)
        run.curve = curve_to_dict(curve)
        run.status = RunStatus.DRAFT
        run.save()
    return {
        "run_id": run.pk,
        "lines": len(lines),
        "agencies": len(agencies),
        "distributed_kg": round(plan.metrics.distributed_kg, 3),
    }


def _finite(value: float) -> float | None:
    return round(float(value), 3) if math.isfinite(value) else None


def _explanations_json(explanations: Any) -> list[dict[str, Any]]:
    return [
        {
            "level": e.level,
            "id": e.entity_id,
            "category": str(e.category),
            "fair_share_kg": round(float(e.fair_share_kg), 3),
            "allocated_kg": round(float(e.allocated_kg), 3),
            "allocated_period_kg": round(float(e.allocated_period_kg), 3),
            "reason": str(e.reason),
        }
        for e in explanations
    ]


def _run_scope_check(scope: Scope, run: AllocationRun) -> None:
    if scope.is_superuser:
        return
    if run.network_id in scope.admin_network_ids:
        return
    if run.hub_id and run.hub_id in scope.coordinator_hub_ids:
        return
    raise PermissionDenied


def _reevaluate(run: AllocationRun) -> None:
    """Re-compute equity measures and explanations after a hand adjustment."""
    problem = problem_from_dict(run.problem)
    ix = build_index(problem)
    a_pos = {a: i for i, a in enumerate(ix.agency_ids)}
    l_pos = {lot: i for i, lot in enumerate(ix.lot_ids)}
    rows = [
        (
            a_pos[str(line.agency_id)],
            l_pos[_lot_key(line.lot_id, line.site_id, line.location_id)],
            line.quantity_g,
        )
        for line in run.lines.filter(quantity_g__gt=0)
    ]
    a_idx = np.array([r[0] for r in rows], dtype=np.int64)
    l_idx = np.array([r[1] for r in rows], dtype=np.int64)
    grams = np.array([r[2] for r in rows], dtype=np.int64)
    ev = evaluate(ix, run.delta, a_idx, l_idx, grams)
    expl = explain(ix, run.delta, PlanMethod.LP, a_idx, l_idx, grams, ev.period_kg)
    run.explanations = _explanations_json(expl)
    breaches = [
        e
        for e in run.explanations
        if e["level"] == "agency"
        and e["fair_share_kg"] > 0
        and abs(e["allocated_kg"] - e["fair_share_kg"]) > run.delta * e["fair_share_kg"] + 0.01
    ]
    run.metrics = {
        **run.metrics,
        "plan": metrics_to_dict(ev.metrics),
        "hard_band_held": ev.hard_band_held,
        "breaches": [f"{e['id']}:{e['category']}" for e in breaches],
    }
    run.save(update_fields=["metrics", "explanations"])


@transaction.atomic
def line_adjust(*, scope: Scope, line_id: int, quantity_g: int) -> AllocationLine:
    """Change a draft line's grams; re-checks lot availability and receiving room, then
    re-computes the equity measures (breaches are flagged, not refused)."""
    line = (
        AllocationLine.objects.select_for_update()
        .select_related("run", "lot")
        .filter(pk=line_id)
        .first()
    )
    if line is None:
        raise PermissionDenied
    run = AllocationRun.objects.select_for_update().get(pk=line.run_id)
    _run_scope_check(scope, run)
    if run.status != RunStatus.DRAFT:
        raise AllocationFailed(_("Only a draft allocation can be adjusted."))
    if not isinstance(quantity_g, int) or quantity_g < 0:
        raise AllocationFailed(_("The quantity must be zero or more."))
    balance = Balance.objects.filter(
        lot_id=line.lot_id, site_id=line.site_id, location_id=line.location_id
    ).first()
    held = reserved_g([(line.lot_id, line.site_id, line.location_id)]).get(
        (line.lot_id, line.site_id, line.location_id), 0
    )
    others = (
        run.lines.filter(lot_id=line.lot_id, site_id=line.site_id, location_id=line.location_id)
        .exclude(pk=line.pk)
        .aggregate(q=Sum("quantity_g"))["q"]
        or 0
    )
    free = (balance.quantity_g if balance else 0) - held - int(others)
    if quantity_g > free:
        raise AllocationFailed(
            _("Only %(kg)s kg of this lot are free.") % {"kg": f"{max(free, 0) / 1000:.3f}"}
        )
    cap_kg = 0.0
    for a in run.problem.get("agencies", []):
        if a["agency_id"] == str(line.agency_id):
            cap_kg = float(a["capacity_kg"].get(line.lot.storage_class, 0))
    used = (
        run.lines.filter(agency_id=line.agency_id, lot__storage_class=line.lot.storage_class)
        .exclude(pk=line.pk)
        .aggregate(q=Sum("quantity_g"))["q"]
        or 0
    )
    if int(used) + quantity_g > round(cap_kg * 1000):
        raise AllocationFailed(
            _("This agency has room for %(kg)s kg more in this storage class.")
            % {"kg": f"{max(round(cap_kg * 1000) - int(used), 0) / 1000:.3f}"}
        )
    line.quantity_g = quantity_g
    line.adjusted = True
    line.save(update_fields=["quantity_g", "adjusted"])
    _reevaluate(run)
    return line


@transaction.atomic
def run_publish(*, scope: Scope, run_id: int, actor: Any = None) -> AllocationRun:
    """Publish a draft: all lines or none. The stock may have moved since the run, so each
    place is locked (primary-key order) and re-checked; failures are listed."""
    run = AllocationRun.objects.select_for_update().filter(pk=run_id).first()
    if run is None:
        raise PermissionDenied
    _run_scope_check(scope, run)
    if run.status != RunStatus.DRAFT:
        raise AllocationFailed(_("Only a draft allocation can be published."))
    lines = list(run.lines.filter(quantity_g__gt=0).select_related("lot", "agency"))
    need: dict[tuple[int, int, int | None], int] = defaultdict(int)
    for line in lines:
        need[(line.lot_id, line.site_id, line.location_id)] += line.quantity_g
    lot_ids = sorted({k[0] for k in need})
    locked = {
        (b.lot_id, b.site_id, b.location_id): b
        for b in Balance.objects.select_for_update().filter(lot_id__in=lot_ids).order_by("pk")
    }
    today = timezone.localdate()
    ok_lots = set(
        Balance.objects.filter(distributable_q("lot__", on=today), lot_id__in=lot_ids).values_list(
            "lot_id", flat=True
        )
    )
    held = reserved_g(list(need))
    problems: list[str] = []
    for key, grams in sorted(need.items()):
        balance = locked.get(key)
        free = (balance.quantity_g if balance else 0) - held.get(key, 0)
        lot = next(line.lot for line in lines if line.lot_id == key[0])
        if key[0] not in ok_lots:
            problems.append(
                _("Lot %(code)s (%(product)s) may no longer be distributed.")
                % {"code": lot.code, "product": lot.product_name}
            )
        elif free < grams:
            problems.append(
                _("Lot %(code)s (%(product)s): %(need)s kg allocated, %(free)s kg left.")
                % {
                    "code": lot.code,
                    "product": lot.product_name,
                    "need": f"{grams / 1000:.3f}",
                    "free": f"{max(free, 0) / 1000:.3f}",
                }
            )
    if problems:
        raise AllocationFailed(
            _(
                "The stock changed since the run; nothing was published. "
                "Adjust these lines or run again."
            ),
            problems,
        )
    run.status = RunStatus.PUBLISHED
    run.published_at = timezone.now()
    run.save(update_fields=["status", "published_at"])
    agency_ids = {line.agency_id for line in lines}
    transaction.on_commit(
        lambda: notification_send(
            message=_("Your allocation for week %(period)s is published: please confirm it.")
            % {"period": run.period},
            url=reverse("allocation:my_lines"),
            organisation_ids=agency_ids,
        )
    )
    return run


def _answerable(scope: Scope, line_id: int) -> AllocationLine:
    from .selectors import line_get

    line = line_get(scope=scope, pk=line_id)
    if line is None:
        raise PermissionDenied
    if line.run.status != RunStatus.PUBLISHED:
        raise AllocationFailed(_("This allocation is not published yet."))
    if line.status != LineStatus.PROPOSED:
        raise AllocationFailed(_("This line was already answered."))
    return line


@transaction.atomic
def line_confirm(*, scope: Scope, line_id: int, actor: Any = None) -> AllocationLine:
    line = _answerable(scope, line_id)
    line.status = LineStatus.CONFIRMED
    line.answered_at = timezone.now()
    line.save(update_fields=["status", "answered_at"])
    return line


@transaction.atomic
def line_refuse(*, scope: Scope, line_id: int, reason: str, actor: Any = None) -> AllocationLine:
    """Refuse a line: the lot stays in stock and is free for the next run."""
    reason = (reason or "").strip()
    if not reason:
        raise AllocationFailed(_("Please give a reason for the refusal."))
    line = _answerable(scope, line_id)
    line.status = LineStatus.REFUSED
    line.refusal_reason = reason[:200]
    line.answered_at = timezone.now()
    line.save(update_fields=["status", "refusal_reason", "answered_at"])
    return line


@transaction.atomic
def line_deliver(*, scope: Scope, line_id: int, actor: Any = None) -> AllocationLine:
    """Record the delivery of a confirmed line: an issue movement from the hub's stock to the
    agency (idempotent key per line), in the same transaction as the status change."""
    from .selectors import line_get

    line = line_get(scope=scope, pk=line_id)
    if line is None:
        raise PermissionDenied
    hub_org = line.site.organisation
    if not (
        scope.is_superuser
        or hub_org.network_id in scope.admin_network_ids
        or line.site.organisation_id in scope.coordinator_hub_ids
    ):
        raise PermissionDenied
    line = (
        AllocationLine.objects.select_for_update(of=("self",))
        .select_related("lot", "site", "location", "agency")
        .get(pk=line.pk)
    )
    if line.status != LineStatus.CONFIRMED:
        raise AllocationFailed(_("Only a confirmed line can be delivered."))
    try:
        movement_record(
            lot=line.lot,
            kind=MovementKind.ISSUE,
            quantity_g=int(line.quantity_g),
            from_site=line.site,
            from_location=line.location,
            recipient=line.agency,
            reason=_("Fair allocation, week %(period)s") % {"period": line.run.period},
            actor=actor,
            idempotency_key=f"alloc-line-{line.pk}",
        )
    except LedgerError as exc:
        raise AllocationFailed(str(exc.message)) from None
    line.status = LineStatus.DELIVERED
    line.delivered_at = timezone.now()
    line.save(update_fields=["status", "delivered_at"])
    return line
