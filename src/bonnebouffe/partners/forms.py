from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bonnebouffe.network.models import OrganisationKind
from bonnebouffe.territory.models import MRC

from .models import ContributionType, Project


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search (name or offer)"), required=False)
    type = forms.ChoiceField(
        label=gettext_lazy("Contribution type"),
        required=False,
        choices=[("", gettext_lazy("All types")), *ContributionType.choices],
    )
    project = forms.IntegerField(label=gettext_lazy("Project"), required=False, widget=forms.Select)
    mrc = forms.IntegerField(label=gettext_lazy("MRC"), required=False, widget=forms.Select)
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind of organisation"),
        required=False,
        choices=[("", gettext_lazy("All kinds")), *OrganisationKind.choices],
    )

    def __init__(
        self,
        *args: Any,
        projects: list[tuple[Any, str]],
        mrcs: list[tuple[Any, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].widget.choices = [("", _("All projects")), *projects]
        self.fields["mrc"].widget.choices = [("", _("All MRCs")), *mrcs]


class ContributionForm(forms.Form):
    organisation = forms.TypedChoiceField(label=gettext_lazy("Your organisation"), coerce=int)
    project = forms.ModelChoiceField(label=gettext_lazy("Project"), queryset=Project.objects.none())
    mrcs = forms.ModelMultipleChoiceField(
        label=gettext_lazy("In which MRCs"),
        queryset=MRC.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )
    kinds = forms.MultipleChoiceField(
        label=gettext_lazy("How you contribute"),
        choices=ContributionType.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    offer = forms.CharField(
        label=gettext_lazy("What you offer"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=gettext_lazy(
            "For example: a refrigerated room two days a week, volunteers for sorting, "
            "a link with the farmers."
        ),
    )

    def __init__(
        self, *args: Any, organisations: list[tuple[int, str]], projects: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = organisations  # type: ignore[attr-defined]
        self.fields["project"].queryset = projects  # type: ignore[attr-defined]
