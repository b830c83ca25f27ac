"""Template filters of the grocery pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.translation import get_language

from bonnebouffe.domain.quantities import format_kg
from bonnebouffe.inventory.models import Allergen

register = template.Library()
_LABELS = dict(Allergen.choices)


@register.filter
def allergen_label(value: str) -> str:
    return str(_LABELS.get(value, value))


@register.filter
def grams_kg(value: Any) -> str:
    """Grams shown as kilograms in the language's format: 12500 -> "12,5 kg"."""
    if value in (None, ""):
        return ""
    return format_kg(Decimal(int(value)) / 1000, language=get_language() or "fr-ca")
