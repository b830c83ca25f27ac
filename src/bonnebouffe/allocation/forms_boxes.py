"""Forms of the portioned-box pages (compositions, assembly)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bonnebouffe.inventory.models import FoodCategory, StorageClass

from .boxes import MAX_BOXES


class BoxCompositionForm(forms.Form):
    """Name, storage class and grams per box for each food category (empty: none)."""

    network = forms.TypedChoiceField(label=_("Network"), coerce=int)
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_(
            "What volunteers and agencies call it, for example Panier famille 4 personnes."
        ),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Who the box is for and what it should contain."),
    )
    storage_class = forms.ChoiceField(
        label=_("Storage class"),
        choices=StorageClass.choices,
        initial=StorageClass.AMBIENT,
        help_text=_(
            "An ambient box takes only ambient food; a refrigerated box also takes ambient "
            "food; a frozen box takes only frozen food."
        ),
    )

    def __init__(self, *args: Any, network_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["network"].choices = network_choices  # type: ignore[attr-defined]
        if len(network_choices) == 1:
            self.fields["network"].initial = network_choices[0][0]
            self.fields["network"].widget = forms.HiddenInput()
        for value, label in FoodCategory.choices:
            self.fields[f"g_{value}"] = forms.IntegerField(
                label=_("%(category)s (g per box)") % {"category": label},
                min_value=0,
                max_value=50_000,
                required=False,
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any(data.get(f"g_{c}") for c in FoodCategory.values):
            raise forms.ValidationError(_("Give the grams of at least one food category."))
        return data

    def lines(self) -> dict[str, int]:
        return {
            c: int(self.cleaned_data[f"g_{c}"])
            for c in FoodCategory.values
            if self.cleaned_data.get(f"g_{c}")
        }


class BoxAssembleForm(forms.Form):
    composition = forms.TypedChoiceField(
        label=_("Box"), coerce=int, help_text=_("The composition to assemble.")
    )
    site = forms.TypedChoiceField(
        label=_("Hub site"),
        coerce=int,
        help_text=_("The lots are taken from this site's stock, first expired first out."),
    )
    count = forms.IntegerField(
        label=_("Number of boxes"),
        min_value=1,
        max_value=MAX_BOXES,
        initial=10,
        help_text=_("Nothing is assembled unless the stock covers every line for all boxes."),
    )

    def __init__(
        self,
        *args: Any,
        composition_choices: list[tuple[int, str]],
        site_choices: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["composition"].choices = composition_choices  # type: ignore[attr-defined]
        self.fields["site"].choices = site_choices  # type: ignore[attr-defined]
