"""Forms of the grocery pages. They parse and validate; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from bonnebouffe.inventory.models import DateKind

from .models import DataRequestKind, PaymentMethod, ProofKind


class CheckoutForm(forms.Form):
    payment_method = forms.ChoiceField(
        label=_("Payment"), choices=PaymentMethod.choices, initial=PaymentMethod.CASH
    )
    payment_reference = forms.CharField(
        label=_("Voucher or terminal reference"), max_length=60, required=False
    )
    voucher_partner: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Partner who gave the voucher"), queryset=None, required=False
    )

    def __init__(self, *args: Any, partners: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["voucher_partner"].queryset = partners  # type: ignore[attr-defined]


class ScanForm(forms.Form):
    code = forms.CharField(
        label=_("Scan or type a product code, a lot code or a member card"),
        max_length=300,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )
    quantity = forms.IntegerField(
        label=_("Quantity (units, or grams for food sold by weight)"),
        min_value=1,
        max_value=100_000,
        initial=1,
    )


class CardForm(forms.Form):
    """Give a card. Income is never asked for as a number: the household picks a band."""

    household_size = forms.IntegerField(
        label=_("People in the household"), min_value=1, max_value=20
    )
    way = forms.ChoiceField(
        label=_("How the price level is chosen"),
        choices=[("band", _("Income band")), ("self", _("Self-declaration"))],
        widget=forms.RadioSelect,
    )
    band = forms.ChoiceField(label=_("Annual household income"), required=False)
    tier = forms.ChoiceField(label=_("Price level declared"), required=False)
    proof_kind = forms.ChoiceField(
        label=_("Proof seen (nothing is kept)"), choices=ProofKind.choices
    )

    def __init__(self, *args: Any, bands: Any, tiers: Any, modes: set[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = dict(self.fields)  # the ChoiceFields above
        fields["band"].choices = bands
        fields["tier"].choices = tiers
        fields["way"].choices = [c for c in fields["way"].choices if c[0] in modes]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("way") == "band" and not data.get("band"):
            self.add_error("band", _("Choose the income band."))
        if data.get("way") == "self" and not data.get("tier"):
            self.add_error("tier", _("Choose the price level."))
        return data


class StockReceiveForm(forms.Form):
    quantity = forms.IntegerField(
        label=_("Quantity (units, or kg for food sold by weight)"), min_value=1, max_value=100_000
    )
    date_kind = forms.ChoiceField(label=_("Date kind"), choices=DateKind.choices)
    date_value = forms.DateField(
        label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_kind") != DateKind.NONE and not data.get("date_value"):
            self.add_error("date_value", _("Enter the date printed on the product."))
        return data


class LotLinkForm(forms.Form):
    lot_code = forms.CharField(label=_("Lot code"), max_length=20)


class DataRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Your request"), choices=DataRequestKind.choices)
    message = forms.CharField(
        label=_("What should change (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SubsidyPeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The end comes before the start."))
        return data


class HouseholdRegisterForm(forms.Form):
    """A walk-in household joins the grocery: the minimum, and consent to keep it."""

    size = forms.IntegerField(label=_("People in the household"), min_value=1, max_value=20)
    municipality: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Municipality"), queryset=None
    )
    preferred_language = forms.ChoiceField(
        label=_("Language for messages"), choices=settings.LANGUAGES
    )
    email = forms.EmailField(label=_("Email (optional, for order messages)"), required=False)
    consent = forms.BooleanField(
        label=_(
            "The household agrees that the grocery keeps this information while it shops here."
        ),
    )

    def __init__(self, *args: Any, municipalities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = dict(self.fields)
        fields["municipality"].queryset = municipalities
