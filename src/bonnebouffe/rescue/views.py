"""Pages of food rescue: declare and follow offers, the coordinators' board and map, the
agencies' open board, accepting and closing, and reception at a hub."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bonnebouffe.accounts.selectors import Scope, scope_for
from bonnebouffe.core.http import HtmxHttpRequest

from .forms import (
    AcceptForm,
    CloseForm,
    OfferForm,
    OfferImportForm,
    OfferItemForm,
    OfferItemFormSet,
    ReceptionItemFormSet,
    WalkInForm,
    WalkInItemFormSet,
    filled_forms,
)
from .imports import ImportRejected, columns_help, offers_import
from .models import Acceptance, CascadeStage, OfferKind
from .selectors import (
    acceptance_get,
    acceptances_to_receive,
    agency_org_ids,
    donor_sites,
    my_offers,
    network_hubs,
    offer_board,
    offer_closable,
    offer_donor_options,
    offer_get,
    offer_map_features,
    offer_remaining_g,
    offer_takers,
    reception_get,
    reception_sites,
    storage_locations,
    temperature_limits,
    walk_in_donor_options,
)
from .services import (
    OfferError,
    OfferItemSpec,
    ReceptionLine,
    kg_to_g,
    offer_accept,
    offer_close,
    offer_create,
    reception_record,
)

ITEM_KEY = re.compile(r"(items|lines)\[(\d+)\]\.(\w+)")


def _board_scope(request: HttpRequest) -> Scope:
    scope = scope_for(request.user)
    if not (
        scope.is_superuser
        or scope.admin_network_ids
        or scope.coordinator_hub_ids
        or agency_org_ids(scope)
    ):
        raise PermissionDenied
    return scope


def _apply_errors(
    exc: ValidationError, form: forms.Form, rows: list[forms.Form] | None = None
) -> None:
    """Put a service's errors next to the fields they are about."""
    for key, msgs in exc.message_dict.items():
        match = ITEM_KEY.fullmatch(key)
        target: forms.Form = form
        name: str | None = key
        if match and rows is not None and int(match.group(2)) < len(rows):
            target, name = rows[int(match.group(2))], match.group(3)
        if name not in target.fields:
            name = None
        for message in msgs:
            target.add_error(name, message)


# --- Donors -----------------------------------------------------------------------------


def _offer_form_context(scope: Scope) -> dict[str, Any]:
    donors = list(offer_donor_options(scope=scope))
    if not donors:
        raise PermissionDenied
    network_ids = sorted({d.network_id for d in donors})
    return {
        "donors": offer_donor_options(scope=scope),
        "sites": donor_sites([d.pk for d in donors]),
        "hubs": network_hubs(network_ids[0]),
        "donor_count": len(donors),
    }


@login_required
def offer_new(request: HtmxHttpRequest) -> HttpResponse:
    """One phone-sized page: where and when, then the items."""
    scope = scope_for(request.user)
    ctx = _offer_form_context(scope)
    kwargs = {k: ctx[k] for k in ("donors", "sites", "hubs")}
    data: QueryDict | None = request.POST if request.method == "POST" else None
    if data is not None and "add_item" in data:
        data = data.copy()
        data["items-TOTAL_FORMS"] = str(int(data.get("items-TOTAL_FORMS") or 0) + 1)
    form = OfferForm(data, request.FILES or None, **kwargs)
    formset = OfferItemFormSet(data, prefix="items")
    if data is not None and "add_item" not in data and form.is_valid() and formset.is_valid():
        filled = filled_forms(formset)
        specs = [
            OfferItemSpec(
                product_name=f.cleaned_data["product_name"],
                category=f.cleaned_data["category"],
                storage_class=f.cleaned_data["storage_class"],
                date_kind=f.cleaned_data["date_kind"],
                date_value=f.cleaned_data.get("date_value"),
                allergens=tuple(f.cleaned_data.get("allergens") or ()),
                quantity_kg=f.cleaned_data.get("quantity_kg"),
                units=f.cleaned_data.get("units"),
                unit_weight_g=f.cleaned_data.get("unit_weight_g"),
            )
            for f in filled
        ]
        cd = form.cleaned_data
        try:
            offer = offer_create(
                scope=scope,
                donor=cd["donor"],
                kind=cd["kind"],
                handover=cd["handover"],
                pickup_site=cd.get("pickup_site"),
                dropoff_hub=cd.get("dropoff_hub"),
                window_start=cd["window_start"],
                window_end=cd["window_end"],
                estimated_kg=cd.get("estimated_kg"),
                notes=cd.get("notes") or "",
                photo=cd.get("photo"),
                items=specs,
                actor=request.user,
            )
        except ValidationError as exc:
            _apply_errors(exc, form, filled)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Thank you! Your offer was sent to %(hub)s.") % {"hub": offer.home_hub.name},
            )
            return redirect("rescue:my_offers")
    return render(
        request,
        "rescue/offer_form.html",
        {"form": form, "formset": formset, "donor_count": ctx["donor_count"]},
    )


