from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from bonnebouffe.accounts.selectors import Scope, scope_for
from bonnebouffe.core.http import HtmxHttpRequest
from bonnebouffe.network.models import Organisation
from bonnebouffe.network.selectors import organisation_map_features
from bonnebouffe.territory.selectors import mrc_list

from .exports import directory_csv, directory_hsds
from .forms import ContributionForm, DirectoryFilterForm
from .models import ContributionType
from .selectors import directory_list, project_get, project_list
from .services import contribution_declare, partner_organisations


def _scope(request: HttpRequest) -> Scope:
    scope = scope_for(request.user)
    if not scope.sees_directory:
        raise PermissionDenied
    return scope


def _filtered(request: HttpRequest, scope: Scope):  # type: ignore[no-untyped-def]
    form = DirectoryFilterForm(
        request.GET or None,
        projects=[(p.pk, p.name) for p in project_list(scope=scope)],
        mrcs=[(m.pk, m.name) for m in mrc_list()],
    )
    f = form.cleaned_data if form.is_valid() else {}
    qs = directory_list(
        scope=scope,
        search=f.get("q") or "",
        contribution_type=f.get("type") or "",
        project_id=f.get("project"),
        mrc_id=f.get("mrc"),
        kind=f.get("kind") or "",
    )
    return form, qs


@login_required
def directory(request: HtmxHttpRequest) -> HttpResponse:
    scope = _scope(request)
    form, qs = _filtered(request, scope)
    partners = list(qs)
    template = "partners/directory.html#results" if request.htmx else "partners/directory.html"
    return render(
        request,
        template,
        {
            "form": form,
            "partners": partners,
            "query": request.GET.urlencode(),
            "types": ContributionType.choices,
        },
    )


@login_required
def directory_map(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    _form, qs = _filtered(request, scope)
    ids = [o.pk for o in qs]
    features = organisation_map_features(
        Organisation.objects.filter(pk__in=ids).select_related("mrc", "municipality")
    )
    return render(
        request, "partners/map.html", {"geojson": features, "query": request.GET.urlencode()}
    )


@login_required
def export_csv(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    _form, qs = _filtered(request, scope)
    response = HttpResponse(directory_csv(qs), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="repertoire-partenaires.csv"'
    return response


@login_required
def export_hsds(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    _form, qs = _filtered(request, scope)
    response = HttpResponse(
        json.dumps(directory_hsds(qs), ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="repertoire-partenaires-hsds.json"'
    return response


@login_required
def projects(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    return render(request, "partners/project_list.html", {"projects": project_list(scope=scope)})


@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = _scope(request)
    project = project_get(scope=scope, pk=pk)
    if project is None:
        raise Http404
    return render(request, "partners/project_detail.html", {"project": project})


@login_required
def contribution_new(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    orgs = partner_organisations(scope=scope)
    if not orgs:
        raise PermissionDenied
    form = ContributionForm(
        request.POST or None,
        organisations=[(o.pk, o.name) for o in orgs],
        projects=project_list(scope=scope),
    )
    if request.method == "POST" and form.is_valid():
        org = next(o for o in orgs if o.pk == form.cleaned_data["organisation"])
        try:
            contribution_declare(
                scope=scope,
                organisation=org,
                project=form.cleaned_data["project"],
                mrcs=list(form.cleaned_data["mrcs"]),
                kinds=form.cleaned_data["kinds"],
                offer=form.cleaned_data["offer"],
            )
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Thank you: your contribution is in the directory."))
            return redirect("partners:directory")
    return render(request, "partners/contribution_form.html", {"form": form})
