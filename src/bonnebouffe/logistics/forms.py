from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bonnebouffe.network.models import Organisation, Weekday

from .models import DeliveryRequest, Driver, Shift, Vehicle


class PlanStartForm(forms.Form):
    """A date, and one hub or (network administrators) every hub of the network at once."""

    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    hub: forms.ModelChoiceField = forms.ModelChoiceField(  # type: ignore[type-arg]
        label=_("Hub"), queryset=Organisation.objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, hubs: Any, networks: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["hub"]
        field.queryset = hubs  # type: ignore[attr-defined]
        self.network = networks.first() if networks is not None and networks.count() == 1 else None
        if self.network is not None:
            field.required = False
            field.empty_label = _("Whole network (every hub, several depots)")  # type: ignore[attr-defined]
            field.help_text = _(
                "The whole network: every hub's vehicles may serve every stop, and return to "
                "their own hub."
            )


class _WeekdaysMixin(forms.ModelForm):  # type: ignore[type-arg]
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Available weekdays"),
        choices=Weekday.choices,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class VehicleForm(_WeekdaysMixin):
    class Meta:
        model = Vehicle
        fields = [
            "hub",
            "name",
            "capacity_kg",
            "volume_l",
            "refrigerated_kg",
            "frozen_kg",
            "cost_per_km",
            "cost_per_hour",
            "max_length_m",
            "licence_class",
            "weekdays",
            "active",
        ]


class DriverForm(_WeekdaysMixin):
    class Meta:
        model = Driver
        fields = ["hub", "display_name", "user", "kind", "licence_class", "weekdays", "active"]
        help_texts = {
            "display_name": _("A role-like label, e.g. “Driver 2 — Tuesday”."),
            "user": _(
                "The account that signs in on the phone to see this driver's routes: an "
                "account with the driver role in the hub."
            ),
        }


class ShiftForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Shift
        fields = ["vehicle", "driver", "date", "start", "end"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}),
            "start": forms.TimeInput(attrs={"type": "time"}),
            "end": forms.TimeInput(attrs={"type": "time"}),
        }


class DeliveryRequestForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = DeliveryRequest
        fields = [
            "hub",
            "site",
            "date",
            "ambient_kg",
            "refrigerated_kg",
            "frozen_kg",
            "window_start",
            "window_end",
            "notes",
        ]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}),
            "window_start": forms.TimeInput(attrs={"type": "time"}),
            "window_end": forms.TimeInput(attrs={"type": "time"}),
        }
        help_texts = {
            "site": _("An agency, a community grocery or a mobile unit's base."),
            "window_start": _("Leave both times empty to use the site's opening hours."),
        }
