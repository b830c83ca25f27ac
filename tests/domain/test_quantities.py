from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bonnebouffe.domain.quantities import NBSP, format_kg, format_money, format_number


@pytest.mark.parametrize(
    ("value", "language", "expected"),
    [
        (Decimal("12.5"), "fr-ca", f"12,50{NBSP}$"),
        (Decimal("1234.5"), "fr-ca", f"1{NBSP}234,50{NBSP}$"),
        (Decimal("-3"), "fr-ca", f"-3,00{NBSP}$"),
        (Decimal("12.5"), "en", "$12.50"),
        (Decimal("1234567.891"), "en", "$1,234,567.89"),
        (Decimal("-3"), "en", "-$3.00"),
    ],
)
def test_money_follows_quebec_conventions(value, language, expected):
    assert format_money(value, language=language) == expected


def test_kilograms_have_a_no_break_space_before_the_unit():
    assert format_kg(Decimal("1250.25"), language="fr-ca") == f"1{NBSP}250,3{NBSP}kg"
    assert format_kg(12, language="en", decimals=0) == f"12{NBSP}kg"


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False))
def test_formatting_round_trips_to_the_same_amount(value):
    text = format_number(value, decimals=2, language="fr-ca")
    assert Decimal(text.replace(NBSP, "").replace(",", ".")) == value
