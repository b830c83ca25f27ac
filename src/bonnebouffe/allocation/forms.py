from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bonnebouffe.inventory.models import FoodCategory
from bonnebouffe.network.models import Weekday


class RunStartForm(forms.Form):
    period = forms.RegexField(
        label=_("Week"),
        regex=r"^\d{4}-W\d{2}$",
        help_text=_("ISO week, for example 2026-W49."),
    )
    hub = forms.TypedChoiceField(
        label=_("Hub"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("Leave empty to allocate across the whole network (administrators)."),
    )
    delta = forms.FloatField(
        label=_("Equity band (delta)"),
        min_value=0,
        max_value=5,
        required=False,
        help_text=_(
            "0.10 = each agency within 10 % of its fair share when possible. "
            "Empty: the network setting."
        ),
    )

    def __init__(self, *args: Any, hub_choices: list[tuple[Any, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["hub"].choices = [("", _("Whole network")), *hub_choices]  # type: ignore[attr-defined]


class NeedForm(forms.Form):
    people_served = forms.IntegerField(
        label=_("People served this week"),
        min_value=1,
        help_text=_("People your agency expects to serve this week."),
    )
    capacity_ambient_kg = forms.IntegerField(
        label=_("Ambient room (kg)"),
        min_value=0,
        required=False,
        help_text=_("Empty: the storage declared for your sites."),
    )
    capacity_refrigerated_kg = forms.IntegerField(
        label=_("Refrigerated room (kg)"), min_value=0, required=False
    )
    capacity_frozen_kg = forms.IntegerField(
        label=_("Frozen room (kg)"), min_value=0, required=False
    )
    ineligible_categories = forms.MultipleChoiceField(
        label=_("Food you cannot use"),
        choices=FoodCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    delivery_weekdays = forms.TypedMultipleChoiceField(
        label=_("Days you can be delivered"),
        choices=Weekday.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any day."),
    )
    earliest_delivery = forms.DateField(
        label=_("Earliest delivery date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class AdjustForm(forms.Form):
    quantity_kg = forms.DecimalField(label=_("Quantity (kg)"), min_value=0, decimal_places=3)


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("Reason for refusal"), max_length=200)
