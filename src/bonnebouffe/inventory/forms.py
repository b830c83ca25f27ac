"""Forms of the stock pages. Quantities are typed in kilograms and stored in grams.

A place (a site, or a storage location inside it) travels in a form as "site_pk:location_pk"
("site_pk:0" for the site itself); the view hands the form the places the user may use, so a
form never accepts a place outside the scope.
"""

from __future__ import annotations

import re
import uuid
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.formats import get_format
from django.utils.translation import gettext_lazy as _

from bonnebouffe.network.models import Organisation, Site

from .labels import LAYOUTS, SHEET, THERMAL
from .models import Destination, FoodCategory, StorageLocation

Place = tuple[Site, StorageLocation | None]
LOT_URL = re.compile(r"/lots/([A-Za-z0-9-]+)/?(?:[?#].*)?$")
DISPOSE_DESTINATIONS = [
    (Destination.ANIMAL_FEED.value, Destination.ANIMAL_FEED.label),
    (Destination.COMPOST.value, Destination.COMPOST.label),
    (Destination.DISPOSAL.value, Destination.DISPOSAL.label),
]


def place_key(site_id: int, location_id: int | None) -> str:
    return f"{site_id}:{location_id or 0}"


def grams(kg: Decimal) -> int:
    """Kilograms typed by a person, to whole grams (half up)."""
    return int((kg * 1000).to_integral_value(rounding=ROUND_HALF_UP))


class KgField(forms.DecimalField):
    """Kilograms with a decimal comma or point, whatever the language ("2,5" is 2.5 kg in
    English too: a volunteer's habit must never turn 2.5 kg into 25 kg). Spaces and a
    grouping separator used together with a decimal one are ignored ("1 234,5", "1,234.5")."""

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if isinstance(value, str):
            text = "".join(value.split()).replace("\u202f", "")
            if "," in text and "." in text:
                grouping = "," if text.rfind(".") > text.rfind(",") else "."
                text = text.replace(grouping, "")
            for separator in (",", "."):
                if text.count(separator) > 1:
                    text = text.replace(separator, "")
            value = text.replace(",", ".")
        return super().to_python(value)  # type: ignore[no-any-return]

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal):
            text = f"{value.normalize():f}"
            return text.replace(".", str(get_format("DECIMAL_SEPARATOR")))
        return value


