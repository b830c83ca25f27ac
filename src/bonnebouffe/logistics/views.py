from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bonnebouffe.accounts.models import Role
from bonnebouffe.accounts.selectors import Scope, scope_for, users_with_role

from .forms import DeliveryRequestForm, DriverForm, PlanStartForm, ShiftForm, VehicleForm
from .models import Driver, Shift, Vehicle
from .presenters import plan_map_data, plan_report, route_rows
from .selectors import (
    delivery_request_list,
    delivery_sites,
    driver_list,
    driver_next_route,
    driver_profile_exists,
    driver_routes,
    may_plan,
    plan_get,
    plan_may_replan,
    planning_hubs,
    planning_networks,
    shift_list,
    vehicle_list,
)
from .selectors import (
    plan_list as plan_list_q,
)
from .services import delivery_request_create, driver_save, shift_save, vehicle_save
from .sheets import route_sheet_pdf
from .tasks import plan_submit, replan_submit


def _planner(request: HttpRequest) -> Scope:
    scope = scope_for(request.user)
    if not may_plan(scope):
        raise PermissionDenied
    return scope


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    """Plans of the hubs in scope, and the form that starts a planning job."""
    scope = _planner(request)
    hubs = planning_hubs(scope=scope)
    tomorrow = timezone.localdate() + timedelta(days=1)
    form = PlanStartForm(
        request.POST or None,
        hubs=hubs,
        networks=planning_networks(scope=scope),
        initial={"date": tomorrow},
    )
    if request.method == "POST" and form.is_valid():
        hub = form.cleaned_data["hub"]
        network = hub.network if hub is not None else form.network
        job = plan_submit(
            user=request.user, day=form.cleaned_data["date"], network=network, hub=hub
        )
        return redirect("jobs:detail", job.pk)
    plans = plan_list_q(scope=scope)[:50]
    return render(request, "logistics/plan_list.html", {"form": form, "plans": plans})


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = _planner(request)
    plan = plan_get(scope=scope, pk=pk)
    if plan is None:
        raise Http404
    return render(
        request,
        "logistics/plan_detail.html",
        {
            "plan": plan,
            "report": plan_report(plan),
            "map_data": plan_map_data(plan),
            "may_replan": plan_may_replan(plan=plan),
        },
    )


@login_required
@require_POST
def plan_replan(request: HttpRequest, pk: int) -> HttpResponse:
    """Start the re-planning of the plan's day from now (a background job)."""
    scope = _planner(request)
    plan = plan_list_q(scope=scope).filter(pk=pk).first()
    if plan is None:
        raise Http404
    if not plan_may_replan(plan=plan):
        messages.error(
            request, _("Only the latest plan of today or a day to come can be re-planned.")
        )
        return redirect("logistics:plan_detail", plan.pk)
    job = replan_submit(user=request.user, plan=plan)
    return redirect("jobs:detail", job.pk)


@login_required
def route_sheet(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    scope = _planner(request)
    plan = plan_get(scope=scope, pk=pk)
    route = next((r for r in plan.routes.all() if r.number == number), None) if plan else None
    if route is None:
        raise Http404
    with translation.override(translation.get_language()):
        pdf = route_sheet_pdf(route)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="route-{plan.date}-{number}.pdf"'  # type: ignore[union-attr]
    return response


@login_required
def fleet(request: HttpRequest) -> HttpResponse:
    scope = _planner(request)
    today = timezone.localdate()
    return render(
        request,
        "logistics/fleet.html",
        {
            "vehicles": vehicle_list(scope=scope),
            "drivers": driver_list(scope=scope),
            "shifts": shift_list(scope=scope).filter(date__gte=today)[:100],
        },
    )


def _edit(
    request: HttpRequest,
    *,
    model: type[Model],
    form_class: Any,
    save: Any,
    pk: int | None,
    objects: Any,
    title: str,
) -> HttpResponse:
    scope = _planner(request)
    instance = None
    if pk is not None:
        instance = objects.filter(pk=pk).first()
        if instance is None:
            raise Http404
    form = form_class(request.POST or None, instance=instance)
    hubs = planning_hubs(scope=scope)
    if "hub" in form.fields:
        form.fields["hub"].queryset = hubs
    if "user" in form.fields:
        form.fields["user"].queryset = users_with_role(
            organisation_ids=hubs.values("pk"), role=Role.DRIVER
        )
    if "vehicle" in form.fields:
        form.fields["vehicle"].queryset = vehicle_list(scope=scope)
        form.fields["driver"].queryset = driver_list(scope=scope)
    if request.method == "POST" and form.is_valid():
        try:
            save(scope=scope, **{str(model._meta.model_name): form.save(commit=False)})
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("logistics:fleet")
    return render(request, "logistics/fleet_form.html", {"form": form, "title": title})


@login_required
def vehicle_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    return _edit(
        request,
        model=Vehicle,
        form_class=VehicleForm,
        save=vehicle_save,
        pk=pk,
        objects=vehicle_list(scope=scope_for(request.user)),
        title=_("Vehicle"),
    )


@login_required
def driver_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    return _edit(
        request,
        model=Driver,
        form_class=DriverForm,
        save=driver_save,
        pk=pk,
        objects=driver_list(scope=scope_for(request.user)),
        title=_("Driver"),
    )


@login_required
def shift_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    return _edit(
        request,
        model=Shift,
        form_class=ShiftForm,
        save=shift_save,
        pk=pk,
        objects=shift_list(scope=scope_for(request.user)),
        title=_("Shift"),
    )


@login_required
def delivery_requests(request: HttpRequest) -> HttpResponse:
    """Coming delivery requests of the hubs in scope."""
    scope = _planner(request)
    rows = delivery_request_list(scope=scope).filter(date__gte=timezone.localdate())[:200]
    return render(request, "logistics/delivery_requests.html", {"requests": rows})


@login_required
def delivery_request_add(request: HttpRequest) -> HttpResponse:
    scope = _planner(request)
    tomorrow = timezone.localdate() + timedelta(days=1)
    form = DeliveryRequestForm(request.POST or None, initial={"date": tomorrow})
    form.fields["hub"].queryset = planning_hubs(scope=scope)  # type: ignore[attr-defined]
    form.fields["site"].queryset = delivery_sites(scope=scope)  # type: ignore[attr-defined]
    form.fields["site"].label_from_instance = lambda s: f"{s.organisation.name} — {s.name}"  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        try:
            delivery_request_create(scope=scope, request=form.save(commit=False))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("logistics:delivery_requests")
    return render(
        request, "logistics/fleet_form.html", {"form": form, "title": _("Delivery request")}
    )


@login_required
def driver_today(request: HttpRequest) -> HttpResponse:
    """The driver's route of the day, for a phone; updates go through the API, queued
    offline by logistics/driver.js. Only for accounts that are a driver of a hub."""
    linked = driver_profile_exists(request.user)
    if not linked and not scope_for(request.user).has_role(Role.DRIVER):
        raise PermissionDenied
    today = timezone.localdate()
    routes = driver_routes(user=request.user, day=today)
    data = []
    for route in routes:
        rows = route_rows(route)
        next_row = next(
            (r for r in rows if r["stop"].kind != "depot" and r["stop"].status == "planned"), None
        )
        data.append({"route": route, "rows": rows, "next": next_row})
    upcoming = None if data else driver_next_route(user=request.user, after=today)
    return render(
        request,
        "logistics/driver_today.html",
        {"routes": data, "today": today, "upcoming": upcoming, "linked": linked},
    )
