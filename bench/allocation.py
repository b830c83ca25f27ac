"""Benchmark of the fair-allocation core on seeded synthetic data.

Run: ``PYTHONPATH=src python bench/allocation.py [--seed N] [--skip-province]``.
The last line is machine-readable:
``allocation: regional_lp_s=<s> rounding_gap_pct=<g> province_s=<s> province_peak_mb=<m>
maxdev_opt=<x> maxdev_proportional=<y>``

* regional: 60 agencies over 5 MRCs (10 hubs), 2,000 lots.  ``regional_lp_s`` = index +
  LP build + HiGHS solve (to optimality).  ``rounding_gap_pct`` = gap of the whole-lot plan to
  the LP bound on the penalised objective.  ``maxdev_*`` = max relative deviation from the
  window fair share of the whole-lot plan vs the proportional baseline on the same data.
* province: 1,200 agencies over 60 hubs / 20 MRCs, 20,000 lots, lot scope = MRC.
  ``province_s`` = full whole-lot solve (index, LP, rounding, measures, explanations).
  ``province_peak_mb`` = peak resident set size of the process (ru_maxrss), MB.
"""

from __future__ import annotations

import argparse
import resource
import time
from datetime import date, timedelta

import numpy as np

from bonnebouffe.planning.allocation import (
    Agency,
    AllocationProblem,
    FoodCategory,
    Hub,
    Lot,
    LotScope,
    Policy,
    StorageClass,
    proportional_plan,
    solve_allocation,
    trade_off_curve,
    validate_allocation,
)
from bonnebouffe.planning.allocation.index import build_index

START = date(2026, 11, 30)
CATS = list(FoodCategory)
CAT_P = np.array([0.30, 0.22, 0.12, 0.12, 0.10, 0.14])
CLASS_BY_CAT = {
    FoodCategory.VEGETABLES_FRUITS: ([StorageClass.REFRIGERATED, StorageClass.AMBIENT], [0.6, 0.4]),
    FoodCategory.PROTEIN_FOODS: (
        [StorageClass.FROZEN, StorageClass.REFRIGERATED, StorageClass.AMBIENT],
        [0.4, 0.4, 0.2],
    ),
    FoodCategory.WHOLE_GRAINS: ([StorageClass.AMBIENT], [1.0]),
    FoodCategory.OTHER_GRAINS: ([StorageClass.AMBIENT], [1.0]),
    FoodCategory.PREPARED_MEALS: ([StorageClass.FROZEN, StorageClass.REFRIGERATED], [0.6, 0.4]),
    FoodCategory.OTHER: ([StorageClass.AMBIENT], [1.0]),
}
MRCS = [
    "vaudreuil-soulanges",
    "beauharnois-salaberry",
    "le-haut-saint-laurent",
    "les-jardins-de-napierville",
    "roussillon",
]


