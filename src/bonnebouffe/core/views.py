from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from bonnebouffe.accounts.selectors import scope_for
from bonnebouffe.network.selectors import organisation_counts_by_mrc


@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    return render(
        request,
        "core/home.html",
        {"memberships": scope.memberships, "counts": organisation_counts_by_mrc(scope=scope)},
    )


def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "core/privacy.html")
