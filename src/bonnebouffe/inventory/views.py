"""Stock pages: the stock home, storage locations, the FEFO pick list, the lot page with its
one-tap actions, stock counts and lot labels.

Every stock change goes through `services` (movement_record, lot_dispose, stock_count_record)
with the user's scope checked first; a LedgerError is shown as its translated message next to
the form, and nothing changes. Quantities are grams in the ledger and kilograms on screen.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import partial
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bonnebouffe.accounts.selectors import Scope, scope_for
from bonnebouffe.core.http import HtmxHttpRequest
from bonnebouffe.domain.quantities import format_kg
from bonnebouffe.jobs.models import JobStatus
from bonnebouffe.jobs.selectors import job_list
from bonnebouffe.jobs.tasks import job_submit
from bonnebouffe.network.models import Site

from . import labels as label_rendering
from .errors import LedgerError
from .forms import (
    CountForm,
    DisposeForm,
    IssueForm,
    LabelsForm,
    LocationForm,
    LotSearchForm,
    MoveForm,
    PickIssueForm,
    PickListForm,
    Place,
    grams,
    location_label,
    picks_value,
    place_key,
)
from .models import Destination, Lot, MovementKind, StorageLocation
from .selectors import kg, lot_get, lot_list, onhand_by_category, pick_list_fefo, today
from .services import (
    PickFailed,
    lot_dispose,
    movement_record,
    pick_list_issue,
    stock_count_record,
    storage_location_create,
)
from .stock_queries import (
    blocked_at_site,
    count_rows,
    hold_labels,
    location_list_for_sites,
    lot_balances,
    lot_movements,
    lots_by_codes,
    lots_received_on,
    movement_by_key,
    near_date_at_site,
    onhand_table,
    recipient_list,
    site_manageable,
    stock_count_get,
    stock_site_get,
    stock_site_list,
    storage_location_get,
    storage_location_list,
)
from .tasks import LABELS_JOB

ACTIONS = ("move", "issue", "dispose")


def _stock_scope(request: HttpRequest) -> Scope:
    scope = scope_for(request.user)
    if not scope.is_staff_member:
        raise PermissionDenied
    return scope


def _kg_text(quantity_g: int) -> str:
    return format_kg(kg(quantity_g), language=get_language() or "fr-ca", decimals=3)


def _chosen_site(value: Any, sites: list[Site]) -> Site | None:
    by_pk = {str(s.pk): s for s in sites}
    return by_pk.get(str(value)) or (sites[0] if sites else None)


# --- Stock home ------------------------------------------------------------------------------


@login_required
def home(request: HtmxHttpRequest) -> HttpResponse:
    """On hand by category and class, near-date and blocked lots, for one site of the scope."""
    scope = _stock_scope(request)
    sites = list(stock_site_list(scope=scope))
    site = _chosen_site(request.GET.get("site"), sites)
    context: dict[str, Any] = {"sites": sites, "site": site, "search_form": LotSearchForm()}
    if site is not None:
        day = today()
        table = onhand_table(onhand_by_category(site_id=site.pk))
        context["onhand"] = {
            **table,
            "rows": [
                {**r, "cells": [kg(c) for c in r["cells"]], "total": kg(r["total"])}
                for r in table["rows"]
            ],
            "totals": [kg(c) for c in table["totals"]],
            "total": kg(table["total"]),
        }
        near_date = []
        for lot in near_date_at_site(scope=scope, site_id=site.pk, on=day):
            days = (lot.date_value - day).days if lot.date_value else 0
            near_date.append(
                {
                    "lot": lot,
                    "kg": kg(lot.onhand_g),  # type: ignore[attr-defined]
                    "days": days,
                    "days_ago": -days,
                    "holds": hold_labels(lot, on=day),
                }
            )
        context["near_date"] = near_date
        context["blocked"] = [
            {"lot": lot, "kg": kg(lot.onhand_g), "holds": hold_labels(lot, on=day)}  # type: ignore[attr-defined]
            for lot in blocked_at_site(scope=scope, site_id=site.pk, on=day)
        ]
        context["can_manage"] = site_manageable(scope=scope, site=site)
    template = "inventory/home.html#panel" if request.htmx else "inventory/home.html"
    return render(request, template, context)


# --- Storage locations -----------------------------------------------------------------------


@login_required
def locations(request: HttpRequest, site_pk: int) -> HttpResponse:
    """The places inside a site; administrators and coordinators add new ones."""
    scope = _stock_scope(request)
    site = stock_site_get(scope=scope, pk=site_pk)
    if site is None:
        raise Http404
    can_manage = site_manageable(scope=scope, site=site)
    if request.method == "POST" and not can_manage:
        raise PermissionDenied
    form = None
    if can_manage:
        form = LocationForm(request.POST or None, site=site, instance=StorageLocation(site=site))
        if request.method == "POST" and form.is_valid():
            try:
                storage_location_create(site=site, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, _("The storage location was added."))
                return redirect("inventory:locations", site_pk=site.pk)
    rows = [
        {"location": loc, "kg": kg(loc.onhand_g or 0)}  # type: ignore[attr-defined]
        for loc in storage_location_list(site_id=site.pk)
    ]
    return render(
        request,
        "inventory/locations.html",
        {"site": site, "rows": rows, "form": form, "can_manage": can_manage},
    )


# --- FEFO pick list --------------------------------------------------------------------------


@login_required
def pick_list(request: HtmxHttpRequest) -> HttpResponse:
    """First-expired-first-out picks for a site, printable, and issued to an agency in one go."""
    scope = _stock_scope(request)
    sites = list(stock_site_list(scope=scope))
    bound = "site" in request.GET
    form = PickListForm(
        request.GET if bound else None,
        sites=sites,
        initial={"site": sites[0].pk if sites else None},
    )
    context: dict[str, Any] = {"form": form, "sites": sites, "picks": None}
    if bound and form.is_valid():
        data = form.cleaned_data
        site = _chosen_site(data["site"], sites)
        wanted_g = grams(data["quantity_kg"]) if data.get("quantity_kg") else None
        picks = pick_list_fefo(
            site_id=data["site"],
            category=data.get("category") or None,
            product=data.get("product") or None,
            quantity_g=wanted_g,
        )
        taken_g = sum(p.take_g for p in picks)
        context.update(
            site=site,
            picks=[
                {"pick": p, "available_kg": kg(p.available_g), "take_kg": kg(p.take_g)}
                for p in picks
            ],
            wanted_kg=kg(wanted_g) if wanted_g else None,
            taken_kg=kg(taken_g),
            short_kg=kg(wanted_g - taken_g) if wanted_g and wanted_g > taken_g else None,
            issue_form=PickIssueForm(
                recipients=recipient_list(scope=scope),
                initial={"site": data["site"], "picks": picks_value(picks)},
            )
            if picks
            else None,
            query=request.GET.urlencode(),
        )
    template = "inventory/pick_list.html#results" if request.htmx else "inventory/pick_list.html"
    return render(request, template, context)


@login_required
@require_POST
def pick_issue(request: HttpRequest) -> HttpResponse:
    scope = _stock_scope(request)
    back = reverse("inventory:pick_list")
    query = QueryDict(request.POST.get("query", "")).urlencode()
    if query:
        back = f"{back}?{query}"
    form = PickIssueForm(request.POST, recipients=recipient_list(scope=scope))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(back)
    data = form.cleaned_data
    key = str(data["key"])
    if movement_by_key(idempotency_key=f"{key}-0") is not None:
        messages.info(request, _("This issue was already recorded."))
        return redirect(back)
    site = stock_site_get(scope=scope, pk=data["site"])
    if site is None:
        raise Http404
    picks: list[tuple[int, int | None, int]] = data["picks"]
    lots = {lot.pk: lot for lot in lot_list(scope=scope).filter(pk__in=[p[0] for p in picks])}
    resolved = []
    for lot_id, location_id, quantity_g in picks:
        location = storage_location_get(site_id=site.pk, pk=location_id)
        if lot_id not in lots or (location_id and location is None):
            messages.error(request, _("The pick list is damaged; show it again."))
            return redirect(back)
        resolved.append((lots[lot_id], location, quantity_g))
    try:
        movements = pick_list_issue(
            site=site, picks=resolved, recipient=data["recipient"], actor=request.user, key=key
        )
    except PickFailed as exc:
        messages.error(
            request,
            _("Nothing was issued. Lot %(code)s: %(error)s")
            % {"code": exc.code, "error": exc.error.message},
        )
        return redirect(back)
    except IntegrityError:  # the same list sent twice at the same moment
        if movement_by_key(idempotency_key=f"{key}-0") is None:
            raise
        messages.info(request, _("This issue was already recorded."))
        return redirect(back)
    messages.success(
        request,
        _("%(n)s lots issued to %(org)s, %(kg)s in all.")
        % {
            "n": len(movements),
            "org": data["recipient"].name,
            "kg": _kg_text(sum(m.quantity_g for m in movements)),
        },
    )
    return redirect(back)


# --- Lot search and the lot page -------------------------------------------------------------


@login_required
def lot_search(request: HtmxHttpRequest) -> HttpResponse:
    """Type or scan a lot code (or its QR code's URL), or part of a product name."""
    scope = scope_for(request.user)
    form = LotSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    results: list[Lot] = []
    if query:
        exact = lot_list(scope=scope).filter(code__iexact=query).first()
        if exact is not None and not request.htmx:
            return redirect("inventory:lot_detail", code=exact.code)
        results = list(lot_list(scope=scope, search=query).order_by("-created_at")[:50])
    template = "inventory/lot_search.html#results" if request.htmx else "inventory/lot_search.html"
    return render(request, template, {"form": form, "query": query, "results": results})


def _lot_or_404(scope: Scope, code: str) -> Lot:
    lot = lot_get(scope=scope, code=code)
    if lot is None:
        raise Http404
    return lot


@dataclass
class LotPlaces:
    """Where the user may take the lot from, and where they may move it to."""

    sources: dict[str, Place]
    source_labels: dict[str, str]
    source_g: dict[str, int]
    targets: dict[str, Place]
    target_labels: dict[str, str]


def _lot_places(scope: Scope, balances: list[Any]) -> LotPlaces:
    sites = list(stock_site_list(scope=scope))
    actable = {s.pk: s for s in sites}
    sources: dict[str, Place] = {}
    source_labels: dict[str, str] = {}
    source_g: dict[str, int] = {}
    for b in balances:
        if b.site_id not in actable:
            continue
        key = place_key(b.site_id, b.location_id)
        sources[key] = (actable[b.site_id], b.location)
        source_g[key] = b.quantity_g
        source_labels[key] = f"{location_label(b.location, b.site)} ({_kg_text(b.quantity_g)})"
    targets: dict[str, Place] = {}
    target_labels: dict[str, str] = {}
    locations = location_list_for_sites(site_ids=actable)
    for site in sites:
        targets[place_key(site.pk, None)] = (site, None)
        target_labels[place_key(site.pk, None)] = location_label(None, site)
        for loc in locations:
            if loc.site_id == site.pk:
                targets[place_key(site.pk, loc.pk)] = (site, loc)
                target_labels[place_key(site.pk, loc.pk)] = location_label(loc, site)
    return LotPlaces(sources, source_labels, source_g, targets, target_labels)


def _action_form(action: str, scope: Scope, places: LotPlaces, data: Any = None) -> forms.Form:
    initial: dict[str, Any] = {}
    if places.sources:
        first = next(iter(places.sources))
        initial = {"source": first, "quantity_kg": kg(places.source_g[first])}
    common: dict[str, Any] = {
        "data": data,
        "prefix": action,
        "initial": initial,
        "sources": places.sources,
        "source_labels": places.source_labels,
    }
    if action == "move":
        return MoveForm(targets=places.targets, target_labels=places.target_labels, **common)
    if action == "issue":
        return IssueForm(recipients=recipient_list(scope=scope), **common)
    return DisposeForm(**common)


def _lot_page(
    request: HttpRequest,
    scope: Scope,
    lot: Lot,
    *,
    places: LotPlaces | None = None,
    balances: list[Any] | None = None,
    bound: tuple[str, forms.Form] | None = None,
) -> HttpResponse:
    if balances is None:
        balances = list(lot_balances(lot=lot))
    if places is None:
        places = _lot_places(scope, balances)
    holds = hold_labels(lot)
    action_forms = {
        action: bound[1] if bound and bound[0] == action else _action_form(action, scope, places)
        for action in ACTIONS
    }
    context = {
        "lot": lot,
        "holds": holds,
        "allergens": label_rendering.allergen_labels(lot.allergens or []),
        "date_line": label_rendering.date_line(lot),
        "storage_line": label_rendering.storage_instructions(lot.storage_class),
        "balances": [{"balance": b, "kg": kg(b.quantity_g)} for b in balances],
        "total_kg": kg(sum(b.quantity_g for b in balances)),
        "movements": [{"movement": m, "kg": kg(m.quantity_g)} for m in lot_movements(lot=lot)],
        "can_act": bool(places.sources),
        "forms": action_forms,
    }
    return render(request, "inventory/lot_detail.html", context)


@login_required
def lot_detail(request: HttpRequest, code: str) -> HttpResponse:
    """The page a lot's QR code opens: what it is, where it is, and the next action."""
    scope = scope_for(request.user)
    return _lot_page(request, scope, _lot_or_404(scope, code))


def _lot_action(request: HttpRequest, code: str, action: str) -> HttpResponse:
    scope = scope_for(request.user)
    lot = _lot_or_404(scope, code)
    key = request.POST.get(f"{action}-key", "")
    earlier = movement_by_key(idempotency_key=key) if key else None
    if earlier is not None and earlier.lot_id == lot.pk:  # a double tap: it applied once
        messages.info(request, _("This was already recorded."))
        return redirect("inventory:lot_detail", code=lot.code)
    balances = list(lot_balances(lot=lot))
    places = _lot_places(scope, balances)
    if not places.sources:
        raise PermissionDenied
    form = _action_form(action, scope, places, data=request.POST)
    if form.is_valid():
        try:
            message = _apply_action(action, lot, form.cleaned_data, actor=request.user)
        except LedgerError as exc:
            form.add_error(None, exc.message)
        except IntegrityError:  # the same form sent twice at the same moment
            if movement_by_key(idempotency_key=str(form.cleaned_data["key"])) is None:
                raise
            messages.info(request, _("This was already recorded."))
            return redirect("inventory:lot_detail", code=lot.code)
        else:
            messages.success(request, message)
            return redirect("inventory:lot_detail", code=lot.code)
    return _lot_page(request, scope, lot, places=places, balances=balances, bound=(action, form))


def _apply_action(action: str, lot: Lot, data: dict[str, Any], *, actor: Any) -> str:
    site, location = data["source"]
    quantity_g = grams(data["quantity_kg"])
    key = str(data["key"])
    if action == "move":
        to_site, to_location = data["target"]
        movement_record(
            lot=lot,
            kind=MovementKind.TRANSFER,
            quantity_g=quantity_g,
            from_site=site,
            from_location=location,
            to_site=to_site,
            to_location=to_location,
            actor=actor,
            idempotency_key=key,
        )
        return _("%(kg)s moved to %(place)s.") % {
            "kg": _kg_text(quantity_g),
            "place": location_label(to_location, to_site),
        }
    if action == "issue":
        movement_record(
            lot=lot,
            kind=MovementKind.ISSUE,
            quantity_g=quantity_g,
            from_site=site,
            from_location=location,
            recipient=data["recipient"],
            actor=actor,
            idempotency_key=key,
        )
        return _("%(kg)s issued to %(org)s.") % {
            "kg": _kg_text(quantity_g),
            "org": data["recipient"].name,
        }
    lot_dispose(
        lot=lot,
        site=site,
        location=location,
        quantity_g=quantity_g,
        destination=data["destination"],
        reason=data["reason"],
        actor=actor,
        idempotency_key=key,
    )
    return _("%(kg)s sent to: %(destination)s.") % {
        "kg": _kg_text(quantity_g),
        "destination": Destination(data["destination"]).label,
    }


@login_required
@require_POST
def lot_move(request: HttpRequest, code: str) -> HttpResponse:
    return _lot_action(request, code, "move")


@login_required
@require_POST
def lot_issue(request: HttpRequest, code: str) -> HttpResponse:
    return _lot_action(request, code, "issue")


@login_required
@require_POST
def lot_dispose_view(request: HttpRequest, code: str) -> HttpResponse:
    return _lot_action(request, code, "dispose")


# --- Stock count -----------------------------------------------------------------------------


@login_required
def count(request: HttpRequest) -> HttpResponse:
    """Count a site (or one location): each variance becomes an adjustment movement."""
    scope = _stock_scope(request)
    sites = list(stock_site_list(scope=scope))
    site = _chosen_site(request.GET.get("site"), sites)
    context: dict[str, Any] = {"sites": sites, "site": site}
    if site is None:
        return render(request, "inventory/count.html", context)
    location = storage_location_get(site_id=site.pk, pk=request.GET.get("location"))
    rows = count_rows(site_id=site.pk, location_id=location.pk if location else None)
    form = CountForm(request.POST or None, rows=rows)
    if request.method == "POST" and form.is_valid():
        counted = [(row.lot, row.location, g) for row, g in form.counted()]
        if not counted:
            form.add_error(None, _("Type at least one counted quantity."))
        else:
            try:
                stock_count = stock_count_record(
                    site=site, counted=counted, actor=request.user, location=location
                )
            except LedgerError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The count was saved."))
                params = QueryDict(mutable=True)
                params["site"] = str(site.pk)
                if location:
                    params["location"] = str(location.pk)
                params["count"] = str(stock_count.pk)
                return redirect(f"{reverse('inventory:count')}?{params.urlencode()}")
    saved = stock_count_get(scope=scope, pk=request.GET.get("count"))
    context.update(
        location=location,
        locations=list(storage_location_list(site_id=site.pk)),
        form=form,
        rows=[
            {"balance": row, "kg": kg(row.quantity_g), "field": field}
            for row, field in form.row_fields()
        ],
        saved=saved,
        variances=[
            {
                "line": line,
                "expected_kg": kg(line.expected_g),
                "counted_kg": kg(line.counted_g),
                "variance_kg": kg(line.variance_g),
            }
            for line in (saved.lines.all() if saved else [])
        ],
    )
    return render(request, "inventory/count.html", context)


# --- Labels ----------------------------------------------------------------------------------


@login_required
def labels_page(request: HttpRequest) -> HttpResponse:
    """PDF labels for lots (?lots=code1,code2) or for today's receipts at a site (?site=)."""
    scope = _stock_scope(request)
    sites = list(stock_site_list(scope=scope))
    wanted = bool(request.GET.get("lots") or request.GET.get("site"))
    form = LabelsForm(request.GET if wanted else None, sites=sites)
    if wanted and form.is_valid():
        layout = form.cleaned_data["format"]
        if form.codes():
            lots = lots_by_codes(scope=scope, codes=form.codes())
        else:
            site = stock_site_get(scope=scope, pk=form.cleaned_data["site"])
            lots = list(lots_received_on(scope=scope, site_id=site.pk, day=today())) if site else []
        if not lots:
            form.add_error(None, _("No lot found for these labels."))
        elif len(lots) > label_rendering.JOB_MAX_LOTS:
            form.add_error(
                None,
                _("At most %(n)s labels at a time; choose fewer lots.")
                % {"n": label_rendering.JOB_MAX_LOTS},
            )
        elif len(lots) > label_rendering.DIRECT_MAX_LOTS:
            job = job_submit(
                kind=LABELS_JOB,
                title=_("Labels for %(n)s lots") % {"n": len(lots)},
                owner=request.user,
                params={
                    "lot_ids": [lot.pk for lot in lots],
                    "layout": layout,
                    "language": get_language(),
                    "origin": f"{request.scheme}://{request.get_host()}",
                    "file_token": str(uuid.uuid4()),
                },
            )
            return redirect("jobs:detail", pk=job.pk)
        else:
            pdf = label_rendering.labels_pdf(
                lots, url_for=partial(label_rendering.lot_qr_url, request), layout=layout
            )
            response = HttpResponse(pdf, content_type="application/pdf")
            name = lots[0].code if len(lots) == 1 else f"{len(lots)}-lots"
            response["Content-Disposition"] = f'inline; filename="labels-{name}.pdf"'
            return response
    return render(request, "inventory/labels.html", {"form": form})


@login_required
def labels_download(request: HttpRequest, token: uuid.UUID) -> HttpResponseBase:
    """The PDF a labels job made; only its owner (or an administrator) may fetch it."""
    job = job_list(user=request.user).filter(kind=LABELS_JOB, params__file_token=str(token)).first()
    if job is None:
        raise Http404
    if job.status != JobStatus.SUCCEEDED or not job.result:
        return redirect("jobs:detail", pk=job.pk)
    name = str(job.result.get("file", ""))
    if not name or not default_storage.exists(name):
        raise Http404
    return FileResponse(
        default_storage.open(name, "rb"),
        content_type="application/pdf",
        filename=f"labels-{token.hex[:8]}.pdf",
    )
