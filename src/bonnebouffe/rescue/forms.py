"""Forms of food rescue. They parse input; the rules are in services."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.forms import formset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bonnebouffe.inventory.models import Allergen, DateKind, FoodCategory, StorageClass
from bonnebouffe.network.models import Organisation, Site

from .models import Handover, OfferKind

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
REFUSED_DESTINATION_CHOICES = [
    ("animal_feed", _("Animal feed")),
    ("compost", _("Compost or anaerobic digestion")),
    ("disposal", _("Disposal")),
]


def _default_window() -> tuple[Any, Any]:
    start = timezone.localtime().replace(second=0, microsecond=0)
    return start, start + timedelta(hours=48)


class OfferForm(forms.Form):
    """The offer itself: who, what kind, where and when. Items come in OfferItemFormSet."""

    donor = forms.ModelChoiceField(label=_("Donor"), queryset=Organisation.objects.none())
    kind = forms.ChoiceField(
        label=_("What do you offer?"),
        choices=OfferKind.choices,
        initial=OfferKind.SURPLUS,
        widget=forms.RadioSelect,
    )
    handover = forms.ChoiceField(
        label=_("How does the food reach a hub?"),
        choices=Handover.choices,
        initial=Handover.PICKUP,
        widget=forms.RadioSelect,
    )
    pickup_site = forms.ModelChoiceField(
        label=_("Pickup place"), queryset=Site.objects.none(), required=False
    )
    dropoff_hub = forms.ModelChoiceField(
        label=_("Drop-off hub"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_("Leave empty for your usual hub."),
    )
    window_start = forms.DateTimeField(
        label=_("Available from"), widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS
    )
    window_end = forms.DateTimeField(
        label=_("Available until"), widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS
    )
    estimated_kg = forms.DecimalField(
        label=_("Estimated kilograms (field to glean)"),
        required=False,
        min_value=Decimal("0.1"),
        max_digits=9,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
    )
    photo = forms.ImageField(
        label=_("Photo (optional, 5 MB at most)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    notes = forms.CharField(
        label=_("Notes for the hub (optional)"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. ring at the back door")}),
    )

    def __init__(
        self,
        *args: Any,
        donors: Any,
        sites: Any,
        hubs: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        start, end = _default_window()
        self.fields["window_start"].initial = start
        self.fields["window_end"].initial = end
        donor_field = self.fields["donor"]
        donor_field.queryset = donors  # type: ignore[attr-defined]
        if len(donors) == 1:
            donor_field.initial = donors[0].pk
            donor_field.widget = forms.HiddenInput()
        site_field = self.fields["pickup_site"]
        site_field.queryset = sites  # type: ignore[attr-defined]
        site_field.label_from_instance = (  # type: ignore[attr-defined]
            (lambda s: f"{s.name} — {s.address}")
            if len(donors) == 1
            else (lambda s: f"{s.organisation.name} — {s.name}")
        )
        primary = next((s for s in sites if s.is_primary), sites[0] if len(sites) else None)
        if primary is not None:
            site_field.initial = primary.pk
        self.fields["dropoff_hub"].queryset = hubs  # type: ignore[attr-defined]


class OfferItemForm(forms.Form):
    product_name = forms.CharField(
        label=_("Product"),
        max_length=200,
        widget=forms.TextInput(
            attrs={"placeholder": _("e.g. Yogurt 650 g"), "autocomplete": "off"}
        ),
    )
    category = forms.ChoiceField(label=_("Food category"), choices=FoodCategory.choices)
    quantity_kg = forms.DecimalField(
        label=_("Quantity (kg)"),
        required=False,
        min_value=Decimal("0.001"),
        max_digits=12,
        decimal_places=3,
        widget=forms.NumberInput(attrs={"step": "0.001", "inputmode": "decimal"}),
    )
    units = forms.IntegerField(
        label=_("or number of units"),
        required=False,
        min_value=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    unit_weight_g = forms.IntegerField(
        label=_("weight of one unit (g)"),
        required=False,
        min_value=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    storage_class = forms.ChoiceField(
        label=_("Kept"),
        choices=StorageClass.choices,
        initial=StorageClass.AMBIENT,
        widget=forms.RadioSelect,
    )
    date_kind = forms.ChoiceField(
        label=_("Date on the product"), choices=DateKind.choices, initial=DateKind.BEST_BEFORE
    )
    date_value = forms.DateField(label=_("Date"), required=False, widget=DATE_INPUT)
    allergens = forms.MultipleChoiceField(
        label=_("Allergens (Health Canada priority list)"),
        choices=Allergen.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


def filled_forms(formset: forms.BaseFormSet) -> list[forms.Form]:  # type: ignore[type-arg]
    """The rows someone filled in (untouched extra rows are left out)."""
    return [f for f in formset.forms if f.has_changed() and f.cleaned_data]


OfferItemFormSet = formset_factory(OfferItemForm, extra=1, max_num=50, absolute_max=60)


class AcceptForm(forms.Form):
    """One quantity (kg) per remaining item; empty or 0 takes none of it."""

    taker = forms.ModelChoiceField(label=_("Accept for"), queryset=Organisation.objects.none())

    def __init__(self, *args: Any, items: list[Any], takers: list[Organisation], **kwargs: Any):
        super().__init__(*args, **kwargs)
        taker_field = self.fields["taker"]
        taker_field.queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            pk__in=[t.pk for t in takers]
        ).order_by("name")
        if len(takers) == 1:
            taker_field.initial = takers[0].pk
            taker_field.widget = forms.HiddenInput()
        self.items = items
        for item in items:
            remaining_kg = (Decimal(item.remaining_g) / 1000).quantize(Decimal("0.001"))
            self.fields[f"item_{item.pk}"] = forms.DecimalField(
                label=_("%(product)s (kg)") % {"product": item.product_name},
                required=False,
                min_value=0,
                max_digits=12,
                decimal_places=3,
                initial=remaining_kg,
                widget=forms.NumberInput(attrs={"step": "0.001", "inputmode": "decimal"}),
            )

    def quantities_kg(self) -> dict[int, Decimal]:
        return {
            item.pk: self.cleaned_data.get(f"item_{item.pk}") or Decimal(0) for item in self.items
        }


class CloseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for closing"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. already given to a neighbour")}),
    )


class ReceptionItemForm(forms.Form):
    offer_item_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    product_name = forms.CharField(label=_("Product"), max_length=200)
    category = forms.ChoiceField(label=_("Food category"), choices=FoodCategory.choices)
    storage_class = forms.ChoiceField(
        label=_("Kept"),
        choices=StorageClass.choices,
        initial=StorageClass.AMBIENT,
        widget=forms.Select(attrs={"data-role": "storage"}),
    )
    date_kind = forms.ChoiceField(
        label=_("Date on the product"), choices=DateKind.choices, initial=DateKind.BEST_BEFORE
    )
    date_value = forms.DateField(label=_("Date"), required=False, widget=DATE_INPUT)
    allergens = forms.MultipleChoiceField(
        label=_("Allergens"),
        choices=Allergen.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    weight_kg = forms.DecimalField(
        label=_("Actual weight (kg)"),
        required=False,
        min_value=Decimal("0.001"),
        max_digits=12,
        decimal_places=3,
        widget=forms.NumberInput(attrs={"step": "0.001", "inputmode": "decimal"}),
    )
    temperature_c = forms.DecimalField(
        label=_("Temperature (°C)"),
        required=False,
        max_digits=5,
        decimal_places=1,
        widget=forms.NumberInput(
            attrs={"step": "0.1", "inputmode": "decimal", "data-role": "temperature"}
        ),
    )
    packaging_intact = forms.BooleanField(
        label=_("Packaging intact (not dented, not opened)"),
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs={"data-role": "packaging"}),
    )
    label_present = forms.BooleanField(label=_("Label present"), required=False, initial=True)
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept")), ("refuse", _("Refuse"))],
        initial="accept",
        widget=forms.RadioSelect(attrs={"data-role": "decision"}),
    )
    refusal_reason = forms.CharField(
        label=_("Reason for refusing"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"data-role": "reason"}),
    )
    destination = forms.ChoiceField(
        label=_("Refused food goes to"),
        required=False,
        choices=[("", "—"), *REFUSED_DESTINATION_CHOICES],
    )
    location = forms.TypedChoiceField(
        label=_("Storage location (optional)"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args: Any, locations: list[tuple[int, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["location"].choices = [("", "—"), *(locations or [])]  # type: ignore[attr-defined]


ReceptionItemFormSet = formset_factory(ReceptionItemForm, extra=0, max_num=100, absolute_max=120)
WalkInItemFormSet = formset_factory(ReceptionItemForm, extra=3, max_num=100, absolute_max=120)


class WalkInForm(forms.Form):
    """A donation that arrives with no offer: where it arrives and who brings it."""

    site = forms.ModelChoiceField(label=_("Received at"), queryset=Site.objects.none())
    donor = forms.ModelChoiceField(label=_("Donor"), queryset=Organisation.objects.none())

    def __init__(self, *args: Any, sites: Any, donors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites  # type: ignore[attr-defined]
        self.fields["site"].label_from_instance = (  # type: ignore[attr-defined]
            lambda s: f"{s.organisation.name} — {s.name}"
        )
        if len(sites) == 1:
            self.fields["site"].initial = sites[0].pk
        self.fields["donor"].queryset = donors  # type: ignore[attr-defined]


class OfferImportForm(forms.Form):
    donor = forms.ModelChoiceField(label=_("Donor"), queryset=Organisation.objects.none())
    file = forms.FileField(
        label=_("CSV or Excel (.xlsx) file, 5 MB at most"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".csv,.xlsx,text/csv,"
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )

    def __init__(self, *args: Any, donors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["donor"].queryset = donors  # type: ignore[attr-defined]
        if len(donors) == 1:
            self.fields["donor"].initial = donors[0].pk
