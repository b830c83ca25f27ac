from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from bonnebouffe.accounts.selectors import scope_for
from bonnebouffe.core.http import HtmxHttpRequest
from bonnebouffe.territory.selectors import mrc_list

from .forms import OrganisationFilterForm, OrganisationForm, SiteForm
from .models import Site
from .selectors import (
    network_list,
    organisation_counts_by_mrc,
    organisation_get,
    organisation_list,
    organisation_map_features,
    site_get,
)
from .services import organisation_create, organisation_editable, organisation_update, site_save


def _require_records(request: HttpRequest):  # type: ignore[no-untyped-def]
    scope = scope_for(request.user)
    if not scope.sees_records:
        raise PermissionDenied
    return scope


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """Aggregates per MRC and kind: open to evaluators (no individual record)."""
    scope = scope_for(request.user)
    if not scope.sees_aggregates:
        raise PermissionDenied
    rows = organisation_counts_by_mrc(scope=scope)
    table: dict[str, dict[str, int]] = {}
    kinds: dict[str, str] = {}
    from .models import OrganisationKind

    labels = dict(OrganisationKind.choices)
    for row in rows:
        table.setdefault(str(row["mrc__name"]), {})[str(row["kind"])] = int(row["n"])  # type: ignore[call-overload]
        kinds[str(row["kind"])] = str(labels.get(str(row["kind"]), row["kind"]))
    kind_keys = sorted(kinds, key=lambda k: kinds[k])
    matrix = [
        (mrc, [counts.get(k, 0) for k in kind_keys], sum(counts.values()))
        for mrc, counts in sorted(table.items())
    ]
    return render(
        request,
        "network/overview.html",
        {"kinds": [kinds[k] for k in kind_keys], "matrix": matrix},
    )


@login_required
def organisation_index(request: HtmxHttpRequest) -> HttpResponse:
    scope = _require_records(request)
    mrc_choices = [(m.pk, m.name) for m in mrc_list()]
    form = OrganisationFilterForm(request.GET or None, mrc_choices=mrc_choices)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = organisation_list(
        scope=scope,
        search=filters.get("q") or "",
        kind=filters.get("kind") or "",
        mrc_id=filters.get("mrc"),
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    template = (
        "network/organisation_list.html#results"
        if request.htmx
        else "network/organisation_list.html"
    )
    return render(request, template, {"form": form, "page": page, "total": page.paginator.count})


@login_required
def organisation_map(request: HttpRequest) -> HttpResponse:
    scope = _require_records(request)
    return render(
        request,
        "network/organisation_map.html",
        {"geojson": organisation_map_features(organisation_list(scope=scope))},
    )


@login_required
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = _require_records(request)
    org = organisation_get(scope=scope, pk=pk)
    if org is None:
        raise Http404
    return render(
        request,
        "network/organisation_detail.html",
        {
            "org": org,
            "can_edit": organisation_editable(scope=scope, organisation=org),
            "networks": network_list(scope=scope),
        },
    )


@login_required
def organisation_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    scope = _require_records(request)
    org = organisation_get(scope=scope, pk=pk) if pk else None
    if pk and org is None:
        raise Http404
    if org is not None and not organisation_editable(scope=scope, organisation=org):
        raise PermissionDenied
    if org is None and not (scope.is_admin or scope.coordinator_mrc_ids):
        raise PermissionDenied
    form = OrganisationForm(request.POST or None, instance=org)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in form.Meta.fields}
        try:
            if org is None:
                network = network_list(scope=scope).first()
                if network is None:
                    raise PermissionDenied
                org = organisation_create(scope=scope, network=network, **data)
            else:
                org = organisation_update(scope=scope, organisation=org, **data)
        except ValidationError as exc:
            form.add_error(None, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The organisation was saved."))
            return redirect("network:organisation_detail", pk=org.pk)
    return render(request, "network/organisation_form.html", {"form": form, "org": org})


@login_required
def site_edit(request: HttpRequest, org_pk: int, pk: int | None = None) -> HttpResponse:
    scope = _require_records(request)
    org = organisation_get(scope=scope, pk=org_pk)
    if org is None:
        raise Http404
    site: Site | None = None
    if pk:
        site = site_get(scope=scope, pk=pk)
        if site is None or site.organisation_id != org.pk:
            raise Http404
    if not organisation_editable(scope=scope, organisation=org):
        raise PermissionDenied
    form = SiteForm(request.POST or None, instance=site)
    if request.method == "POST" and form.is_valid():
        fields = {k: form.cleaned_data[k] for k in SiteForm.Meta.fields}
        try:
            site_save(
                scope=scope,
                organisation=org,
                site=site,
                opening_hours=form.opening_hours(),
                **fields,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The site was saved."))
            return redirect("network:organisation_detail", pk=org.pk)
    return render(request, "network/site_form.html", {"form": form, "org": org, "site": site})