def synthetic_problem(
    seed: int, n_agencies: int, n_lots: int, n_mrcs: int, hubs_per_mrc: int, scope: LotScope
) -> AllocationProblem:
    """Seeded synthetic problem with a 4-week rolling window and realistic frictions."""
    rng = np.random.default_rng(seed)
    mrc_names = MRCS if n_mrcs <= len(MRCS) else [f"mrc-{i:02d}" for i in range(n_mrcs)]
    hubs = [Hub(f"H{m:02d}-{h}", mrc_names[m]) for m in range(n_mrcs) for h in range(hubs_per_mrc)]
    # lots
    lots: list[Lot] = []
    supply = {c: {k: 0.0 for k in StorageClass} for c in CATS}
    for i in range(n_lots):
        cat = CATS[int(rng.choice(len(CATS), p=CAT_P))]
        classes, probs = CLASS_BY_CAT[cat]
        cls = classes[int(rng.choice(len(classes), p=probs))]
        divisible = bool(rng.random() < 0.35)
        if divisible:
            unit = float(rng.choice([2.5, 5.0, 10.0]))
            qty = unit * int(rng.integers(2, 16))
        else:
            unit = None
            qty = float(np.clip(round(rng.lognormal(3.2, 0.7), 1), 2.0, 250.0))
        dlu = bb = None
        if cls == StorageClass.REFRIGERATED:
            dlu = START + timedelta(days=int(rng.integers(-1, 12)))
        elif cls == StorageClass.FROZEN:
            dlu = START + timedelta(days=int(rng.integers(20, 120)))
        else:
            bb = START + timedelta(days=int(rng.integers(2, 200)))
        lots.append(
            Lot(
                lot_id=f"L{i:06d}",
                hub_id=hubs[int(rng.integers(len(hubs)))].hub_id,
                category=cat,
                storage_class=cls,
                quantity_kg=qty,
                dlu=dlu,
                best_before=bb,
                unit_kg=unit,
                divisible=divisible,
            )
        )
        if dlu is None or dlu >= START:
            supply[cat][cls] += qty
    people = np.maximum(20, rng.lognormal(4.8, 0.6, n_agencies)).astype(int)
    depriv = rng.uniform(0.9, 1.3, n_agencies)
    need = people * depriv
    inel: list[set[FoodCategory]] = []
    for _ in range(n_agencies):
        s: set[FoodCategory] = set()
        if rng.random() < 0.2:
            s.add(FoodCategory.PREPARED_MEALS)
        if rng.random() < 0.05:
            s.add(FoodCategory.OTHER)
        inel.append(s)
    elig = np.array([[c not in s for c in CATS] for s in inel])
    wshare = need[:, None] * elig
    wshare = wshare / wshare.sum(axis=0, keepdims=True)
    prior_supply = {c: 3.0 * sum(supply[c].values()) * float(rng.uniform(0.9, 1.1)) for c in CATS}
    need_share = need / need.sum()
    agencies: list[Agency] = []
    for a in range(n_agencies):
        cap: dict[StorageClass, float] = {}
        for k in StorageClass:
            class_supply = sum(supply[c][k] for c in CATS)
            cap[k] = round(float(need_share[a] * class_supply * rng.uniform(1.0, 2.2)), 1)
        if rng.random() < 0.1:
            cap[StorageClass.FROZEN] = 0.0
        if rng.random() < 0.1:
            cap[StorageClass.REFRIGERATED] *= 0.5
        prior = {
            c: round(float(wshare[a, j] * prior_supply[c] * rng.uniform(0.85, 1.15)), 1)
            for j, c in enumerate(CATS)
            if elig[a, j]
        }
        agencies.append(
            Agency(
                agency_id=f"A{a:05d}",
                hub_id=hubs[int(rng.integers(len(hubs)))].hub_id,
                people_served=int(people[a]),
                deprivation_factor=round(float(depriv[a]), 3),
                capacity_kg=cap,
                earliest_delivery=START + timedelta(days=int(rng.integers(0, 5))),
                ineligible_categories=frozenset(inel[a]),
                transport_cost_per_kg=round(float(rng.uniform(0.01, 0.08)), 3),
                prior_received_kg=prior,
            )
        )
    return AllocationProblem(
        period_id="2026-W49",
        period_start=START,
        period_end=START + timedelta(days=6),
        hubs=tuple(hubs),
        agencies=tuple(agencies),
        lots=tuple(lots),
        window_prior_supply_kg=prior_supply,
        window_weeks=4,
        policy=Policy(delta=0.10, lot_scope=scope, inter_hub_cost_per_kg=0.03),
    )


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--skip-province", action="store_true")
    args = parser.parse_args()

    t = time.perf_counter()
    regional = synthetic_problem(args.seed, 60, 2000, 5, 2, LotScope.ALL)
    print(f"regional: generated in {time.perf_counter() - t:.2f} s")
    ix = build_index(regional)
    print(
        f"regional: {ix.n} agencies, {len(ix.lot_ids)} lots, {ix.n_groups} supply groups, "
        f"{len(ix.pa)} LP pair variables"
    )
    lp_plan = solve_allocation(regional, explain_plan=False)
    tm = lp_plan.timings_s
    regional_lp_s = tm["index_s"] + tm["lp_build_s"] + tm["lp_solve_s"]
    print(
        f"regional LP: index {tm['index_s']:.3f} s, build {tm['lp_build_s']:.3f} s, "
        f"solve {tm['lp_solve_s']:.3f} s, bound {lp_plan.lp_bound:.1f}, "
        f"distributed {lp_plan.metrics.distributed_kg:.0f} / "
        f"{lp_plan.metrics.available_kg:.0f} kg, band held {lp_plan.hard_band_held}"
    )
    assert not validate_allocation(regional, lp_plan)
    whole = solve_allocation(regional, whole_lots=True)
    assert not validate_allocation(regional, whole), validate_allocation(regional, whole)[:3]
    base = proportional_plan(regional, explain_plan=False)
    assert not validate_allocation(regional, base)
    for name, p in (("lp", lp_plan), ("whole_lots", whole), ("proportional", base)):
        m = p.metrics
        print(
            f"  {name:13s} obj={p.objective:12.1f} value={m.weighted_value:10.1f} "
            f"dist={m.distributed_kg:9.1f} undist={m.undistributed_kg:8.1f} "
            f"maxdev={m.max_relative_deviation:.3f} minfill={m.min_fill_rate:.3f} "
            f"gini={m.gini_per_person:.4f} envy={m.envy_kg_per_person:.3f} "
            f"slack={m.band_slack_kg:8.1f}"
        )
    print(
        f"regional whole lots: {whole.timings_s['lots_s']:.3f} s rounding, "
        f"gap {whole.rounding_gap_pct:.3f} % (penalised), value gap {whole.value_gap_pct:.3f} %"
    )
    t = time.perf_counter()
    curve = trade_off_curve(regional)
    print(f"regional curve ({time.perf_counter() - t:.2f} s):")
    for pt in curve:
        print(
            f"  delta={pt.delta:<5} distributed={pt.distributed_kg:10.1f} kg "
            f"slack={pt.band_slack_kg:8.1f} maxdev={pt.max_relative_deviation:.3f} "
            f"held={pt.hard_band_held}"
        )

    province_s = float("nan")
    peak = _peak_mb()
    if not args.skip_province:
        t = time.perf_counter()
        province = synthetic_problem(args.seed + 1, 1200, 20000, 20, 3, LotScope.MRC)
        print(f"province: generated in {time.perf_counter() - t:.2f} s")
        t = time.perf_counter()
        prov = solve_allocation(province, whole_lots=True)
        province_s = time.perf_counter() - t
        peak = _peak_mb()
        pix = build_index(province)
        print(
            f"province: {pix.n_groups} supply groups, {len(pix.pa)} LP pair variables; "
            + ", ".join(f"{k}={v:.2f}" for k, v in prov.timings_s.items())
        )
        viol = validate_allocation(province, prov)
        pm = prov.metrics
        print(
            f"province: {province_s:.2f} s, gap {prov.rounding_gap_pct:.3f} %, "
            f"value gap {prov.value_gap_pct:.3f} %, violations {len(viol)}, "
            f"maxdev {pm.max_relative_deviation:.3f}, dist {pm.distributed_kg:.0f} / "
            f"{pm.available_kg:.0f} kg"
        )
    print(
        f"allocation: regional_lp_s={regional_lp_s:.3f} "
        f"rounding_gap_pct={whole.rounding_gap_pct:.3f} province_s={province_s:.2f} "
        f"province_peak_mb={peak:.0f} maxdev_opt={whole.metrics.max_relative_deviation:.3f} "
        f"maxdev_proportional={base.metrics.max_relative_deviation:.3f}"
    )


if __name__ == "__main__":
    main()
