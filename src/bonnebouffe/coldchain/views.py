"""Pages of the cold chain: the day's temperature log, a unit's history, excursion review."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bonnebouffe.accounts.selectors import Scope, scope_for
from bonnebouffe.core.http import HtmxHttpRequest
from bonnebouffe.inventory.errors import LedgerError

from . import tasks  # noqa: F401  (registers the job runners the services submit)
from .forms import ReadingForm, ReviewForm, UnitForm
from .models import ExcursionStatus, ReadingSource
from .selectors import (
    excursion_get,
    excursion_list,
    excursion_reviewable,
    reading_list,
    sites_for_unit_create,
    unit_balances,
    unit_get,
    unit_locations,
    unit_manageable,
    unit_status_get,
    unit_status_list,
)
from .services import excursion_review as excursion_review_service
from .services import reading_record
from .services import unit_create as unit_create_service


def _scope(request: HttpRequest) -> Scope:
    scope = scope_for(request.user)
    if not scope.sees_records:
        raise PermissionDenied
    return scope


def _errors(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    """The day's log: every unit with its limit, last reading and a quick entry form."""
    scope = _scope(request)
    return render(
        request,
        "coldchain/unit_list.html",
        {
            "rows": unit_status_list(scope=scope),
            "excursions": excursion_list(scope=scope, status=ExcursionStatus.OPEN)[:50],
            "can_add": sites_for_unit_create(scope=scope).exists(),
        },
    )


@login_required
@require_POST
def reading_add(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Quick entry: with HTMX, answers with the unit's row; without, redirects back."""
    scope = _scope(request)
    unit = unit_get(scope=scope, pk=pk)
    if unit is None:
        raise Http404
    form = ReadingForm(request.POST)
    errors: list[str] = []
    reading = None
    if form.is_valid():
        try:
            reading = reading_record(
                unit=unit,
                temperature_c=form.cleaned_data["temperature_c"],
                source=ReadingSource.MANUAL,
                actor=request.user,
            )
        except ValidationError as exc:
            errors = _errors(exc)
    else:
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
    if request.htmx:
        return render(
            request,
            "coldchain/unit_list.html#unit_row",
            {
                "row": unit_status_get(scope=scope, pk=unit.pk),
                "errors": errors,
                "value": request.POST.get("temperature_c", "") if errors else "",
                "recorded": reading,
            },
        )
    if errors:
        messages.error(
            request, _("%(unit)s: %(errors)s") % {"unit": unit.name, "errors": " ".join(errors)}
        )
    elif reading is not None and not reading.within_limit:
        messages.error(request, _("Above the limit: the lots in this unit are held for review."))
    else:
        messages.success(request, _("The temperature was recorded."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = ""
    return redirect(target or "coldchain:unit_list")


@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = _scope(request)
    status = unit_status_get(scope=scope, pk=pk)
    if status is None:
        raise Http404
    unit = status.unit
    return render(
        request,
        "coldchain/unit_detail.html",
        {
            "row": status,
            "unit": unit,
            "readings": reading_list(unit=unit)[:1000],
            "excursions": excursion_list(scope=scope, unit_id=unit.pk)[:50],
            "locations": unit_locations(unit_id=unit.pk),
            "can_manage": unit_manageable(scope=scope, unit=unit),
            "form": ReadingForm(),
        },
    )


@login_required
def unit_create(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    sites = sites_for_unit_create(scope=scope)
    if not sites.exists():
        raise PermissionDenied
    initial = {"site": request.GET.get("site")} if request.GET.get("site") else None
    form = UnitForm(request.POST or None, sites=sites, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            unit = unit_create_service(scope=scope, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The unit was added. Record its first temperature."))
            return redirect("coldchain:unit_detail", pk=unit.pk)
    return render(request, "coldchain/unit_form.html", {"form": form})


@login_required
def excursion_review(request: HttpRequest, pk: int) -> HttpResponse:
    scope = _scope(request)
    excursion = excursion_get(scope=scope, pk=pk)
    if excursion is None:
        raise Http404
    can_review = excursion_reviewable(scope=scope, excursion=excursion)
    form = ReviewForm(request.POST or None)
    if request.method == "POST":
        if not can_review:
            raise PermissionDenied
        if form.is_valid():
            try:
                excursion = excursion_review_service(
                    excursion=excursion,
                    decision=form.cleaned_data["decision"],
                    notes=form.cleaned_data["notes"],
                    actor=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            except LedgerError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The excursion was reviewed."))
                return redirect("coldchain:unit_detail", pk=excursion.unit_id)
    lot_ids = [lot.pk for lot in excursion.lots.all()]
    held_here: dict[int, int] = {}
    for balance in unit_balances(unit_id=excursion.unit_id, lot_ids=lot_ids):
        held_here[balance.lot_id] = held_here.get(balance.lot_id, 0) + balance.quantity_g
    lots = [(lot, Decimal(held_here.get(lot.pk, 0)) / 1000) for lot in excursion.lots.all()]
    return render(
        request,
        "coldchain/excursion_review.html",
        {
            "excursion": excursion,
            "lots": lots,
            "can_review": can_review and excursion.status == ExcursionStatus.OPEN,
            "form": form,
        },
    )