def kg_field(label: Any, *, required: bool = True, minimum: str = "0.001") -> KgField:
    return KgField(
        label=label,
        required=required,
        min_value=Decimal(minimum),
        max_digits=12,
        decimal_places=3,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


def new_key() -> str:
    return str(uuid.uuid4())


class IdempotentForm(forms.Form):
    """A form whose submission applies once: the key is made when the form is shown."""

    key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("key", new_key())


class PlaceChoiceField(forms.ChoiceField):
    def __init__(self, *, places: dict[str, Place], labels: dict[str, str], **kwargs: Any):
        super().__init__(choices=[(k, labels[k]) for k in places], **kwargs)
        self.places = places

    def clean(self, value: Any) -> Place:  # type: ignore[override]
        return self.places[super().clean(value)]


class LotActionForm(IdempotentForm):
    """Move, issue or dispose: take a quantity of the lot from one place where it is."""

    field_order = ["source", "quantity_kg"]

    def __init__(
        self,
        *args: Any,
        sources: dict[str, Place],
        source_labels: dict[str, str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"] = PlaceChoiceField(
            label=_("From"), places=sources, labels=source_labels
        )
        self.fields["quantity_kg"] = kg_field(_("Quantity (kg)"))
        self.order_fields(self.field_order)


class MoveForm(LotActionForm):
    field_order = ["source", "target", "quantity_kg"]

    def __init__(
        self, *args: Any, targets: dict[str, Place], target_labels: dict[str, str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"] = PlaceChoiceField(
            label=_("To"), places=targets, labels=target_labels
        )
        self.order_fields(self.field_order)


class IssueForm(LotActionForm):
    field_order = ["source", "recipient", "quantity_kg"]

    def __init__(self, *args: Any, recipients: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipient"] = forms.ModelChoiceField(
            label=_("Agency receiving the food"), queryset=recipients
        )
        self.order_fields(self.field_order)


class DisposeForm(LotActionForm):
    field_order = ["source", "destination", "quantity_kg", "reason"]
    destination = forms.ChoiceField(
        label=_("Where it goes"), choices=DISPOSE_DESTINATIONS, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        error_messages={"required": _("Say why the food cannot be given (e.g. mould).")},
    )


class SiteChoiceForm(forms.Form):
    """Choose one of the user's stock sites (and, optionally, one of its locations)."""

    site = forms.TypedChoiceField(label=_("Site"), coerce=int)

    def __init__(self, *args: Any, sites: list[Site], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [(s.pk, site_label(s)) for s in sites]  # type: ignore[attr-defined]


def site_label(site: Site) -> str:
    return f"{site.organisation.name} · {site.name}"


def location_label(location: StorageLocation | None, site: Site) -> str:
    if location is None:
        return site_label(site)
    return f"{site_label(site)} · {location.name}"


class PickListForm(SiteChoiceForm):
    category = forms.ChoiceField(
        label=_("Food category"),
        required=False,
        choices=[("", _("All categories")), *FoodCategory.choices],
    )
    product = forms.CharField(label=_("Product"), required=False, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["quantity_kg"] = kg_field(_("Quantity wanted (kg)"), required=False)


class PickIssueForm(IdempotentForm):
    """Issue the picks shown on the pick list, exactly as printed, to one agency."""

    site = forms.IntegerField(widget=forms.HiddenInput)
    picks = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, recipients: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipient"] = forms.ModelChoiceField(
            label=_("Agency receiving the food"), queryset=recipients
        )

    def clean_picks(self) -> list[tuple[int, int | None, int]]:
        """ "lot:location:grams" items separated by commas."""
        picks = []
        try:
            for item in str(self.cleaned_data["picks"]).split(","):
                lot_id, location_id, quantity_g = (int(part) for part in item.split(":"))
                if quantity_g <= 0:
                    raise ValueError
                picks.append((lot_id, location_id or None, quantity_g))
        except ValueError:
            raise forms.ValidationError(_("The pick list is damaged; show it again.")) from None
        return picks


def picks_value(picks: list[Any]) -> str:
    return ",".join(f"{p.lot_id}:{p.location_id or 0}:{p.take_g}" for p in picks)


class CountForm(forms.Form):
    """One "counted (kg)" input per balance the count expects; empty means not counted."""

    def __init__(self, *args: Any, rows: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            field = kg_field(
                _("Counted (kg) for lot %(code)s") % {"code": row.lot.code},
                required=False,
                minimum="0",
            )
            field.widget.attrs["class"] = "count-input"
            self.fields[f"b{row.pk}"] = field

    def counted(self) -> list[tuple[Any, int]]:
        return [
            (row, grams(self.cleaned_data[f"b{row.pk}"]))
            for row in self.rows
            if self.cleaned_data.get(f"b{row.pk}") is not None
        ]

    def row_fields(self) -> list[tuple[Any, forms.BoundField]]:
        return [(row, self[f"b{row.pk}"]) for row in self.rows]


class LotSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Lot code or product"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

    def clean_q(self) -> str:
        """A scanned QR code types the lot page's URL: keep only its lot code."""
        query = str(self.cleaned_data.get("q") or "").strip()
        match = LOT_URL.search(query)
        return match.group(1) if match else query


class LabelsForm(forms.Form):
    lots = forms.CharField(
        label=_("Lot codes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Separate the codes with commas, spaces or new lines."),
    )
    site = forms.TypedChoiceField(
        label=_("Or: every lot received today at"), coerce=int, required=False
    )
    format = forms.ChoiceField(
        label=_("Label format"),
        choices=[
            (SHEET, _('Sheet of 10 labels, 4" x 2" (US Letter, Avery 5163)')),
            (THERMAL, _('Thermal printer, one 4" x 2" label')),
        ],
        initial=SHEET,
        required=False,
    )

    def __init__(self, *args: Any, sites: list[Site], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [("", "—"), *((s.pk, site_label(s)) for s in sites)]  # type: ignore[attr-defined]

    def clean_format(self) -> str:
        value = self.cleaned_data.get("format") or SHEET
        return value if value in LAYOUTS else SHEET

    def codes(self) -> list[str]:
        text = str(self.cleaned_data.get("lots") or "")
        return [c for c in text.replace(",", " ").split() if c]


class LocationForm(forms.ModelForm):
    class Meta:
        model = StorageLocation
        fields = ["name", "storage_class", "cold_unit"]

    def __init__(self, *args: Any, site: Site, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cold_unit = self.fields["cold_unit"]
        cold_unit.queryset = cold_unit.queryset.filter(site=site, is_active=True)  # type: ignore[attr-defined]
        cold_unit.help_text = _(
            "The fridge, freezer or truck whose temperature log this place follows."
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        unit = data.get("cold_unit")
        storage_class = data.get("storage_class")
        if unit is not None and storage_class and unit.storage_class != storage_class:
            self.add_error(
                "cold_unit", _("This cold unit keeps a different storage class than this place.")
            )
        return data
