from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from bonnebouffe.accounts.selectors import scope_for
from bonnebouffe.network.models import Organisation
from bonnebouffe.territory.models import MRC

from .errors import AllocationFailed
from .forms import AdjustForm, NeedForm, RefuseForm, RunStartForm
from .selectors import (
    agency_list,
    allocation_summary,
    can_run,
    hubs_for_run,
    my_lines,
    need_get,
    need_rows,
    period_bounds,
    period_current,
    run_get,
    run_lines,
    run_list,
    site_capacity_kg,
)
from .services import (
    line_adjust,
    line_confirm,
    line_deliver,
    line_refuse,
    need_save,
    run_publish,
    run_start,
)

REASON_LABELS = {
    "none": gettext_lazy("Within its fair share"),
    "eligibility": gettext_lazy("Cannot use this food"),
    "capacity": gettext_lazy("No more room"),
    "cost": gettext_lazy("Cost or rounding"),
    "expiry": gettext_lazy("Expires before its delivery day"),
    "supply": gettext_lazy("Not enough supply"),
    "equity": gettext_lazy("Held at the top of its fair share"),
}
CATEGORY_LABELS = {
    "vegetables_fruits": gettext_lazy("Vegetables and fruits"),
    "protein_foods": gettext_lazy("Protein foods"),
    "whole_grains": gettext_lazy("Whole grain foods"),
    "other_grains": gettext_lazy("Other grain foods"),
    "prepared_meals": gettext_lazy("Prepared meals"),
    "other": gettext_lazy("Other"),
}
METRIC_LABELS = [
    ("distributed_kg", gettext_lazy("Distributed (kg)")),
    ("undistributed_kg", gettext_lazy("Undistributed (kg)")),
    ("max_relative_deviation", gettext_lazy("Largest gap to a fair share")),
    ("min_fill_rate", gettext_lazy("Lowest fill rate")),
    ("gini_per_person", gettext_lazy("Gini per person (0 = equal)")),
    ("envy_kg_per_person", gettext_lazy("Envy (kg per person)")),
]


def _fail(request: HttpRequest, exc: AllocationFailed) -> None:
    messages.error(request, exc.message)
    for detail in exc.details:
        messages.error(request, detail)


