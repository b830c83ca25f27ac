from __future__ import annotations

from datetime import time
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bonnebouffe.territory.models import Municipality

from .models import Organisation, OrganisationKind, Site, Weekday


class OrganisationFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search"), required=False)
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        required=False,
        choices=[("", gettext_lazy("All kinds")), *OrganisationKind.choices],
    )
    mrc = forms.IntegerField(label=gettext_lazy("MRC"), required=False, widget=forms.Select)

    def __init__(self, *args: Any, mrc_choices: list[tuple[Any, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mrc"].widget.choices = [("", _("All MRCs")), *mrc_choices]


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = [
            "name",
            "kind",
            "municipality",
            "hub",
            "description",
            "website",
            "public_email",
            "public_phone",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = Municipality.objects.select_related("mrc")  # type: ignore[attr-defined]
        self.fields["hub"].queryset = Organisation.objects.filter(kind=OrganisationKind.HUB)  # type: ignore[attr-defined]


class SiteForm(forms.ModelForm):
    """A site and its opening hours: one opening and one closing time per weekday."""

    class Meta:
        model = Site
        fields = [
            "name",
            "address",
            "postal_code",
            "municipality",
            "latitude",
            "longitude",
            "storage_ambient_kg",
            "storage_refrigerated_kg",
            "storage_frozen_kg",
            "truck_access",
            "max_vehicle_length_m",
            "access_notes",
            "accessibility_notes",
            "contact_role",
            "is_primary",
        ]
        widgets = {
            "access_notes": forms.Textarea(attrs={"rows": 2}),
            "accessibility_notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = Municipality.objects.select_related("mrc")  # type: ignore[attr-defined]
        existing: dict[int, tuple[time, time]] = {}
        if self.instance.pk:
            for h in self.instance.opening_hours.all():
                existing.setdefault(h.weekday, (h.opens, h.closes))
        for day in Weekday:
            opens, closes = existing.get(day.value, (None, None))
            self.fields[f"opens_{day.value}"] = forms.TimeField(
                label=_("%(day)s — opens") % {"day": day.label},
                required=False,
                initial=opens,
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            )
            self.fields[f"closes_{day.value}"] = forms.TimeField(
                label=_("%(day)s — closes") % {"day": day.label},
                required=False,
                initial=closes,
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for day in Weekday:
            o, c = data.get(f"opens_{day.value}"), data.get(f"closes_{day.value}")
            if (o is None) != (c is None):
                self.add_error(
                    f"closes_{day.value}",
                    _("Give both the opening and the closing time, or neither."),
                )
            elif o is not None and c is not None and c <= o:
                self.add_error(f"closes_{day.value}", _("Closing time must be after opening time."))
        return data

    def opening_hours(self) -> list[tuple[int, time, time]]:
        hours = []
        for day in Weekday:
            o = self.cleaned_data.get(f"opens_{day.value}")
            c = self.cleaned_data.get(f"closes_{day.value}")
            if o is not None and c is not None:
                hours.append((day.value, o, c))
        return hours
