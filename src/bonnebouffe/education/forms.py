"""Forms of the education side: they parse input; the rules live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bonnebouffe.inventory.models import FoodCategory
from bonnebouffe.territory.models import MRC, Municipality

from .models import MAX_SEATS_PER_REGISTRATION, RespondentKind
from .selectors import MAX_HOUSEHOLD_SIZE, MIN_HOUSEHOLD_SIZE


class BudgetForm(forms.Form):
    household_size = forms.IntegerField(
        label=_("People in the household"),
        min_value=MIN_HOUSEHOLD_SIZE,
        max_value=MAX_HOUSEHOLD_SIZE,
        error_messages={
            "required": _("Enter the number of people in the household."),
            "invalid": _("Enter a whole number of people, from 1 to 12."),
            "min_value": _("Enter a whole number of people, from 1 to 12."),
            "max_value": _("Enter a whole number of people, from 1 to 12."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class RegistrationForm(forms.Form):
    seats = forms.TypedChoiceField(
        label=_("Seats"),
        choices=[(n, str(n)) for n in range(1, MAX_SEATS_PER_REGISTRATION + 1)],
        coerce=int,
        initial=1,
    )


class SurveyForm(forms.Form):
    respondent_kind = forms.ChoiceField(
        label=_("I am answering for"),
        choices=RespondentKind.choices,
        widget=forms.RadioSelect,
    )
    mrc = forms.ModelChoiceField(label=_("MRC where you live or work"), queryset=MRC.objects.none())
    wanted_categories = forms.MultipleChoiceField(
        label=_("Which foods would you like to find more often?"),
        choices=[(c, label) for c, label in FoodCategory.choices if c not in {"infant", "other"}],
        widget=forms.CheckboxSelectMultiple,
    )
    wanted_products = forms.CharField(
        label=_("Products you would like (optional)"),
        help_text=_("For example: fresh fish, gluten-free bread. Do not write any name."),
        max_length=200,
        required=False,
    )
    pickup_municipalities = forms.ModelMultipleChoiceField(
        label=_("Where could you pick up food?"),
        help_text=_("Choose one or more municipalities."),
        queryset=Municipality.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    def __init__(self, *args: Any, mrcs: Any, municipalities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mrc"].queryset = mrcs  # type: ignore[attr-defined]
        self.fields["pickup_municipalities"].queryset = municipalities  # type: ignore[attr-defined]