@login_required
def offer_item_row(request: HtmxHttpRequest) -> HttpResponse:
    """One more empty item row (HTMX), with the formset's new total."""
    try:
        index = max(0, min(int(request.GET.get("index", "0")), 49))
    except ValueError:
        index = 0
    form = OfferItemForm(
        prefix=f"items-{index}", empty_permitted=True, use_required_attribute=False
    )
    return render(
        request,
        "rescue/offer_form.html#item_row",
        {"item_form": form, "number": index + 1, "next_index": index + 1, "oob": True},
    )


@login_required
def my_offers_view(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    can_declare = offer_donor_options(scope=scope).exists()
    offers = list(my_offers(scope=scope)[:100])
    rows = [(o, offer_remaining_g(o)) for o in offers]
    return render(request, "rescue/my_offers.html", {"rows": rows, "can_declare": can_declare})


@login_required
def offer_import(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    donors = offer_donor_options(scope=scope)
    if not donors.exists():
        raise PermissionDenied
    form = OfferImportForm(request.POST or None, request.FILES or None, donors=donors)
    errors: list[Any] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = offers_import(
                scope=scope,
                donor=form.cleaned_data["donor"],
                content=upload.read(),
                filename=upload.name or "",
                actor=request.user,
            )
        except ImportRejected as exc:
            errors = exc.errors
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("%(offers)s offers (%(items)s items) were created.")
                % {"offers": len(result.offers), "items": result.item_count},
            )
            return redirect("rescue:my_offers")
    return render(
        request,
        "rescue/offer_import.html",
        {"form": form, "errors": errors, "columns": columns_help()},
    )


# --- Coordinators and agencies ------------------------------------------------------------


@login_required
def offer_list(request: HtmxHttpRequest) -> HttpResponse:
    """Open offers the user may act on, most urgent first."""
    scope = _board_scope(request)
    stage = request.GET.get("stage", "")
    if stage not in CascadeStage.values:
        stage = ""
    rows = offer_board(scope=scope, stage=stage)
    template = "rescue/offer_list.html#board" if request.htmx else "rescue/offer_list.html"
    return render(
        request,
        template,
        {
            "rows": rows,
            "stage": stage,
            "stages": [(s.value, s.label) for s in CascadeStage if s != CascadeStage.DONE],
            "to_receive": acceptances_to_receive(scope=scope)[:50],
            "open_board": False,
        },
    )


@login_required
def open_board(request: HttpRequest) -> HttpResponse:
    """The open board: offers no hub took in time, for agencies."""
    scope = _board_scope(request)
    rows = offer_board(scope=scope, stage=CascadeStage.OPEN_BOARD)
    return render(
        request,
        "rescue/offer_list.html",
        {
            "rows": rows,
            "stage": CascadeStage.OPEN_BOARD,
            "stages": [],
            "to_receive": acceptances_to_receive(scope=scope)[:50],
            "open_board": True,
        },
    )


@login_required
def offer_map(request: HttpRequest) -> HttpResponse:
    scope = _board_scope(request)
    rows = offer_board(scope=scope)
    return render(
        request, "rescue/offer_map.html", {"geojson": offer_map_features(rows), "count": len(rows)}
    )


def _detail_context(scope: Scope, offer: Any, **extra: Any) -> dict[str, Any]:
    takers = offer_takers(scope=scope, offer=offer)
    items = [i for i in offer.items.all() if i.remaining_g > 0]
    accept_form = extra.pop("accept_form", None)
    if accept_form is None and takers:
        accept_form = AcceptForm(items=items, takers=takers)
    closable = offer_closable(scope=scope, offer=offer)
    return {
        "offer": offer,
        "items": list(offer.items.all()),
        "remaining_g": offer_remaining_g(offer),
        "accept_form": accept_form if takers else None,
        "close_form": extra.pop("close_form", None) or (CloseForm() if closable else None),
        "is_gleaning": offer.kind == OfferKind.GLEANING,
        "receivable": [
            a
            for a in offer.acceptances.all()
            if not a.received
            and (
                scope.is_superuser
                or a.taker_id in scope.coordinator_hub_ids
                or a.taker_id in agency_org_ids(scope)
                or a.taker.network_id in scope.admin_network_ids
            )
        ],
        **extra,
    }


@login_required
def offer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    offer = offer_get(scope=scope, pk=pk)
    if offer is None:
        raise Http404
    return render(request, "rescue/offer_detail.html", _detail_context(scope, offer))


@login_required
@require_POST
def offer_accept_view(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    offer = offer_get(scope=scope, pk=pk)
    if offer is None:
        raise Http404
    takers = offer_takers(scope=scope, offer=offer)
    items = [i for i in offer.items.all() if i.remaining_g > 0]
    form = AcceptForm(request.POST, items=items, takers=takers)
    if form.is_valid():
        quantities = None
        if "accept_part" in request.POST:
            quantities = {pk: kg_to_g(kg) for pk, kg in form.quantities_kg().items()}
        try:
            acceptance = offer_accept(
                scope=scope,
                offer=offer,
                taker=form.cleaned_data["taker"],
                quantities_g=quantities,
                actor=request.user,
            )
        except OfferError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Accepted. Record the reception when the food arrives."),
            )
            return redirect("rescue:offer_detail", pk=acceptance.offer_id)
    offer = offer_get(scope=scope, pk=pk)
    return render(
        request,
        "rescue/offer_detail.html",
        _detail_context(scope, offer, accept_form=form),
        status=422,
    )


@login_required
@require_POST
def offer_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    offer = offer_get(scope=scope, pk=pk)
    if offer is None:
        raise Http404
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            offer_close(
                scope=scope, offer=offer, reason=form.cleaned_data["reason"], actor=request.user
            )
        except OfferError as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            _apply_errors(exc, form)
        else:
            messages.success(request, _("The offer was closed."))
            return redirect("rescue:offer_detail", pk=pk)
    offer = offer_get(scope=scope, pk=pk)
    return render(
        request,
        "rescue/offer_detail.html",
        _detail_context(scope, offer, close_form=form),
        status=422,
    )


# --- Reception ----------------------------------------------------------------------------


def _reception_lines(rows: list[forms.Form]) -> list[ReceptionLine]:
    lines = []
    for f in rows:
        cd = f.cleaned_data
        weight = cd.get("weight_kg")
        lines.append(
            ReceptionLine(
                offer_item_id=cd.get("offer_item_id"),
                product_name=cd["product_name"],
                category=cd["category"],
                storage_class=cd["storage_class"],
                date_kind=cd["date_kind"],
                date_value=cd.get("date_value"),
                allergens=tuple(cd.get("allergens") or ()),
                weight_g=kg_to_g(weight) if weight is not None else 0,
                temperature_c=cd.get("temperature_c"),
                packaging_intact=bool(cd.get("packaging_intact")),
                label_present=bool(cd.get("label_present")),
                accepted=cd.get("decision") != "refuse",
                refusal_reason=cd.get("refusal_reason") or "",
                destination=cd.get("destination") or "",
                location_id=cd.get("location"),
            )
        )
    return lines


def _location_choices(site_id: int | None) -> list[tuple[int, str]]:
    if site_id is None:
        return []
    return [
        (loc.pk, f"{loc.name} ({loc.get_storage_class_display()})")
        for loc in storage_locations(site_id=site_id)
    ]


def _record(
    request: HttpRequest,
    *,
    scope: Scope,
    form: forms.Form | None,
    formset: Any,
    site: Any,
    acceptance: Acceptance | None,
    donor: Any,
) -> HttpResponse | None:
    """Save a reception from a valid formset, or put the errors on the forms."""
    rows = filled_forms(formset)
    try:
        reception = reception_record(
            scope=scope,
            site=site,
            lines=_reception_lines(rows),
            acceptance=acceptance,
            donor=donor,
            actor=request.user,
        )
    except ValidationError as exc:
        target = form if form is not None else forms.Form()
        _apply_errors(exc, target, rows)
        if form is None:
            formset._non_form_errors = formset.error_class(
                [*formset.non_form_errors(), *target.non_field_errors()]
            )
        return None
    except (OfferError, PermissionDenied) as exc:
        message = exc.message if isinstance(exc, OfferError) else str(exc)
        formset._non_form_errors = formset.error_class([message])
        return None
    messages.success(request, _("The reception was recorded."))
    return redirect("rescue:reception_detail", pk=reception.pk)


@login_required
def reception_new(request: HttpRequest, acceptance_pk: int) -> HttpResponse:
    """Weigh, measure and inspect each accepted item as it arrives."""
    scope = scope_for(request.user)
    acceptance = acceptance_get(scope=scope, pk=acceptance_pk)
    if acceptance is None:
        raise Http404
    sites = list(reception_sites(scope=scope).filter(organisation_id=acceptance.taker_id))
    if not sites:
        raise PermissionDenied
    site = next((s for s in sites if str(s.pk) == request.POST.get("site")), None) or next(
        (s for s in sites if s.is_primary), sites[0]
    )
    lines = list(acceptance.lines.all())
    initial = [
        {
            "offer_item_id": line.item_id,
            "product_name": line.item.product_name,
            "category": line.item.category,
            "storage_class": line.item.storage_class,
            "date_kind": line.item.date_kind,
            "date_value": line.item.date_value,
            "allergens": line.item.allergens,
            "packaging_intact": True,
            "label_present": True,
            "decision": "accept",
        }
        for line in lines
    ]
    locations = _location_choices(site.pk)
    data = request.POST if request.method == "POST" else None
    formset = ReceptionItemFormSet(
        data,
        prefix="lines",
        initial=initial,
        form_kwargs={"locations": locations},
    )
    if acceptance.received:
        messages.info(request, _("This acceptance was already received."))
    elif data is not None and formset.is_valid():
        response = _record(
            request,
            scope=scope,
            form=None,
            formset=formset,
            site=site,
            acceptance=acceptance,
            donor=None,
        )
        if response is not None:
            return response
    expected = {line.item_id: line.quantity_g for line in lines}
    return render(
        request,
        "rescue/reception_form.html",
        {
            "acceptance": acceptance,
            "formset": formset,
            "rows": [(f, expected.get(f.initial.get("offer_item_id") or 0)) for f in formset.forms],
            "sites": sites,
            "site": site,
            "limits": temperature_limits(),
            "walk_in": False,
        },
        status=422 if data is not None else 200,
    )


@login_required
def reception_walk_in(request: HttpRequest) -> HttpResponse:
    """A donation that arrives with no offer."""
    scope = scope_for(request.user)
    sites = reception_sites(scope=scope, walk_in=True)
    if not sites.exists():
        raise PermissionDenied
    network_ids = sorted({s.organisation.network_id for s in sites})
    donors: QuerySet[Any] = walk_in_donor_options(network_ids=network_ids)
    data: QueryDict | None = request.POST if request.method == "POST" else None
    if data is not None and "add_item" in data:
        data = data.copy()
        data["lines-TOTAL_FORMS"] = str(int(data.get("lines-TOTAL_FORMS") or 0) + 1)
    form = WalkInForm(data, sites=sites, donors=donors)
    site_id = None
    if form.is_bound and form.is_valid():
        site_id = form.cleaned_data["site"].pk
    elif len(sites) == 1:
        site_id = sites[0].pk
    formset = WalkInItemFormSet(
        data, prefix="lines", form_kwargs={"locations": _location_choices(site_id)}
    )
    if data is not None and "add_item" not in data and form.is_valid() and formset.is_valid():
        response = _record(
            request,
            scope=scope,
            form=form,
            formset=formset,
            site=form.cleaned_data["site"],
            acceptance=None,
            donor=form.cleaned_data["donor"],
        )
        if response is not None:
            return response
    return render(
        request,
        "rescue/reception_form.html",
        {
            "form": form,
            "formset": formset,
            "rows": [(f, None) for f in formset.forms],
            "limits": temperature_limits(),
            "walk_in": True,
        },
        status=422 if data is not None and "add_item" not in data else 200,
    )


def labels_url(codes: list[str]) -> str | None:
    """The label-printing page of the stock, when it exists."""
    try:
        return f"{reverse('inventory:labels')}?lots={','.join(codes)}"
    except NoReverseMatch:
        return None


@login_required
def reception_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    reception = reception_get(scope=scope, pk=pk)
    if reception is None:
        raise Http404
    items = list(reception.items.all())
    accepted_codes = [i.lot.code for i in items if i.accepted]
    return render(
        request,
        "rescue/reception_detail.html",
        {
            "reception": reception,
            "items": items,
            "labels_url": labels_url(accepted_codes) if accepted_codes else None,
            "accepted_g": sum(i.weight_g for i in items if i.accepted),
            "refused_g": sum(i.weight_g for i in items if not i.accepted),
        },
    )
