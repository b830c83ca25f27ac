"""The only module that imports ``scipy.optimize`` (HiGHS).

Scaling conventions
-------------------
* LP variables are **kilograms as float**.  Inputs are first rounded to whole grams (lot sizes,
  capacities) and divided by 1000, so the LP sees exactly the gram-rounded data; typical
  magnitudes are 1-10,000 kg, well inside HiGHS' default tolerances (1e-7 absolute).
* Objective coefficients are O(1) per kg (nutrition x urgency - transport); the equity slack
  penalty is O(1e3) per kg.  Keep the penalty below ~1e6 to avoid ill-conditioning.
* Results that must be exact (whole lots, validation) are converted back to **integer grams**
  by the caller (floor of kg x 1000, then clipped to remaining supply/capacity in grams).
* All problems here are maximisations expressed by the caller as minimisation of ``c @ x``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class LpResult:
    """Outcome of an LP/MILP solve (minimisation form)."""

    ok: bool
    status: int  # scipy status code (0 = optimal; 1 = limit reached with a solution)
    message: str
    x: FloatArray  # primal solution, kg (empty if not ok)
    objective: float  # c @ x (minimisation form)
    row_duals: FloatArray  # marginals of A_ub rows (<= 0 for binding rows); empty for MILP


def solve_lp(
    c: FloatArray,
    a_ub: sp.csr_matrix,
    b_ub: FloatArray,
    lower: FloatArray,
    upper: FloatArray,
    *,
    time_limit_s: float | None = None,
) -> LpResult:
    """Minimise ``c @ x`` s.t. ``a_ub @ x <= b_ub`` and ``lower <= x <= upper`` with HiGHS.

    Units: x in kg.  Returns ``ok=False`` (never raises) when infeasible or failed.
    """
    options: dict[str, object] = {"presolve": True}
    if time_limit_s is not None:
        options["time_limit"] = float(time_limit_s)
    bounds = np.column_stack([lower, upper])
    res = linprog(
        c,
        A_ub=a_ub if a_ub.shape[0] else None,
        b_ub=b_ub if a_ub.shape[0] else None,
        bounds=bounds,
        method="highs",
        options=options,
    )
    ok = res.status == 0 and res.x is not None
    duals: FloatArray = np.zeros(0)
    if ok and getattr(res, "ineqlin", None) is not None and a_ub.shape[0]:
        duals = np.asarray(res.ineqlin.marginals, dtype=np.float64)
    return LpResult(
        ok=bool(ok),
        status=int(res.status),
        message=str(res.message),
        x=np.asarray(res.x, dtype=np.float64) if ok else np.zeros(0),
        objective=float(res.fun) if ok else float("nan"),
        row_duals=duals,
    )


def solve_milp(
    c: FloatArray,
    a_ub: sp.csr_matrix,
    b_ub: FloatArray,
    lower: FloatArray,
    upper: FloatArray,
    integrality: npt.NDArray[np.int_],
    *,
    time_limit_s: float = 10.0,
    mip_rel_gap: float = 1e-3,
) -> LpResult:
    """Minimise ``c @ x`` s.t. ``a_ub @ x <= b_ub``, bounds, integrality (1 = integer).

    Units: integer variables count whole lots or units; continuous ones kg.  Stops at
    ``time_limit_s`` seconds and returns the incumbent (``status`` 1) if it has one.
    """
    cons = [LinearConstraint(a_ub, -np.inf, b_ub)] if a_ub.shape[0] else []
    res = milp(
        c,
        constraints=cons,
        integrality=integrality,
        bounds=Bounds(lower, upper),
        options={"time_limit": float(time_limit_s), "mip_rel_gap": float(mip_rel_gap)},
    )
    ok = res.x is not None and res.status in (0, 1)
    return LpResult(
        ok=bool(ok),
        status=int(res.status),
        message=str(res.message),
        x=np.asarray(res.x, dtype=np.float64) if ok else np.zeros(0),
        objective=float(res.fun) if ok else float("nan"),
        row_duals=np.zeros(0),
    )
