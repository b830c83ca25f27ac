"""Shared fixtures and Hypothesis strategies for the allocation tests (pure, no Django)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import strategies as st

from bonnebouffe.planning.allocation import (
    Agency,
    AllocationProblem,
    FoodCategory,
    Hub,
    Lot,
    LotScope,
    Policy,
    StorageClass,
    load_problem,
)

SAMPLE = (
    Path(__file__).resolve().parents[3] / "src/bonnebouffe/planning/allocation/samples/tiny.json"
)
START = date(2026, 11, 30)


@pytest.fixture
def tiny() -> AllocationProblem:
    return load_problem(SAMPLE)


@st.composite
def problems(draw: st.DrawFn) -> AllocationProblem:
    """Small random problems exercising capacity, eligibility, DLU, scope, units, window."""
    n_mrc = draw(st.integers(1, 2))
    hubs = [Hub(f"H{i}", f"M{i % n_mrc}") for i in range(draw(st.integers(1, 3)))]
    cats = list(FoodCategory)[:3]
    n_ag = draw(st.integers(1, 5))
    agencies = []
    for i in range(n_ag):
        agencies.append(
            Agency(
                agency_id=f"A{i}",
                hub_id=draw(st.sampled_from(hubs)).hub_id,
                people_served=draw(st.integers(1, 500)),
                deprivation_factor=draw(st.sampled_from([1.0, 0.8, 1.3])),
                capacity_kg={
                    k: draw(st.sampled_from([0.0, 5.0, 20.0, 60.0, 500.0])) for k in StorageClass
                },
                earliest_delivery=START + timedelta(days=draw(st.integers(0, 4))),
                ineligible_categories=frozenset(draw(st.lists(st.sampled_from(cats), max_size=1))),
                transport_cost_per_kg=draw(st.sampled_from([0.0, 0.05, 2.0])),
                prior_received_kg={c: draw(st.sampled_from([0.0, 10.0, 40.0])) for c in cats},
            )
        )
    lots = []
    for j in range(draw(st.integers(0, 12))):
        divisible = draw(st.booleans())
        unit = draw(st.sampled_from([0.5, 2.5, 5.0]))
        qty = (
            unit * draw(st.integers(1, 8))
            if divisible
            else draw(st.sampled_from([1.0, 7.3, 25.0, 80.0]))
        )
        dlu_days = draw(st.one_of(st.none(), st.integers(-2, 8)))
        lots.append(
            Lot(
                lot_id=f"L{j}",
                hub_id=draw(st.sampled_from(hubs)).hub_id,
                category=draw(st.sampled_from(cats)),
                storage_class=draw(st.sampled_from(list(StorageClass))),
                quantity_kg=qty,
                dlu=None if dlu_days is None else START + timedelta(days=dlu_days),
                best_before=draw(st.one_of(st.none(), st.just(START + timedelta(days=3)))),
                unit_kg=unit if divisible else None,
                divisible=divisible,
            )
        )
    policy = Policy(
        delta=draw(st.sampled_from([0.0, 0.05, 0.1, 0.5])),
        lot_scope=draw(st.sampled_from(list(LotScope))),
        inter_hub_cost_per_kg=draw(st.sampled_from([0.0, 0.1])),
    )
    return AllocationProblem(
        period_id="P",
        period_start=START,
        period_end=START + timedelta(days=6),
        hubs=tuple(hubs),
        agencies=tuple(agencies),
        lots=tuple(lots),
        window_prior_supply_kg={c: draw(st.sampled_from([0.0, 50.0, 200.0])) for c in cats},
        window_weeks=4,
        policy=policy,
    )
