from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import pytest

from bonnebouffe.planning.allocation import (
    Agency,
    AllocationError,
    AllocationProblem,
    ErrorCode,
    FoodCategory,
    Hub,
    Lot,
    Policy,
    StorageClass,
    problem_from_dict,
    problem_to_dict,
)

D = date(2026, 11, 30)


def _agency(**kw: object) -> Agency:
    base: dict[str, object] = dict(
        agency_id="A",
        hub_id="H",
        people_served=10,
        capacity_kg={"ambient": 10},
        earliest_delivery=D,
    )
    base.update(kw)
    return Agency(**base)  # type: ignore[arg-type]


def _code(exc: pytest.ExceptionInfo[AllocationError]) -> ErrorCode:
    return exc.value.code


def test_agency_validation_codes() -> None:
    with pytest.raises(AllocationError) as e:
        _agency(people_served=0)
    assert _code(e) == ErrorCode.NON_POSITIVE_PEOPLE
    with pytest.raises(AllocationError) as e:
        _agency(capacity_kg={"ambient": -1})
    assert _code(e) == ErrorCode.NEGATIVE_CAPACITY
    with pytest.raises(AllocationError) as e:
        _agency(capacity_kg={"tiede": 1})
    assert _code(e) == ErrorCode.UNKNOWN_STORAGE_CLASS
    with pytest.raises(AllocationError) as e:
        _agency(ineligible_categories=frozenset({"candy"}))
    assert _code(e) == ErrorCode.UNKNOWN_CATEGORY
    with pytest.raises(AllocationError) as e:
        _agency(deprivation_factor=0)
    assert _code(e) == ErrorCode.BAD_DEPRIVATION_FACTOR
    assert isinstance(e.value, ValueError)


def test_agency_need_weight_and_defaults() -> None:
    a = _agency(people_served=200, deprivation_factor=1.25)
    assert a.need_weight == 250.0
    assert a.capacity_kg[StorageClass.FROZEN] == 0.0
    hash(a)  # mapping fields are excluded from hashing


def test_lot_validation_codes() -> None:
    with pytest.raises(AllocationError) as e:
        Lot("L", "H", FoodCategory.OTHER, StorageClass.AMBIENT, 0.0)
    assert _code(e) == ErrorCode.NON_POSITIVE_QUANTITY
    with pytest.raises(AllocationError) as e:
        Lot("L", "H", FoodCategory.OTHER, StorageClass.AMBIENT, 10.0, divisible=True)
    assert _code(e) == ErrorCode.BAD_UNIT
    with pytest.raises(AllocationError) as e:
        Lot("L", "H", FoodCategory.OTHER, StorageClass.AMBIENT, 10.0, unit_kg=3, divisible=True)
    assert _code(e) == ErrorCode.LOT_NOT_MULTIPLE_OF_UNIT
    lot = Lot("L", "H", "protein_foods", "frozen", 10.0, unit_kg=2.5, divisible=True)  # type: ignore[arg-type]
    assert lot.category is FoodCategory.PROTEIN_FOODS and lot.unit_g == 2500
    assert lot.expiry is None


def test_policy_and_problem_validation() -> None:
    with pytest.raises(AllocationError) as e:
        Policy(delta=-0.1)
    assert _code(e) == ErrorCode.BAD_DELTA
    assert math.isinf(Policy(delta=math.inf).delta)
    with pytest.raises(AllocationError) as e:
        Policy(urgency_weights=(1.0,))
    assert _code(e) == ErrorCode.BAD_POLICY
    hub = Hub("H", "M")
    with pytest.raises(AllocationError) as e:
        AllocationProblem("P", D, D, (hub,), (_agency(), _agency()), ())
    assert _code(e) == ErrorCode.DUPLICATE_ID
    with pytest.raises(AllocationError) as e:
        AllocationProblem("P", D, D, (hub,), (_agency(hub_id="X"),), ())
    assert _code(e) == ErrorCode.UNKNOWN_HUB
    with pytest.raises(AllocationError) as e:
        AllocationProblem("P", D, D, (hub,), (), ())
    assert _code(e) == ErrorCode.NO_AGENCIES


def test_json_roundtrip(tiny: AllocationProblem) -> None:
    again = problem_from_dict(problem_to_dict(tiny))
    assert again == tiny
    assert replace(tiny, period_id="other") != tiny


def test_json_errors() -> None:
    with pytest.raises(AllocationError) as e:
        problem_from_dict({"period": {}})
    assert _code(e) == ErrorCode.BAD_JSON
