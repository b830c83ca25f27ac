"""Québec formatting of money and quantities, independent of Django.

French (Québec): "1 234,50 $", "12,5 kg" with a no-break space before the unit and between
thousands groups. English (Canada): "$1,234.50", "12.5 kg".
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

NBSP = "\u00a0"


def _group(integer_digits: str, sep: str) -> str:
    groups: list[str] = []
    while len(integer_digits) > 3:
        groups.insert(0, integer_digits[-3:])
        integer_digits = integer_digits[:-3]
    groups.insert(0, integer_digits)
    return sep.join(groups)


def format_number(value: Decimal | float | int, *, decimals: int, language: str) -> str:
    """Format a number with `decimals` places (half up) in the language's convention."""
    quantum = Decimal(1).scaleb(-decimals)
    d = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "-" if d < 0 else ""
    text = f"{abs(d):f}"
    integer, _, fraction = text.partition(".")
    french = language.lower().startswith("fr")
    grouped = _group(integer, NBSP if french else ",")
    if decimals:
        grouped += ("," if french else ".") + fraction
    return sign + grouped


def format_money(value: Decimal | float | int, *, language: str, decimals: int = 2) -> str:
    """Money in dollars: "12,50 $" in French, "$12.50" in English (`decimals=0`: "32 500 $")."""
    amount = format_number(value, decimals=decimals, language=language)
    if language.lower().startswith("fr"):
        return f"{amount}{NBSP}$"
    if amount.startswith("-"):
        return f"-${amount[1:]}"
    return f"${amount}"


def format_kg(value: Decimal | float | int, *, language: str, decimals: int = 1) -> str:
    """A mass in kilograms: "1 234,5 kg"."""
    return f"{format_number(value, decimals=decimals, language=language)}{NBSP}kg"
