"""Independent checker of every hard constraint of an allocation plan (pure Python, grams)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

from .model import AllocationPlan, AllocationProblem, LotScope, PlanMethod, StorageClass


class ViolationCode(StrEnum):
    """Which hard constraint an assignment breaks."""

    UNKNOWN_LOT = "unknown_lot"
    UNKNOWN_AGENCY = "unknown_agency"
    NON_POSITIVE_QUANTITY = "non_positive_quantity"
    OVER_SUPPLY = "over_supply"
    OVER_CAPACITY = "over_capacity"
    INELIGIBLE_CATEGORY = "ineligible_category"
    PAST_DLU = "past_dlu"
    OUT_OF_SCOPE = "out_of_scope"
    SPLIT_WHOLE_LOT = "split_whole_lot"
    NOT_WHOLE_UNITS = "not_whole_units"


@dataclass(frozen=True)
class Violation:
    """One broken hard constraint; ``amount_g`` is the excess in grams when meaningful."""

    code: ViolationCode
    message: str
    lot_id: str | None = None
    agency_id: str | None = None
    amount_g: int = 0


def validate_allocation(problem: AllocationProblem, plan: AllocationPlan) -> list[Violation]:
    """Check ``plan`` against the hard constraints of ``problem``; [] means valid.

    Checked: known ids, positive quantities, per-lot supply (grams), receiving capacity per
    agency and storage class (grams, capacity rounded to the gram), eligibility, DLU vs the
    agency's earliest delivery date (and lots past DLU at period start), lot scope (hub/MRC),
    and for whole-lot plans (methods whole_lots, proportional): non-divisible lots go whole to
    a single agency, divisible lots in whole units.  The equity band is soft and not checked.
    Never raises for a plan of the right types.
    """
    out: list[Violation] = []
    lots = {lot.lot_id: lot for lot in problem.lots}
    agencies = {a.agency_id: a for a in problem.agencies}
    mrc = problem.mrc_of_hub
    scope = problem.policy.lot_scope
    per_lot: dict[str, int] = defaultdict(int)
    per_lot_count: dict[str, int] = defaultdict(int)
    per_cap: dict[tuple[str, StorageClass], int] = defaultdict(int)
    whole = plan.method in (PlanMethod.WHOLE_LOTS, PlanMethod.PROPORTIONAL)
    for asg in plan.assignments:
        lot = lots.get(asg.lot_id)
        ag = agencies.get(asg.agency_id)
        if lot is None:
            out.append(Violation(ViolationCode.UNKNOWN_LOT, "unknown lot", asg.lot_id))
            continue
        if ag is None:
            out.append(
                Violation(ViolationCode.UNKNOWN_AGENCY, "unknown agency", None, asg.agency_id)
            )
            continue
        if asg.quantity_g <= 0:
            out.append(
                Violation(
                    ViolationCode.NON_POSITIVE_QUANTITY, "quantity <= 0", lot.lot_id, ag.agency_id
                )
            )
            continue
        per_lot[lot.lot_id] += asg.quantity_g
        per_lot_count[lot.lot_id] += 1
        per_cap[(ag.agency_id, lot.storage_class)] += asg.quantity_g
        if lot.category in ag.ineligible_categories:
            out.append(
                Violation(
                    ViolationCode.INELIGIBLE_CATEGORY,
                    f"{ag.agency_id} cannot use {lot.category}",
                    lot.lot_id,
                    ag.agency_id,
                )
            )
        if lot.dlu is not None and (
            lot.dlu < ag.earliest_delivery or lot.dlu < problem.period_start
        ):
            out.append(
                Violation(
                    ViolationCode.PAST_DLU,
                    f"DLU {lot.dlu} before delivery {ag.earliest_delivery}",
                    lot.lot_id,
                    ag.agency_id,
                )
            )
        if (scope == LotScope.HUB and lot.hub_id != ag.hub_id) or (
            scope == LotScope.MRC and mrc[lot.hub_id] != mrc[ag.hub_id]
        ):
            out.append(
                Violation(ViolationCode.OUT_OF_SCOPE, "lot outside scope", lot.lot_id, ag.agency_id)
            )
        if whole:
            unit = lot.unit_g
            if unit is None and asg.quantity_g != lot.quantity_g:
                out.append(
                    Violation(
                        ViolationCode.SPLIT_WHOLE_LOT, "partial whole lot", lot.lot_id, ag.agency_id
                    )
                )
            if unit is not None and (
                asg.quantity_g % unit != 0
                or (asg.units is not None and asg.units * unit != asg.quantity_g)
            ):
                out.append(
                    Violation(
                        ViolationCode.NOT_WHOLE_UNITS, "not whole units", lot.lot_id, ag.agency_id
                    )
                )
    for lot_id, grams in per_lot.items():
        lot = lots[lot_id]
        if grams > lot.quantity_g:
            out.append(
                Violation(
                    ViolationCode.OVER_SUPPLY,
                    f"{grams} g > {lot.quantity_g} g",
                    lot_id,
                    amount_g=grams - lot.quantity_g,
                )
            )
        if whole and lot.unit_g is None and per_lot_count[lot_id] > 1:
            out.append(
                Violation(ViolationCode.SPLIT_WHOLE_LOT, "whole lot given to several", lot_id)
            )
    for (agency_id, cls), grams in per_cap.items():
        cap = round(agencies[agency_id].capacity_kg.get(cls, 0.0) * 1000.0)
        if grams > cap:
            out.append(
                Violation(
                    ViolationCode.OVER_CAPACITY,
                    f"{cls}: {grams} g > {cap} g",
                    None,
                    agency_id,
                    grams - cap,
                )
            )
    return out
