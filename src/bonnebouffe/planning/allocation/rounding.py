"""From LP group quantities to lots: FEFO disaggregation, whole-lot rounding, baseline.

All quantities here are integer grams; remaining capacity and remaining lot supply are tracked
in grams so every produced plan satisfies supply and capacity exactly.  Eligibility, scope and
expiry hold by construction because lots only go to (agency, group) pairs that the index
allows.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

from . import highs_adapter
from .index import FloatArray, IntArray, ProblemIndex
from .lp import solve_lp
from .model import CATEGORIES, CLASSES

Arrays = tuple[IntArray, IntArray, IntArray, IntArray]  # agency, lot, grams, units (-1 = n/a)


def _pairs_by_group(ix: ProblemIndex) -> list[list[int]]:
    out: list[list[int]] = [[] for _ in range(ix.n_groups)]
    for k, g in enumerate(ix.pg.tolist()):
        out[g].append(k)
    return out


def _pack(rows: list[tuple[int, int, int, int]]) -> Arrays:
    if not rows:
        z = np.zeros(0, dtype=np.int64)
        return z, z.copy(), z.copy(), z.copy()
    arr = np.array(rows, dtype=np.int64)
    return arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3]


def disaggregate_fefo(ix: ProblemIndex, x_kg: FloatArray) -> Arrays:
    """Split LP quantities (kg per agency x group) over the group's lots, oldest lot first.

    Agencies of a group are served in order of earliest delivery date, so the lots closest to
    expiry go to the agencies delivered first.  Lots may be split (fractional plan).
    """
    cap_rem = ix.cap_g.copy()
    rows: list[tuple[int, int, int, int]] = []
    by_group = _pairs_by_group(ix)
    for g, ks in enumerate(by_group):
        live = [k for k in ks if x_kg[k] > 1e-9]
        if not live:
            continue
        cls = int(ix.g_cls[g])
        live.sort(key=lambda k: (int(ix.a_earliest[ix.pa[k]]), int(ix.pa[k])))
        lots = ix.g_lots[g].tolist()
        lot_rem = [int(ix.l_g[i]) for i in lots]
        p = 0
        for k in live:
            a = int(ix.pa[k])
            need = min(round(x_kg[k] * 1000.0), int(cap_rem[a, cls]))
            while need > 0 and p < len(lots):
                take = min(need, lot_rem[p])
                rows.append((a, lots[p], take, -1))
                need -= take
                lot_rem[p] -= take
                cap_rem[a, cls] -= take
                if lot_rem[p] == 0:
                    p += 1
    return _pack(rows)


class _State:
    """Running window totals (kg), capacity (g) and band edges, as Python lists for speed."""

    def __init__(
        self, ix: ProblemIndex, delta: float, total_kg: FloatArray, cap_rem_g: IntArray
    ) -> None:
        lower, upper, banded = ix.band_edges(delta)
        self.total: list[list[float]] = total_kg.tolist()
        self.cap_rem: list[list[int]] = cap_rem_g.tolist()
        self.lower: list[list[float]] = lower.tolist()
        self.upper: list[list[float]] = upper.tolist()
        self.banded: list[list[bool]] = banded.tolist()
        self.penalty = float(ix.problem.policy.slack_penalty_per_kg)

    def slack(self, a: int, c: int) -> float:
        """Band slack (kg) of agency ``a`` in category ``c``."""
        if not self.banded[a][c]:
            return 0.0
        t = self.total[a][c]
        return max(0.0, self.lower[a][c] - t) + max(0.0, t - self.upper[a][c])

    def dslack(self, a: int, c: int, q_kg: float) -> float:
        """Change of band slack (kg) if agency ``a`` gets ``q_kg`` more of category ``c``."""
        if not self.banded[a][c]:
            return 0.0
        t = self.total[a][c]
        lo, up = self.lower[a][c], self.upper[a][c]
        before = max(0.0, lo - t) + max(0.0, t - up)
        after = max(0.0, lo - t - q_kg) + max(0.0, t + q_kg - up)
        return after - before

    def give(self, a: int, c: int, k: int, grams: int) -> None:
        self.total[a][c] += grams / 1000.0
        self.cap_rem[a][k] -= grams


def round_whole_lots(
    ix: ProblemIndex,
    x_kg: FloatArray,
    delta: float,
    *,
    max_passes: int = 6,
    reoptimize: bool = True,
    improve: bool = True,
    max_swaps: int = 500,
) -> Arrays:
    """LP-guided FEFO rounding to whole lots (or whole units of divisible lots).

    1. Whole (non-divisible) lots: per group, the oldest lots covering the group's LP total
       are selected (FEFO); they are placed largest first, each to the allowed agency with
       room whose band slack drops most (or grows least), then the largest remaining LP
       target, then the best coefficient - a best-fit-decreasing packing guided by the LP.
    2. With ``reoptimize`` the LP is re-solved over the divisible lots only (whole lots fixed:
       capacity reduced, window totals increased); divisible lots are then given per group,
       oldest first, in whole units to the agency with the largest remaining new target.
    3. Leftover lots/units, most urgent first, go to the allowed agency with the best
       marginal penalised objective (coef x kg - penalty x extra band slack) if positive.
    4. Repair, up to ``max_passes`` passes: move single lots/units out of pairs above the band
       and into pairs below it, swap two lots when a move is blocked (at most ``max_swaps``
       tries per pair and pass); when no repair move is left and ``improve``, one pass of
       any single move that improves the penalised objective, then repair again.
    Supply and capacity are tracked in grams, so hard constraints hold by construction.
    """
    by_group = _pairs_by_group(ix)
    pa: list[int] = ix.pa.tolist()
    coef: list[float] = ix.coef.tolist()
    g_cat: list[int] = ix.g_cat.tolist()
    g_cls: list[int] = ix.g_cls.tolist()
    l_group: list[int] = ix.l_group.tolist()
    l_unit: list[int] = ix.l_unit_g.tolist()
    l_g: list[int] = ix.l_g.tolist()
    l_exp: list[int] = ix.l_expiry.tolist()
    g_lots: list[list[int]] = [lots.tolist() for lots in ix.g_lots]
    k_of: list[dict[int, int]] = [{pa[k]: k for k in ks} for ks in by_group]
    units_left = [l_g[i] // l_unit[i] if l_unit[i] > 0 else 1 for i in range(len(l_g))]
    alloc: dict[tuple[int, int], int] = {}  # (lot, agency) -> grams
    pen = float(ix.problem.policy.slack_penalty_per_kg)
    withhold = ix.problem.policy.withhold_whole_lots

    # 1. whole lots, FEFO-selected per group, placed largest first (numpy state)
    tgt = np.where(x_kg > 1e-6, x_kg * 1000.0, 0.0)
    total_np = ix.prior_kg.copy()
    cap_np = ix.cap_g.copy()
    lower_np, upper_np, banded_np = ix.band_edges(delta)
    selected: list[int] = []
    for g in range(ix.n_groups):
        total_t = float(tgt[by_group[g]].sum()) if by_group[g] else 0.0
        cum = 0.0
        for lot in g_lots[g]:
            if cum >= total_t - 1e-6:
                break
            q = float(l_g[lot])
            if l_unit[lot] == 0 and cum + q / 2.0 <= total_t:
                selected.append(lot)
            cum += q
    selected.sort(key=lambda i: (-l_g[i], l_exp[i], i))
    ks_np = [np.asarray(ks, dtype=np.int64) for ks in by_group]
    ag_np = [ix.pa[ks] for ks in ks_np]
    for lot in selected:
        g = l_group[lot]
        ks, ags = ks_np[g], ag_np[g]
        if not len(ks):
            continue
        cls, cat = g_cls[g], g_cat[g]
        size = l_g[lot]
        q = size / 1000.0
        room = cap_np[ags, cls] >= size
        if not room.any():
            continue
        ks, ags = ks[room], ags[room]
        t = total_np[ags, cat]
        lo, up = lower_np[ags, cat], upper_np[ags, cat]
        ds = np.where(
            banded_np[ags, cat],
            np.maximum(0.0, lo - t - q)
            + np.maximum(0.0, t + q - up)
            - np.maximum(0.0, lo - t)
            - np.maximum(0.0, t - up),
            0.0,
        )
        order = np.lexsort((ix.coef[ks], np.minimum(tgt[ks], size), -np.round(ds, 6)))
        i = int(order[-1])
        if withhold and ix.coef[ks[i]] * q - pen * ds[i] <= 0:
            continue
        a = int(ags[i])
        total_np[a, cat] += q
        cap_np[a, cls] -= size
        tgt[ks[i]] -= size
        alloc[(lot, a)] = size
        units_left[lot] = 0
    st = _State(ix, delta, total_np, cap_np)

    def give(lot: int, a: int, grams: int) -> None:
        g = l_group[lot]
        st.give(a, g_cat[g], g_cls[g], grams)
        key = (lot, a)
        v = alloc.get(key, 0) + grams
        if v:
            alloc[key] = v
        else:
            del alloc[key]

    target: dict[int, float] = {k: float(tgt[k]) for k in np.flatnonzero(tgt > 1e-3).tolist()}
    # 2. divisible lots against re-optimised targets
    div_lots = np.flatnonzero((ix.l_unit_g > 0) & (ix.l_group >= 0))
    if reoptimize and len(div_lots):
        supply = np.bincount(
            ix.l_group[div_lots], weights=ix.l_g[div_lots], minlength=ix.n_groups
        ).astype(np.int64)
        lp2 = solve_lp(
            ix,
            delta,
            supply_g=supply,
            cap_g=np.array(st.cap_rem, dtype=np.int64),
            prior_kg=np.array(st.total, dtype=np.float64),
        )
        if lp2 is not None:
            target = {k: lp2.x_kg[k] * 1000.0 for k in np.flatnonzero(lp2.x_kg > 1e-6).tolist()}
    for g in sorted(range(ix.n_groups), key=lambda g: (int(ix.g_bucket[g]), g)):
        support = [k for k in by_group[g] if target.get(k, 0.0) > 1e-3]
        if not support:
            continue
        cls, cat = g_cls[g], g_cat[g]
        for lot in ix.g_lots[g].tolist():
            unit = l_unit[lot]
            if unit == 0:
                continue
            while units_left[lot] > 0:
                best, best_r = -1, -1.0
                for k in support:
                    if st.cap_rem[pa[k]][cls] >= unit and target[k] > best_r:
                        best, best_r = k, target[k]
                if best < 0 or best_r < unit / 2.0:
                    break
                room = st.cap_rem[pa[best]][cls] // unit
                n_units = min(units_left[lot], max(1, round(best_r / unit)), room)
                give(lot, pa[best], n_units * unit)
                target[best] -= n_units * unit
                units_left[lot] -= n_units
    # 3. leftovers, most urgent first
    left = [i for i in range(len(l_g)) if l_group[i] >= 0 and units_left[i] > 0]
    left.sort(key=lambda i: (int(ix.l_bucket[i]), l_exp[i], i))
    for lot in left:
        g = l_group[lot]
        cls, cat = g_cls[g], g_cat[g]
        size = l_unit[lot] or l_g[lot]
        q = size / 1000.0
        while units_left[lot] > 0:
            best, best_gain = -1, 1e-9 if withhold else -math.inf
            for k in by_group[g]:
                a = pa[k]
                if st.cap_rem[a][cls] < size:
                    continue
                gain = coef[k] * q - pen * st.dslack(a, cat, q)
                if gain > best_gain:
                    best, best_gain = k, gain
            if best < 0:
                break
            give(lot, pa[best], size)
            units_left[lot] -= 1
    # 4. repair
    tol = 1e-6

    def best_move(lot: int, a0: int, only: int = -1) -> int:
        g = l_group[lot]
        cls, cat = g_cls[g], g_cat[g]
        size = l_unit[lot] or alloc[(lot, a0)]
        q = size / 1000.0
        kg = k_of[g]
        out_gain = -coef[kg[a0]] * q - pen * st.dslack(a0, cat, -q)
        best, best_gain = -1, tol
        cap_rem, total, lower, upper, banded = st.cap_rem, st.total, st.lower, st.upper, st.banded
        items = [(only, kg[only])] if only >= 0 and only in kg else kg.items()
        for b, k in items:
            if b == a0 or cap_rem[b][cls] < size:
                continue
            gain = out_gain + coef[k] * q
            if banded[b][cat]:
                t, lo, up = total[b][cat], lower[b][cat], upper[b][cat]
                after = max(0.0, lo - t - q) + max(0.0, t + q - up)
                gain -= pen * (after - max(0.0, lo - t) - max(0.0, t - up))
            if gain > best_gain:
                best, best_gain = b, gain
        return best

    def move(lot: int, a0: int, b: int) -> None:
        size = l_unit[lot] or alloc[(lot, a0)]
        give(lot, a0, -size)
        give(lot, b, size)

    def try_swap(lot1: int, b: int, a: int) -> bool:
        """Give a chunk of lot1 from b to a and a chunk of one of a's lots back to b."""
        g1 = l_group[lot1]
        k1a = k_of[g1].get(a)
        if k1a is None:
            return False
        cls = g_cls[g1]
        size1 = l_unit[lot1] or alloc[(lot1, b)]
        need = size1 - st.cap_rem[a][cls]
        c1 = g_cat[g1]
        k1b = k_of[g1][b]
        for lot2 in held.get((a, cls), ()):
            grams2 = alloc.get((lot2, a), 0)
            if grams2 <= 0 or lot2 == lot1:
                continue
            g2 = l_group[lot2]
            k2b = k_of[g2].get(b)
            if k2b is None:
                continue
            size2 = l_unit[lot2] or grams2
            if size2 < need or st.cap_rem[b][cls] + size1 < size2:
                continue
            c2 = g_cat[g2]
            q1, q2 = size1 / 1000.0, size2 / 1000.0
            change: dict[tuple[int, int], float] = {}
            for cell, dq in (((a, c1), q1), ((b, c1), -q1), ((a, c2), -q2), ((b, c2), q2)):
                change[cell] = change.get(cell, 0.0) + dq
            dslack_total = 0.0
            for (x, y), dq in change.items():
                dslack_total += st.dslack(x, y, dq)
            dv = (coef[k1a] - coef[k1b]) * q1 + (coef[k2b] - coef[k_of[g2][a]]) * q2
            if dv - pen * dslack_total > tol:
                give(lot1, b, -size1)
                give(lot2, a, -size2)
                give(lot1, a, size1)
                give(lot2, b, size2)
                return True
        return False

    groups_of_cat: list[list[int]] = [[] for _ in CATEGORIES]
    for g in range(ix.n_groups):
        groups_of_cat[g_cat[g]].append(g)
    held: dict[tuple[int, int], list[int]] = {}
    improved = False
    for _ in range(max_passes):
        moved = 0
        for lot, a0 in list(alloc):
            if (lot, a0) not in alloc:
                continue
            cat = g_cat[l_group[lot]]
            if st.banded[a0][cat] and st.total[a0][cat] > st.upper[a0][cat] + tol:
                b = best_move(lot, a0)
                if b >= 0:
                    move(lot, a0, b)
                    moved += 1
                    continue
                # nobody can take it: hand it back if the band penalty outweighs its value
                size = l_unit[lot] or alloc[(lot, a0)]
                q = size / 1000.0
                g = l_group[lot]
                if withhold and -coef[k_of[g][a0]] * q - pen * st.dslack(a0, cat, -q) > tol:
                    give(lot, a0, -size)
                    units_left[lot] += 1
                    moved += 1
        below = [
            (a, c)
            for a in range(ix.n)
            for c in range(len(CATEGORIES))
            if st.banded[a][c] and st.total[a][c] < st.lower[a][c] - tol
        ]
        if below:
            by_group_held: dict[int, list[tuple[int, int]]] = {}
            held.clear()
            free: dict[int, list[int]] = {}
            for g, lots_g in enumerate(g_lots):
                left_g = [lot for lot in lots_g if units_left[lot] > 0]
                if left_g:
                    free[g] = left_g
            for lot, a0 in alloc:
                g = l_group[lot]
                by_group_held.setdefault(g, []).append((lot, a0))
                held.setdefault((a0, g_cls[g]), []).append(lot)
            for a, c in below:
                donors = [
                    e for g in groups_of_cat[c] if a in k_of[g] for e in by_group_held.get(g, ())
                ]
                for g in groups_of_cat[c]:
                    ka = k_of[g].get(a)
                    if ka is None or g not in free:
                        continue
                    cls = g_cls[g]
                    for lot in free[g]:
                        size = l_unit[lot] or l_g[lot]
                        q = size / 1000.0
                        while (
                            units_left[lot] > 0
                            and st.cap_rem[a][cls] >= size
                            and coef[ka] * q - pen * st.dslack(a, c, q) > tol
                        ):
                            give(lot, a, size)
                            units_left[lot] -= 1
                            moved += 1
                swaps_left = max_swaps
                for lot, a0 in donors:
                    if st.total[a][c] >= st.lower[a][c] - tol:
                        break
                    if a0 == a or (lot, a0) not in alloc:
                        continue
                    if best_move(lot, a0, only=a) >= 0:
                        move(lot, a0, a)
                        moved += 1
                    elif swaps_left > 0:
                        swaps_left -= 1
                        if try_swap(lot, a0, a):
                            moved += 1
        if not moved:
            if improved or not improve:
                break
            # one pass of any improving single move (value and band), then repair again
            improved = True
            for lot, a0 in list(alloc):
                if (lot, a0) in alloc:
                    b = best_move(lot, a0)
                    if b >= 0:
                        move(lot, a0, b)
    rows = [
        (a, lot, grams, grams // l_unit[lot] if l_unit[lot] > 0 else -1)
        for (lot, a), grams in sorted(alloc.items())
        if grams > 0
    ]
    return _pack(rows)


def proportional_baseline(ix: ProblemIndex) -> Arrays:
    """Baseline: each lot whole, oldest first, to the agency furthest below its fair share.

    "Furthest below" = lowest window fill rate (received / fair share) among agencies allowed
    to receive the lot (eligibility, scope, DLU) that have room for the whole lot; ties go to
    the first agency in problem order.  Ignores nutrition, urgency and transport cost.
    """
    cap_rem = ix.cap_g.copy()
    total = ix.prior_kg.copy()
    fair = np.where(ix.fair_kg > 1e-9, ix.fair_kg, 1e-9)
    by_group = [np.asarray(ks, dtype=np.int64) for ks in _pairs_by_group(ix)]
    cand_a = [ix.pa[ks] for ks in by_group]
    live = np.flatnonzero(ix.l_group >= 0)
    order = live[np.lexsort((live, ix.l_expiry[live]))]
    rows: list[tuple[int, int, int, int]] = []
    for lot in order.tolist():
        g = int(ix.l_group[lot])
        agencies = cand_a[g]
        if not len(agencies):
            continue
        cls, cat, q = int(ix.g_cls[g]), int(ix.g_cat[g]), int(ix.l_g[lot])
        room = cap_rem[agencies, cls] >= q
        if not room.any():
            continue
        ratio = np.where(room, total[agencies, cat] / fair[agencies, cat], np.inf)
        a = int(agencies[int(np.argmin(ratio))])
        unit = int(ix.l_unit_g[lot])
        rows.append((a, lot, q, q // unit if unit > 0 else -1))
        cap_rem[a, cls] -= q
        total[a, cat] += q / 1000.0
    return _pack(rows)


def round_milp(
    ix: ProblemIndex,
    x_kg: FloatArray,
    delta: float,
    *,
    time_limit_s: float = 10.0,
    widen: bool = True,
) -> Arrays | None:
    """Whole-lot rounding as a MILP over (lot x candidate agency), HiGHS with a time limit.

    Candidates of a lot are the agencies the LP supplies from the lot's group; with ``widen``
    also every agency the LP supplies in the same category and storage class (allowed for the
    group).  Integer y[l, a] counts whole lots (0/1) or units.  Returns None if HiGHS found no
    solution in time.
    """
    C, K = len(CATEGORIES), len(CLASSES)
    n = ix.n
    support = x_kg > 1e-6
    allowed_pairs = {(int(ix.pa[k]), int(ix.pg[k])): k for k in range(len(ix.pa))}
    sup_by_group: dict[int, set[int]] = {}
    sup_by_ck: dict[tuple[int, int], set[int]] = {}
    for k in np.flatnonzero(support).tolist():
        g, a = int(ix.pg[k]), int(ix.pa[k])
        sup_by_group.setdefault(g, set()).add(a)
        sup_by_ck.setdefault((int(ix.g_cat[g]), int(ix.g_cls[g])), set()).add(a)
    cand: dict[int, list[tuple[int, int]]] = {}  # group -> [(agency, pair k)]
    for g in range(ix.n_groups):
        agencies = set(sup_by_group.get(g, set()))
        if widen:
            agencies |= sup_by_ck.get((int(ix.g_cat[g]), int(ix.g_cls[g])), set())
        cand[g] = sorted((a, allowed_pairs[(a, g)]) for a in agencies if (a, g) in allowed_pairs)
    v_lot: list[int] = []
    v_ag: list[int] = []
    v_k: list[int] = []
    for lot in np.flatnonzero(ix.l_group >= 0).tolist():
        for a, k in cand[int(ix.l_group[lot])]:
            v_lot.append(lot)
            v_ag.append(a)
            v_k.append(k)
    lot_arr = np.array(v_lot, dtype=np.int64)
    ag_arr = np.array(v_ag, dtype=np.int64)
    k_arr = np.array(v_k, dtype=np.int64)
    V = len(lot_arr)
    size_g = np.where(ix.l_unit_g[lot_arr] > 0, ix.l_unit_g[lot_arr], ix.l_g[lot_arr])
    units = np.where(ix.l_unit_g > 0, ix.l_g // np.maximum(ix.l_unit_g, 1), 1)
    lower, upper, banded = ix.band_edges(delta)
    band_pairs = np.flatnonzero(banded.ravel())
    B = len(band_pairs)
    bidx = np.full(n * C, -1, dtype=np.int64)
    bidx[band_pairs] = np.arange(B)
    kb = bidx[ag_arr * C + ix.l_cat[lot_arr]]
    has = np.flatnonzero(kb >= 0)
    L = len(ix.l_g)
    r_cap, r_lo = L, L + n * K
    r_hi = r_lo + B
    kg = size_g / 1000.0
    ar_v, ar_b = np.arange(V), np.arange(B)
    rows = np.concatenate(
        [
            lot_arr,
            r_cap + ag_arr * K + ix.l_cls[lot_arr],
            r_lo + kb[has],
            r_hi + kb[has],
            r_lo + ar_b,
            r_hi + ar_b,
        ]
    )
    cols = np.concatenate([ar_v, ar_v, has, has, V + ar_b, V + B + ar_b])
    vals = np.concatenate([np.ones(V), kg, -kg[has], kg[has], -np.ones(2 * B)])
    a_ub = sp.csr_matrix((vals, (rows, cols)), shape=(r_hi + B, V + 2 * B))
    prior = ix.prior_kg.ravel()[band_pairs]
    b_ub = np.concatenate(
        [
            units.astype(np.float64),
            ix.cap_g.ravel() / 1000.0,
            prior - lower.ravel()[band_pairs],
            upper.ravel()[band_pairs] - prior,
        ]
    )
    penalty = ix.problem.policy.slack_penalty_per_kg
    c = np.concatenate([-ix.coef[k_arr] * kg, np.full(2 * B, penalty)])
    lo = np.zeros(V + 2 * B)
    up = np.concatenate([units[lot_arr].astype(np.float64), np.full(2 * B, np.inf)])
    integrality = np.concatenate([np.ones(V, dtype=np.int64), np.zeros(2 * B, dtype=np.int64)])
    res = highs_adapter.solve_milp(c, a_ub, b_ub, lo, up, integrality, time_limit_s=time_limit_s)
    if not res.ok:
        return None
    y = np.round(res.x[:V]).astype(np.int64)
    keep = np.flatnonzero(y > 0)
    grams = y[keep] * size_g[keep]
    u = np.where(ix.l_unit_g[lot_arr[keep]] > 0, y[keep], -1)
    return ag_arr[keep], lot_arr[keep], grams.astype(np.int64), u.astype(np.int64)
