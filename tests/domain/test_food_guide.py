import pytest

from bonnebouffe.domain.food_guide import (
    FoodGuideError,
    PlateShares,
    plate_shares,
    plate_split_cents,
)


def test_a_balanced_dish_matches_the_plate():
    shares = plate_shares([("vegetables_fruits", 500), ("whole_grains", 250), ("protein", 250)])
    assert shares.as_rows() == [
        ("vegetables_fruits", 50, 50),
        ("whole_grains", 25, 25),
        ("protein", 25, 25),
    ]
    assert shares.plate_g == 1000 and shares.unclassified_g == 0


def test_bakery_counts_as_grains_and_dairy_as_protein_foods():
    shares = plate_shares([("bakery", 300), ("dairy", 100)])
    assert (shares.vegetables_fruits_pct, shares.whole_grains_pct, shares.protein_pct) == (
        0,
        75,
        25,
    )


def test_categories_outside_the_plate_are_reported_apart_not_guessed():
    shares = plate_shares([("vegetables_fruits", 400), ("dry_goods", 300), ("other", 5)])
    assert shares.vegetables_fruits_pct == 100
    assert shares.unclassified_g == 305 and shares.plate_g == 400


@pytest.mark.parametrize(
    "weights",
    [
        [("vegetables_fruits", 1), ("whole_grains", 1), ("protein", 1)],
        [("vegetables_fruits", 333), ("whole_grains", 333), ("dairy", 334)],
        [("vegetables_fruits", 7), ("bakery", 13)],
    ],
)
def test_shares_are_whole_percentages_that_sum_to_100(weights):
    s = plate_shares(weights)
    assert s.vegetables_fruits_pct + s.whole_grains_pct + s.protein_pct == 100


def test_a_dish_with_nothing_on_the_plate_has_zero_shares():
    shares = plate_shares([("beverages", 250)])
    assert shares.as_rows()[0][1] == 0 and shares.plate_g == 0


def test_a_negative_weight_is_refused():
    with pytest.raises(FoodGuideError):
        plate_shares([("protein", -1)])


def test_inconsistent_shares_cannot_be_built():
    with pytest.raises(FoodGuideError):
        PlateShares(50, 25, 20, plate_g=100, unclassified_g=0)


@pytest.mark.parametrize(
    ("amount", "expected"),
    [(10000, (5000, 2500, 2500)), (101, (51, 25, 25)), (3, (1, 1, 1)), (0, (0, 0, 0))],
)
def test_a_budget_splits_half_quarter_quarter_to_the_cent(amount, expected):
    split = plate_split_cents(amount)
    assert (split["vegetables_fruits"], split["whole_grains"], split["protein"]) == expected
    assert sum(split.values()) == amount


def test_a_negative_amount_cannot_be_split():
    with pytest.raises(FoodGuideError):
        plate_split_cents(-1)
