from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bonnebouffe.accounts.selectors import scope_for
from bonnebouffe.jobs.tasks import job_submit

from .selectors import mrc_list, municipality_geojson, municipality_list

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


@login_required
def territory_map(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not scope.sees_aggregates:
        raise PermissionDenied
    municipalities = municipality_list()
    return render(
        request,
        "territory/map.html",
        {
            "mrcs": mrc_list(),
            "municipalities": municipalities,
            "geojson": municipality_geojson(municipalities),
        },
    )


class FiguresImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What the file holds"),
        choices=[
            ("municipalities", gettext_lazy("Census population by municipality")),
            (
                "dissemination_areas",
                gettext_lazy("Dissemination areas (population, deprivation quintiles)"),
            ),
        ],
    )
    file = forms.FileField(label=gettext_lazy("CSV file (UTF-8)"))

    def clean_file(self):  # type: ignore[no-untyped-def]
        f = self.cleaned_data["file"]
        if f.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        try:
            return f.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(_("The file is not UTF-8 text.")) from exc


@login_required
def figures_import(request: HttpRequest) -> HttpResponse:
    if not scope_for(request.user).is_admin:
        raise PermissionDenied
    form = FiguresImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = job_submit(
            kind="territory.figures_import",
            title=_("Import of census figures"),
            owner=request.user,
            params={"kind": form.cleaned_data["kind"], "content": form.cleaned_data["file"]},
        )
        return redirect("jobs:detail", pk=job.pk)
    return render(request, "territory/import.html", {"form": form})
