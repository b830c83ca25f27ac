"""Equity measures, objective evaluation and binding-reason explanations of a plan.

Plans are handled here as parallel arrays ``(agency index, lot index, grams)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .index import BoolArray, FloatArray, IntArray, ProblemIndex
from .model import CATEGORIES, CLASSES, BindingReason, EquityMetrics, Explanation, PlanMethod

TOL_KG = 1e-3
# band "held" tolerance: gram rounding of LP quantities (<= 0.5 g per supply group)
HELD_ABS_KG = 0.01
HELD_REL = 1e-4


@dataclass(frozen=True)
class Evaluation:
    """Objective and measures of a set of assignments."""

    metrics: EquityMetrics
    objective: float  # weighted value - penalty x band slack kg
    value: float  # weighted value
    hard_band_held: bool
    period_kg: FloatArray  # (n, C) kg this period


def period_matrix(
    ix: ProblemIndex, a_idx: IntArray, l_idx: IntArray, grams: IntArray
) -> FloatArray:
    """(n, C) kilograms allocated this period per agency and category."""
    out = np.zeros((ix.n, len(CATEGORIES)), dtype=np.float64)
    if len(a_idx):
        np.add.at(out, (a_idx, ix.l_cat[l_idx]), grams / 1000.0)
    return out


def gini(values: FloatArray) -> float:
    """Gini coefficient of non-negative ``values`` (0 = perfect equality)."""
    v = np.sort(np.asarray(values, dtype=np.float64))
    n = len(v)
    total = v.sum()
    if n == 0 or total <= 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float((2.0 * (ranks * v).sum()) / (n * total) - (n + 1.0) / n)


def envy(per_person: FloatArray, elig: BoolArray) -> float:
    """Max over ordered pairs (a, b) of b's minus a's per-person kg in a's eligible categories.

    ``per_person`` is (n, C) kg per need-weighted person.  Clipped at 0.
    """
    if per_person.shape[0] < 2:
        return 0.0
    patterns, inverse = np.unique(elig, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).reshape(-1)
    best = 0.0
    for p in range(patterns.shape[0]):
        seen = per_person @ patterns[p].astype(np.float64)
        own = seen[inverse == p]
        best = max(best, float(seen.max() - own.min()))
    return max(0.0, best)


def evaluate(
    ix: ProblemIndex, delta: float, a_idx: IntArray, l_idx: IntArray, grams: IntArray
) -> Evaluation:
    """Compute the objective and :class:`EquityMetrics` of assignments (grams)."""
    period = period_matrix(ix, a_idx, l_idx, grams)
    total = ix.prior_kg + period
    lower, upper, banded = ix.band_edges(delta)
    slack = np.where(banded, np.maximum(0.0, lower - total) + np.maximum(0.0, total - upper), 0.0)
    band_slack = float(slack.sum())
    value = float((ix.lot_coef(a_idx, l_idx) * grams / 1000.0).sum()) if len(a_idx) else 0.0
    penalty = ix.problem.policy.slack_penalty_per_kg
    fair = ix.fair_kg
    scored = ix.elig & (fair > 1e-9)
    if scored.any():
        rel = np.abs(total[scored] - fair[scored]) / fair[scored]
        max_dev = float(rel.max())
        min_fill = float((total[scored] / fair[scored]).min())
    else:
        max_dev, min_fill = 0.0, 1.0
    per_person = total / ix.need[:, None]
    pp_total = per_person.sum(axis=1)
    mean_pp = float(pp_total.mean())
    env = envy(per_person, ix.elig)
    distributed = float(grams.sum()) / 1000.0 if len(grams) else 0.0
    available = float(ix.supply_kg.sum())
    metrics = EquityMetrics(
        max_relative_deviation=max_dev,
        min_fill_rate=min_fill,
        gini_per_person=gini(pp_total),
        envy_kg_per_person=env,
        envy_relative=env / mean_pp if mean_pp > 0 else 0.0,
        distributed_kg=distributed,
        available_kg=available,
        undistributed_kg=max(0.0, available - distributed),
        weighted_value=value,
        band_slack_kg=band_slack,
    )
    held = bool((slack <= HELD_ABS_KG + HELD_REL * ix.fair_kg).all())
    return Evaluation(metrics, value - penalty * band_slack, value, held, period)


def explain(
    ix: ProblemIndex,
    delta: float,
    method: PlanMethod,
    a_idx: IntArray,
    l_idx: IntArray,
    grams: IntArray,
    period: FloatArray,
) -> tuple[Explanation, ...]:
    """Fair share vs allocation per agency and MRC per category, with the binding reason.

    Reasons come from direct checks against the plan's residuals, which for the LP plan are the
    row slacks of the LP (a row with zero slack is the one that binds):
    eligibility -> below the band: capacity (no room left in any class where reachable supply
    remains) / cost (room and reachable supply remained) / expiry (only lots past DLU for the
    agency's delivery date remain) / supply (nothing reachable remains) -> at the upper band edge
    while reachable supply remained: equity -> otherwise none.
    """
    C, K = len(CATEGORIES), len(CLASSES)
    G = ix.n_groups
    used_g = np.zeros(G, dtype=np.float64)
    cap_used = np.zeros((ix.n, K), dtype=np.float64)
    assigned_lot = np.zeros(len(ix.lot_ids), dtype=np.float64)
    if len(a_idx):
        np.add.at(used_g, ix.l_group[l_idx], grams)
        np.add.at(cap_used, (a_idx, ix.l_cls[l_idx]), grams)
        np.add.at(assigned_lot, l_idx, grams)
    rem_g = np.maximum(0.0, ix.g_supply_g - used_g) / 1000.0  # kg
    cap_rem = (ix.cap_g - cap_used) / 1000.0
    # threshold under which remaining room counts as "full"
    thr = np.full((C, K), TOL_KG)
    if method != PlanMethod.LP:
        left = (assigned_lot == 0) & (ix.l_group >= 0)
        size = np.where(ix.l_unit_g > 0, ix.l_unit_g, ix.l_g) / 1000.0
        for c in range(C):
            for k in range(K):
                m = left & (ix.l_cat == c) & (ix.l_cls == k)
                if m.any():
                    thr[c, k] = float(size[m].min())
    ck = ix.g_cat * K + ix.g_cls
    onehot = (
        sp.csr_matrix((rem_g, (np.arange(G), ck)), shape=(G, C * K))
        if G
        else sp.csr_matrix((0, C * K))
    )

    def reach(mask: BoolArray) -> FloatArray:
        r, c = np.nonzero(mask)
        m = sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(ix.n, G))
        return np.asarray((m @ onehot).todense()).reshape(ix.n, C, K)

    rem_reach = reach(ix.allowed_matrix(ignore_capacity=True)) if G else np.zeros((ix.n, C, K))
    rem_noexp = (
        reach(ix.allowed_matrix(ignore_capacity=True, ignore_expiry=True)).sum(axis=2)
        if G
        else np.zeros((ix.n, C))
    )
    total = ix.prior_kg + period
    fair = ix.fair_kg
    finite = not math.isinf(delta)
    ref = (1.0 - min(delta, 1.0)) * fair if finite else fair
    upper = (1.0 + delta) * fair if finite else np.full_like(fair, np.inf)
    reasons = np.empty((ix.n, C), dtype=object)
    for a in range(ix.n):
        for c in range(C):
            if not ix.elig[a, c]:
                reasons[a, c] = BindingReason.ELIGIBILITY
                continue
            rr = rem_reach[a, c]
            if total[a, c] < ref[a, c] - TOL_KG:
                if rr.sum() > TOL_KG:
                    ks = np.flatnonzero(rr > TOL_KG)
                    full = all(cap_rem[a, k] < thr[c, k] for k in ks)
                    reasons[a, c] = BindingReason.CAPACITY if full else BindingReason.COST
                elif rem_noexp[a, c] > TOL_KG:
                    reasons[a, c] = BindingReason.EXPIRY
                else:
                    reasons[a, c] = BindingReason.SUPPLY
            elif finite and total[a, c] >= upper[a, c] - TOL_KG and rr.sum() > TOL_KG:
                reasons[a, c] = BindingReason.EQUITY
            else:
                reasons[a, c] = BindingReason.NONE
    out: list[Explanation] = []
    for a in range(ix.n):
        for c in range(C):
            out.append(
                Explanation(
                    "agency",
                    ix.agency_ids[a],
                    CATEGORIES[c],
                    float(fair[a, c]),
                    float(total[a, c]),
                    float(period[a, c]),
                    reasons[a, c],
                )
            )
    for m, mrc in enumerate(ix.mrc_ids):
        members = np.flatnonzero(ix.a_mrc == m)
        if not len(members):
            continue
        for c in range(C):
            f = float(fair[members, c].sum())
            t = float(total[members, c].sum())
            shortfall = np.maximum(0.0, ref[members, c] - total[members, c])
            reason = BindingReason.NONE
            if f > 0 and t < float(ref[members, c].sum()) - TOL_KG and shortfall.max() > 0:
                reason = reasons[members[int(shortfall.argmax())], c]
            elif not ix.elig[members, c].any():
                reason = BindingReason.ELIGIBILITY
            out.append(
                Explanation(
                    "mrc", mrc, CATEGORIES[c], f, t, float(period[members, c].sum()), reason
                )
            )
    return tuple(out)
