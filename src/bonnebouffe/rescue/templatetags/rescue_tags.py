"""{{ grams|gkg }}: a mass stored in grams, shown in kilograms in the active language."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.translation import get_language

from bonnebouffe.domain.quantities import format_kg

register = template.Library()


@register.filter
def gkg(grams: Any, decimals: int = 1) -> str:
    if grams in (None, ""):
        return ""
    return format_kg(
        Decimal(int(grams)) / 1000, language=get_language() or "fr-ca", decimals=int(decimals)
    )


@register.filter
def allergen_labels(codes: Any) -> str:
    """Allergen codes as their names, comma-separated."""
    from bonnebouffe.inventory.models import Allergen

    labels = dict(Allergen.choices)
    return ", ".join(str(labels.get(c, c)) for c in (codes or []))
