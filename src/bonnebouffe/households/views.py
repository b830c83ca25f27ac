from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from bonnebouffe.accounts.selectors import scope_for

from .selectors import household_list
from .services import household_export, household_open


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


@login_required
def household_index(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if scope.is_household:
        own = household_list(scope=scope).first()
        if own is None:
            raise Http404
        return redirect("households:detail", pk=own.pk)
    if not scope.has_role("network_admin", "agency_staff"):
        raise PermissionDenied
    search = (request.GET.get("q") or "").strip()[:50]
    return render(
        request,
        "households/list.html",
        {"households": household_list(scope=scope, search=search)[:200], "q": search},
    )


@login_required
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = household_open(
        scope=scope_for(request.user), actor=request.user, pk=pk, ip_address=_ip(request)
    )
    if household is None:
        raise Http404
    return render(request, "households/detail.html", {"household": household})


@login_required
def household_download(request: HttpRequest, pk: int) -> HttpResponse:
    data = household_export(
        scope=scope_for(request.user), actor=request.user, pk=pk, ip_address=_ip(request)
    )
    if data is None:
        raise Http404
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="menage-{data["reference"]}.json"'
    return response
