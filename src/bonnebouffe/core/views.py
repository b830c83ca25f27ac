from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from bonnebouffe.accounts.selectors import scope_for
from bonnebouffe.network.selectors import organisation_counts_by_mrc

from .selectors import notification_list
from .services import notification_mark_all_read


@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    return render(
        request,
        "core/home.html",
        {"memberships": scope.memberships, "counts": organisation_counts_by_mrc(scope=scope)},
    )


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        notification_mark_all_read(user=request.user)
        return redirect("core:notifications")
    return render(
        request, "core/notifications.html", {"items": notification_list(user=request.user)[:100]}
    )


def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "core/privacy.html")
