"""Template filters for Québec formats: {{ price|money }}, {{ mass|kg }}, {{ n|num }}."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.translation import get_language

from bonnebouffe.domain.quantities import format_kg, format_money, format_number

register = template.Library()


def _lang() -> str:
    return get_language() or "fr-ca"


@register.filter
def money(value: Any) -> str:
    if value in (None, ""):
        return ""
    return format_money(Decimal(str(value)), language=_lang())


@register.filter
def kg(value: Any, decimals: int = 1) -> str:
    if value in (None, ""):
        return ""
    return format_kg(Decimal(str(value)), language=_lang(), decimals=int(decimals))


@register.filter
def num(value: Any, decimals: int = 0) -> str:
    if value in (None, ""):
        return ""
    return format_number(Decimal(str(value)), decimals=int(decimals), language=_lang())


@register.filter
def role_label(value: str) -> str:
    from bonnebouffe.accounts.models import Role

    try:
        return str(Role(value).label)
    except ValueError:
        return value


@register.filter
def cents(value: Any) -> str:
    """Money stored in integer cents: 1250 -> "12,50 $"."""
    if value in (None, ""):
        return ""
    return format_money(Decimal(int(value)) / 100, language=_lang())
