"""Ledger quantities and prices: {{ grams|grams_kg }}, {{ cents|cents_money }}."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.translation import get_language

from bonnebouffe.domain.quantities import format_kg, format_money

register = template.Library()


@register.filter
def grams_kg(value: Any) -> str:
    if value in (None, ""):
        return ""
    return format_kg(Decimal(int(value)) / 1000, language=get_language() or "fr-ca")


@register.filter
def cents_money(value: Any) -> str:
    """Integer cents shown as money: "3,00 $" in French, "$3.00" in English."""
    if value in (None, ""):
        return ""
    return format_money(Decimal(int(value)) / 100, language=get_language() or "fr-ca")