@login_required
def run_index(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not can_run(scope):
        raise PermissionDenied
    hubs = [(h.pk, h.name) for h in hubs_for_run(scope)]
    form = RunStartForm(
        request.POST or None, hub_choices=hubs, initial={"period": period_current()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            run = run_start(
                scope=scope,
                user=request.user,
                period=form.cleaned_data["period"],
                hub_id=form.cleaned_data["hub"],
                delta=form.cleaned_data["delta"],
            )
        except PermissionDenied:
            form.add_error("hub", _("You may not allocate for this scope."))
        except AllocationFailed as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("jobs:detail", run.job_id)
    runs = run_list(scope=scope)[:50]
    return render(request, "allocation/run_list.html", {"form": form, "runs": runs})


def _polyline(curve: list[dict[str, Any]]) -> dict[str, Any]:
    pts = [p for p in curve if p.get("distributed_kg") is not None]
    if not pts:
        return {"points": "", "dots": []}
    top = max(float(p["distributed_kg"]) for p in pts) or 1.0
    dots = []
    for i, p in enumerate(pts):
        x = 40 + i * (320 / max(len(pts) - 1, 1))
        y = 170 - 150 * float(p["distributed_kg"]) / top
        dots.append(
            {"x": round(x, 1), "y": round(y, 1), "label": p["delta"], "kg": p["distributed_kg"]}
        )
    return {"points": " ".join(f"{d['x']},{d['y']}" for d in dots), "dots": dots}


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    run = run_get(scope=scope, pk=pk)
    if run is None:
        raise Http404
    lines = list(run_lines(run=run))
    ids = {int(e["id"]) for e in run.explanations if e["level"] == "agency"}
    names = dict(Organisation.objects.filter(pk__in=ids).values_list("pk", "name"))
    mrc_names = dict(MRC.objects.values_list("pk", "name"))
    rows = []
    for e in run.explanations:
        name = (
            names.get(int(e["id"]), e["id"])
            if e["level"] == "agency"
            else mrc_names.get(int(e["id"]), e["id"])
        )
        rows.append(
            {
                **e,
                "name": name,
                "category_label": CATEGORY_LABELS.get(e["category"], e["category"]),
                "reason_label": REASON_LABELS.get(e["reason"], e["reason"]),
                "breach": f"{e['id']}:{e['category']}" in run.metrics.get("breaches", []),
            }
        )
    plan = run.metrics.get("plan", {})
    baseline = run.metrics.get("baseline", {})
    metric_rows = [(label, plan.get(key), baseline.get(key)) for key, label in METRIC_LABELS]
    return render(
        request,
        "allocation/run_detail.html",
        {
            "run": run,
            "lines": lines,
            "agency_rows": [r for r in rows if r["level"] == "agency"],
            "mrc_rows": [r for r in rows if r["level"] == "mrc"],
            "metric_rows": metric_rows,
            "chart": _polyline(run.curve),
            "adjust_form": AdjustForm(),
        },
    )


@login_required
@require_POST
def line_adjust_view(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    form = AdjustForm(request.POST)
    from .models import AllocationLine

    line = AllocationLine.objects.filter(pk=pk).only("run_id").first()
    if line is None or run_get(scope=scope, pk=line.run_id) is None:
        raise Http404
    if not form.is_valid():
        messages.error(request, _("Enter a quantity in kg."))
    else:
        try:
            grams = int((form.cleaned_data["quantity_kg"] * Decimal(1000)).to_integral_value())
            line_adjust(scope=scope, line_id=pk, quantity_g=grams)
            messages.success(request, _("Line adjusted; the measures were re-computed."))
        except AllocationFailed as exc:
            _fail(request, exc)
    return redirect("allocation:run_detail", line.run_id)


@login_required
@require_POST
def run_publish_view(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    if run_get(scope=scope, pk=pk) is None:
        raise Http404
    try:
        run_publish(scope=scope, run_id=pk, actor=request.user)
        messages.success(request, _("Published: the agencies were notified."))
    except AllocationFailed as exc:
        _fail(request, exc)
    return redirect("allocation:run_detail", pk)


@login_required
def my_lines_view(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not scope.sees_records:
        raise PermissionDenied
    lines = list(my_lines(scope=scope)[:300])
    return render(
        request,
        "allocation/my_lines.html",
        {"lines": lines, "refuse_form": RefuseForm(), "can_deliver": can_run(scope)},
    )


def _answer(request: HttpRequest, action: Any, **kwargs: Any) -> HttpResponse:
    scope = scope_for(request.user)
    try:
        action(scope=scope, actor=request.user, **kwargs)
        messages.success(request, _("Saved."))
    except PermissionDenied:
        raise Http404 from None
    except AllocationFailed as exc:
        _fail(request, exc)
    return redirect("allocation:my_lines")


@login_required
@require_POST
def line_confirm_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _answer(request, line_confirm, line_id=pk)


@login_required
@require_POST
def line_refuse_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _answer(request, line_refuse, line_id=pk, reason=request.POST.get("reason", ""))


@login_required
@require_POST
def line_deliver_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _answer(request, line_deliver, line_id=pk)


def _period_param(request: HttpRequest) -> str:
    period = request.GET.get("semaine") or period_current()
    try:
        period_bounds(period)
    except ValueError:
        return period_current()
    return period


@login_required
def needs(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not scope.sees_records:
        raise PermissionDenied
    period = _period_param(request)
    return render(
        request,
        "allocation/needs.html",
        {"period": period, "rows": need_rows(scope=scope, period=period)},
    )


@login_required
def need_edit(request: HttpRequest, agency_id: int) -> HttpResponse:
    scope = scope_for(request.user)
    agency = agency_list(scope=scope).filter(pk=agency_id).first()
    if agency is None:
        raise Http404
    period = _period_param(request)
    need = need_get(agency_id=agency.pk, period=period)
    initial: dict[str, Any] = {}
    if need is not None:
        initial = {
            "people_served": need.people_served,
            "capacity_ambient_kg": need.capacity_ambient_kg,
            "capacity_refrigerated_kg": need.capacity_refrigerated_kg,
            "capacity_frozen_kg": need.capacity_frozen_kg,
            "ineligible_categories": need.ineligible_categories,
            "delivery_weekdays": need.delivery_weekdays,
            "earliest_delivery": need.earliest_delivery,
        }
    form = NeedForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            need_save(
                scope=scope,
                agency_id=agency.pk,
                period=period,
                people_served=d["people_served"],
                capacity_kg={
                    c: d[f"capacity_{c}_kg"] for c in ("ambient", "refrigerated", "frozen")
                },
                ineligible_categories=d["ineligible_categories"],
                delivery_weekdays=d["delivery_weekdays"],
                earliest_delivery=d["earliest_delivery"],
                actor=request.user,
            )
        except AllocationFailed as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Need saved."))
            return redirect(f"{request.path.rsplit('/', 2)[0]}/?semaine={period}")
    return render(
        request,
        "allocation/need_form.html",
        {
            "agency": agency,
            "period": period,
            "form": form,
            "site_capacity": site_capacity_kg(agency.pk),
        },
    )


@login_required
def summary(request: HttpRequest) -> HttpResponse:
    """Published kg per week and MRC: open to evaluators (no agency, no lot)."""
    scope = scope_for(request.user)
    if not scope.sees_aggregates:
        raise PermissionDenied
    return render(
        request,
        "allocation/summary.html",
        {"rows": [{**r, "kg": (r["q"] or 0) / 1000} for r in allocation_summary(scope=scope)]},
    )
