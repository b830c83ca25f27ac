"""Array view of an :class:`AllocationProblem` and the supply-group aggregation.

Lots are aggregated into *supply groups* keyed by (hub, category, storage class, feasibility
rank, urgency bucket).  The feasibility rank of a lot is the number of distinct agency
earliest-delivery dates that are <= its DLU, so two lots of a group are deliverable to exactly
the same agencies; with the urgency bucket they also have the same objective coefficient.  The
LP over (agency x group) is therefore *exactly* the LP over (agency x lot), only smaller.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .model import CATEGORIES, CLASSES, AllocationProblem, LotScope

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

NO_DATE = 10**9  # ordinal used for "no date" (later than any real date)


@dataclass
class ProblemIndex:
    """Numpy arrays describing a problem (agencies ``n``, lots ``L``, groups ``G``)."""

    problem: AllocationProblem
    agency_ids: list[str]
    lot_ids: list[str]
    hub_ids: list[str]
    mrc_ids: list[str]
    need: FloatArray  # (n,) need weights, persons
    a_hub: IntArray  # (n,)
    a_mrc: IntArray  # (n,)
    a_erank: IntArray  # (n,) rank of earliest delivery date among distinct dates
    a_earliest: IntArray  # (n,) ordinal of earliest delivery date
    a_tcost: FloatArray  # (n,) transport cost per kg
    elig: BoolArray  # (n, C)
    prior_kg: FloatArray  # (n, C) received in previous weeks of the window
    cap_g: IntArray  # (n, K) receiving capacity, grams
    hub_mrc: IntArray  # (H,)
    l_hub: IntArray
    l_cat: IntArray
    l_cls: IntArray
    l_g: IntArray  # lot size, grams
    l_unit_g: IntArray  # unit size grams (0 if not divisible)
    l_dlu: IntArray  # ordinal (NO_DATE if none)
    l_expiry: IntArray  # ordinal of min(dlu, best_before) (NO_DATE if none)
    l_expired: BoolArray  # DLU before period start
    l_bucket: IntArray
    l_group: IntArray  # -1 for expired lots
    g_hub: IntArray
    g_cat: IntArray
    g_cls: IntArray
    g_feas: IntArray
    g_bucket: IntArray
    g_supply_g: IntArray
    g_lots: list[IntArray]  # lot indices of each group, FEFO order
    supply_kg: FloatArray  # (C,) available this period
    fair_kg: FloatArray  # (n, C) fair share over the window
    nutrition: FloatArray  # (C,)
    urgency: FloatArray  # (B,)
    inter_hub_cost: float
    # allowed (agency, group) pairs and their objective coefficient per kg
    pa: IntArray
    pg: IntArray
    coef: FloatArray

    @property
    def n(self) -> int:
        return len(self.agency_ids)

    @property
    def n_groups(self) -> int:
        return len(self.g_hub)

    def lot_coef(self, agency: IntArray, lot: IntArray) -> FloatArray:
        """Objective coefficient per kg of giving lots ``lot`` to agencies ``agency``."""
        cat = self.l_cat[lot]
        val = self.nutrition[cat] * self.urgency[self.l_bucket[lot]] - self.a_tcost[agency]
        if self.inter_hub_cost:
            val = val - self.inter_hub_cost * (self.a_hub[agency] != self.l_hub[lot])
        return np.asarray(val, dtype=np.float64)

    def allowed_matrix(
        self, *, ignore_expiry: bool = False, ignore_capacity: bool = False
    ) -> BoolArray:
        """(n, G) mask of agency/group pairs allowed by eligibility, scope, expiry, capacity."""
        m = self.elig[:, self.g_cat]
        if not ignore_expiry:
            m = m & (self.a_erank[:, None] < self.g_feas[None, :])
        if not ignore_capacity:
            m = m & (self.cap_g[:, self.g_cls] > 0)
        scope = self.problem.policy.lot_scope
        if scope == LotScope.MRC:
            m = m & (self.a_mrc[:, None] == self.hub_mrc[self.g_hub][None, :])
        elif scope == LotScope.HUB:
            m = m & (self.a_hub[:, None] == self.g_hub[None, :])
        return np.asarray(m, dtype=np.bool_)

    def band_edges(self, delta: float) -> tuple[FloatArray, FloatArray, BoolArray]:
        """Lower/upper band edges over the window (kg) and the mask of banded pairs."""
        banded = self.elig & (self.fair_kg > 1e-9)
        if math.isinf(delta):
            lower = np.zeros_like(self.fair_kg)
            upper = np.full_like(self.fair_kg, np.inf)
            return lower, upper, np.zeros_like(banded)
        lower = np.maximum(0.0, 1.0 - delta) * self.fair_kg
        upper = (1.0 + delta) * self.fair_kg
        return lower, upper, banded


def build_index(problem: AllocationProblem) -> ProblemIndex:
    """Build the array view and supply groups of ``problem`` (pure, O(n x G) memory)."""
    pol = problem.policy
    cat_pos = {c: i for i, c in enumerate(CATEGORIES)}
    cls_pos = {c: i for i, c in enumerate(CLASSES)}
    hub_ids = [h.hub_id for h in problem.hubs]
    hub_pos = {h: i for i, h in enumerate(hub_ids)}
    mrc_ids = sorted({h.mrc_id for h in problem.hubs})
    mrc_pos = {m: i for i, m in enumerate(mrc_ids)}
    hub_mrc = np.array([mrc_pos[h.mrc_id] for h in problem.hubs], dtype=np.int64)
    C, K = len(CATEGORIES), len(CLASSES)

    ags = problem.agencies
    n = len(ags)
    need = np.array([a.need_weight for a in ags], dtype=np.float64)
    a_hub = np.array([hub_pos[a.hub_id] for a in ags], dtype=np.int64)
    a_mrc = hub_mrc[a_hub]
    a_earliest = np.array([a.earliest_delivery.toordinal() for a in ags], dtype=np.int64)
    dates = np.unique(a_earliest)
    a_erank = np.searchsorted(dates, a_earliest).astype(np.int64)
    a_tcost = np.array([a.transport_cost_per_kg for a in ags], dtype=np.float64)
    elig = np.ones((n, C), dtype=np.bool_)
    prior = np.zeros((n, C), dtype=np.float64)
    cap_g = np.zeros((n, K), dtype=np.int64)
    for i, a in enumerate(ags):
        for c in a.ineligible_categories:
            elig[i, cat_pos[c]] = False
        for c, v in a.prior_received_kg.items():
            prior[i, cat_pos[c]] = v
        for k, v in a.capacity_kg.items():
            cap_g[i, cls_pos[k]] = round(v * 1000.0)

    lots = problem.lots
    start = problem.period_start.toordinal()
    l_hub = np.array([hub_pos[x.hub_id] for x in lots], dtype=np.int64)
    l_cat = np.array([cat_pos[x.category] for x in lots], dtype=np.int64)
    l_cls = np.array([cls_pos[x.storage_class] for x in lots], dtype=np.int64)
    l_g = np.array([x.quantity_g for x in lots], dtype=np.int64)
    l_unit = np.array([x.unit_g or 0 for x in lots], dtype=np.int64)
    l_dlu = np.array(
        [x.dlu.toordinal() if x.dlu is not None else NO_DATE for x in lots], dtype=np.int64
    )
    l_exp = np.array(
        [e.toordinal() if (e := x.expiry) is not None else NO_DATE for x in lots], dtype=np.int64
    )
    l_expired = l_dlu < start
    bounds = np.array(pol.urgency_bucket_days, dtype=np.int64)
    days = l_exp - start
    l_bucket = np.where(
        l_exp >= NO_DATE, len(bounds), np.searchsorted(bounds, days, side="right")
    ).astype(np.int64)
    l_feas = np.searchsorted(dates, l_dlu, side="right").astype(np.int64)
    n_b = len(bounds) + 1
    n_f = len(dates) + 1
    key = (((l_hub * C + l_cat) * K + l_cls) * n_f + l_feas) * n_b + l_bucket
    l_group = np.full(len(lots), -1, dtype=np.int64)
    live = np.flatnonzero(~l_expired)
    if len(live):
        ukeys, inv = np.unique(key[live], return_inverse=True)
        l_group[live] = inv
    else:
        ukeys = np.zeros(0, dtype=np.int64)
    rest = ukeys.copy()
    g_bucket = rest % n_b
    rest //= n_b
    g_feas = rest % n_f
    rest //= n_f
    g_cls = rest % K
    rest //= K
    g_cat = rest % C
    g_hub = rest // C
    G = len(ukeys)
    g_supply_g = np.bincount(l_group[live], weights=l_g[live], minlength=G).astype(np.int64)
    order = np.lexsort((np.arange(len(lots)), l_exp, l_group))
    order = order[l_group[order] >= 0]
    splits = np.searchsorted(l_group[order], np.arange(1, G))
    g_lots = [np.asarray(s, dtype=np.int64) for s in np.split(order, splits)] if G else []

    supply_kg = np.zeros(C, dtype=np.float64)
    np.add.at(supply_kg, l_cat[live], l_g[live] / 1000.0)
    prior_supply = np.array(
        [problem.window_prior_supply_kg.get(c, 0.0) for c in CATEGORIES], dtype=np.float64
    )
    weights = need[:, None] * elig
    denom = weights.sum(axis=0)
    share = np.divide(weights, denom[None, :], out=np.zeros_like(weights), where=denom > 0)
    fair = share * (prior_supply + supply_kg)[None, :]

    nutrition = np.array([pol.nutrition_weight[c] for c in CATEGORIES], dtype=np.float64)
    urgency = np.array(pol.urgency_weights, dtype=np.float64)
    ix = ProblemIndex(
        problem=problem,
        agency_ids=[a.agency_id for a in ags],
        lot_ids=[x.lot_id for x in lots],
        hub_ids=hub_ids,
        mrc_ids=mrc_ids,
        need=need,
        a_hub=a_hub,
        a_mrc=a_mrc,
        a_erank=a_erank,
        a_earliest=a_earliest,
        a_tcost=a_tcost,
        elig=elig,
        prior_kg=prior,
        cap_g=cap_g,
        hub_mrc=hub_mrc,
        l_hub=l_hub,
        l_cat=l_cat,
        l_cls=l_cls,
        l_g=l_g,
        l_unit_g=l_unit,
        l_dlu=l_dlu,
        l_expiry=l_exp,
        l_expired=l_expired,
        l_bucket=l_bucket,
        l_group=l_group,
        g_hub=g_hub,
        g_cat=g_cat,
        g_cls=g_cls,
        g_feas=g_feas,
        g_bucket=g_bucket,
        g_supply_g=g_supply_g,
        g_lots=g_lots,
        supply_kg=supply_kg,
        fair_kg=fair,
        nutrition=nutrition,
        urgency=urgency,
        inter_hub_cost=float(pol.inter_hub_cost_per_kg),
        pa=np.zeros(0, dtype=np.int64),
        pg=np.zeros(0, dtype=np.int64),
        coef=np.zeros(0, dtype=np.float64),
    )
    if G:
        pa, pg = np.nonzero(ix.allowed_matrix())
        ix.pa = pa.astype(np.int64)
        ix.pg = pg.astype(np.int64)
        coef = nutrition[g_cat[pg]] * urgency[g_bucket[pg]] - a_tcost[pa]
        if ix.inter_hub_cost:
            coef = coef - ix.inter_hub_cost * (a_hub[pa] != g_hub[pg])
        ix.coef = coef
    return ix
