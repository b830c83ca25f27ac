"""The equity-banded LP over (agency x supply group) pairs, built with scipy.sparse.

Variables: x[a, g] >= 0 kg for allowed pairs, then lo[b], hi[b] >= 0 kg band slacks for each
banded (agency, category) b.  Rows: group supply, capacity per (agency, class), lower band
(-sum x - lo <= prior - (1 - delta) F), upper band (sum x - hi <= (1 + delta) F - prior).
Objective (minimisation form): -coef @ x + penalty x (lo + hi).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from . import highs_adapter
from .errors import AllocationError, ErrorCode
from .index import FloatArray, IntArray, ProblemIndex
from .model import CATEGORIES, CLASSES


@dataclass(frozen=True)
class LpOutcome:
    """LP solution over (agency x group) pairs."""

    x_kg: FloatArray  # (P,) kg per allowed pair
    objective: float  # penalised objective (maximisation)
    value: float  # weighted value without penalty
    band_slack_kg: float
    build_seconds: float
    solve_seconds: float


def _build(
    ix: ProblemIndex,
    delta: float,
    hard: bool,
    supply_g: IntArray | None = None,
    cap_g: IntArray | None = None,
    prior_kg: FloatArray | None = None,
) -> tuple[FloatArray, sp.csr_matrix, FloatArray, FloatArray, FloatArray, int, int]:
    supply = ix.g_supply_g if supply_g is None else supply_g
    caps = ix.cap_g if cap_g is None else cap_g
    prior_all = ix.prior_kg if prior_kg is None else prior_kg
    C, K = len(CATEGORIES), len(CLASSES)
    n, G, P = ix.n, ix.n_groups, len(ix.pa)
    lower, upper, banded = ix.band_edges(delta)
    band_pairs = np.flatnonzero(banded.ravel())
    B = len(band_pairs)
    bidx = np.full(n * C, -1, dtype=np.int64)
    bidx[band_pairs] = np.arange(B)
    kb = bidx[ix.pa * C + ix.g_cat[ix.pg]]
    has = np.flatnonzero(kb >= 0)
    r_lo, r_hi = G + n * K, G + n * K + B
    ar_p, ar_b = np.arange(P), np.arange(B)
    rows = np.concatenate(
        [
            ix.pg,
            G + ix.pa * K + ix.g_cls[ix.pg],
            r_lo + kb[has],
            r_hi + kb[has],
            r_lo + ar_b,
            r_hi + ar_b,
        ]
    )
    cols = np.concatenate([ar_p, ar_p, has, has, P + ar_b, P + B + ar_b])
    vals = np.concatenate([np.ones(2 * P), -np.ones(len(has)), np.ones(len(has)), -np.ones(2 * B)])
    a_ub = sp.csr_matrix((vals, (rows, cols)), shape=(G + n * K + 2 * B, P + 2 * B))
    prior = prior_all.ravel()[band_pairs]
    b_ub = np.concatenate(
        [
            supply / 1000.0,
            caps.ravel() / 1000.0,
            prior - lower.ravel()[band_pairs],
            upper.ravel()[band_pairs] - prior,
        ]
    )
    penalty = ix.problem.policy.slack_penalty_per_kg
    c = np.concatenate([-ix.coef, np.full(2 * B, penalty)])
    lo = np.zeros(P + 2 * B)
    x_up = np.minimum(supply[ix.pg], caps[ix.pa, ix.g_cls[ix.pg]]) / 1000.0
    s_up = np.zeros(2 * B) if hard else np.full(2 * B, np.inf)
    return c, a_ub, b_ub, lo, np.concatenate([x_up, s_up]), P, B


def solve_lp(
    ix: ProblemIndex,
    delta: float,
    *,
    hard: bool = False,
    time_limit_s: float | None = None,
    supply_g: IntArray | None = None,
    cap_g: IntArray | None = None,
    prior_kg: FloatArray | None = None,
) -> LpOutcome | None:
    """Solve the (soft or hard) band LP on an index; None if infeasible (hard only).

    ``supply_g`` (per group, grams), ``cap_g`` ((n, K) grams) and ``prior_kg`` ((n, C) kg)
    override the index's data (used to re-optimise after fixing some lots).
    Raises AllocationError(SOLVER_FAILED) if the soft LP fails (it is always feasible).
    """
    t0 = time.perf_counter()
    c, a_ub, b_ub, lo, up, P, _B = _build(ix, delta, hard, supply_g, cap_g, prior_kg)
    t1 = time.perf_counter()
    if len(c) == 0:
        return LpOutcome(np.zeros(0), 0.0, 0.0, 0.0, t1 - t0, 0.0)
    res = highs_adapter.solve_lp(c, a_ub, b_ub, lo, up, time_limit_s=time_limit_s)
    t2 = time.perf_counter()
    if not res.ok:
        if hard:
            return None
        raise AllocationError(ErrorCode.SOLVER_FAILED, f"HiGHS LP failed: {res.message}")
    x = np.maximum(res.x[:P], 0.0)
    value = float(ix.coef @ x)
    slack = float(res.x[P:].sum())
    return LpOutcome(x, -res.objective, value, slack, t1 - t0, t2 - t1)
