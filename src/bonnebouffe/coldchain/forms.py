"""Forms of the cold chain: they parse input; the rules live in services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from bonnebouffe.network.models import Site

from .models import ColdUnit


class TemperatureField(forms.DecimalField):
    """Accepts what people type on a phone: "3,5", "-18 °C", or a typographic minus sign."""

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if isinstance(value, str):
            value = (
                value.strip()
                .replace("\u2212", "-")
                .replace("°C", "")
                .replace("°", "")
                .replace(",", ".")
                .replace(" ", "")
            )
        return super().to_python(value)


class ReadingForm(forms.Form):
    temperature_c = TemperatureField(label=_("Temperature (°C)"))


class UnitForm(forms.ModelForm):
    class Meta:
        model = ColdUnit
        fields = ["site", "name", "kind", "storage_class"]
        help_texts = {
            "name": _("How volunteers call it, e.g. “Walk-in cooler” or “Freezer 2”."),
            "storage_class": _("A truck can be refrigerated or frozen; it sets the limit."),
        }

    def __init__(self, *args: Any, sites: QuerySet[Site], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites  # type: ignore[attr-defined]

    def validate_unique(self) -> None:
        """The service validates the whole unit (uniqueness included)."""


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        choices=[
            ("release", _("Release the lots: the food is safe")),
            ("discard", _("Discard the food stored in this unit")),
        ],
    )
    notes = forms.CharField(
        label=_("Review notes"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you checked: how long the unit was warm, the food's own temperature."),
    )
