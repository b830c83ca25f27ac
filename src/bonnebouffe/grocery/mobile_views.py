"""Pages of the mobile unit: the public timetable and its stop posters, the staff's trips
(load, pre-orders, return) and the stop sales phone view (its sales go through mobile_api).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bonnebouffe.accounts.selectors import scope_for
from bonnebouffe.domain.quantities import format_kg

from .errors import GroceryError, GroceryErrorCode
from .mobile_selectors import (
    StockRow,
    public_stop_get,
    stop_next_dates,
    stop_onboard_stock,
    stops_geojson,
    timetable_days,
    timetable_units,
    trip_home_stock,
    trip_list_for,
    trip_preorders,
    trip_stop_get,
    voucher_partners,
)
from .models import MobileTrip, PaymentMethod, SoldBy, TripStatus
from .posters import stop_poster_pdf
from .selectors import grocery_org_ids, trip_get, trip_load_onboard, trip_stops
from .services import LineIn, trip_load, trip_return


def _grocery_ids(request: HttpRequest) -> set[int]:
    ids = grocery_org_ids(scope_for(request.user))
    if not ids:
        raise PermissionDenied
    return ids


def _trip(request: HttpRequest, pk: int) -> MobileTrip:
    trip = trip_get(pk=pk, grocery_ids=_grocery_ids(request))
    if trip is None:
        raise Http404
    return trip


def timetable_url(request: HttpRequest) -> str:
    """The timetable's absolute address, as printed and encoded on the posters."""
    path = reverse("grocery_mobile:timetable")
    if settings.BONNEBOUFFE_SITE_URL:
        return settings.BONNEBOUFFE_SITE_URL + path
    return request.build_absolute_uri(path)


# --- public -------------------------------------------------------------------------------


def timetable(request: HttpRequest) -> HttpResponse:
    """Every mobile unit, its stops by weekday, a map and the next dates (no sign-in)."""
    units = list(timetable_units())
    return render(
        request,
        "grocery/mobile/timetable.html",
        {
            "units": [(unit, timetable_days(unit)) for unit in units],
            "geojson": stops_geojson(units),
        },
    )


def stop_poster(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable poster of a stop, in the language of the request."""
    stop = public_stop_get(pk=pk)
    if stop is None:
        raise Http404
    pdf = stop_poster_pdf(
        stop=stop,
        next_dates=stop_next_dates(weekday=stop.weekday),
        timetable_url=timetable_url(request),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="affiche-arret-{stop.pk}.pdf"'
    return response


# --- staff: trips ---------------------------------------------------------------------------


@login_required
def trip_list(request: HttpRequest) -> HttpResponse:
    trips = trip_list_for(grocery_ids=_grocery_ids(request))
    return render(
        request,
        "grocery/mobile/trip_list.html",
        {"trips": trips, "today": timezone.localdate()},
    )


def _load_lines(data: dict[str, str], rows: list[StockRow]) -> list[LineIn]:
    """The load form's fields `load-<product id>`: whole units, or kg for products by weight."""
    lines = []
    for row in rows:
        text = (data.get(f"load-{row.product.pk}") or "").strip().replace(",", ".")
        if not text:
            continue
        try:
            if row.product.sold_by == SoldBy.UNIT:
                lines.append(LineIn(row.product.pk, units=int(text)))
            else:
                lines.append(LineIn(row.product.pk, grams=int(Decimal(text) * 1000)))
        except (ValueError, InvalidOperation) as exc:
            raise GroceryError(GroceryErrorCode.INVALID_QUANTITY) from exc
    return lines


@login_required
def trip_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A trip's stops and pre-orders, the load form, what is on board, the return."""
    trip = _trip(request, pk)
    stops = trip_stops(trip=trip)
    home_stock = trip_home_stock(trip=trip) if trip.status == TripStatus.PLANNED else []
    error = ""
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "load":
                trip_load(
                    trip=trip,
                    loads=_load_lines(request.POST.dict(), home_stock),
                    actor=request.user,
                )
                messages.success(request, _("The mobile unit is loaded."))
                return redirect("grocery_mobile:trip_detail", trip.pk)
            if action == "return":
                result = trip_return(trip=trip, actor=request.user)
                messages.success(
                    request,
                    ngettext(
                        "Back at the hub: %(n)s order not collected, %(kg)s returned to stock.",
                        "Back at the hub: %(n)s orders not collected, %(kg)s returned to stock.",
                        result["no_shows"],
                    )
                    % {
                        "n": result["no_shows"],
                        "kg": format_kg(
                            Decimal(result["returned_g"]) / 1000,
                            language=request.LANGUAGE_CODE,
                        ),
                    },
                )
                return redirect("grocery_mobile:trip_detail", trip.pk)
            raise Http404
        except GroceryError as exc:
            error = exc.message
    return render(
        request,
        "grocery/mobile/trip_detail.html",
        {
            "trip": trip,
            "stops": stops,
            "preorders": trip_preorders(trip=trip, stops=stops),
            "load_rows": [
                (row, request.POST.get(f"load-{row.product.pk}", "") if error else "")
                for row in home_stock
            ],
            "onboard": trip_load_onboard(trip=trip),
            "error": error,
        },
        status=400 if error else 200,
    )


# --- staff: the stop sales phone view ----------------------------------------------------------


@login_required
def stop_sales(request: HttpRequest, pk: int, stop_pk: int) -> HttpResponse:
    """Walk-in sales and pre-order pickups at a stop, queued on the phone without signal."""
    trip = _trip(request, pk)
    stop = trip_stop_get(trip=trip, stop_id=stop_pk)
    if stop is None:
        raise Http404
    return render(
        request,
        "grocery/mobile/stop_sales.html",
        {
            "trip": trip,
            "stop": stop,
            "rows": stop_onboard_stock(trip=trip) if trip.status == TripStatus.LOADED else [],
            "preorders": trip_preorders(trip=trip, stops=[stop]),
            "partners": voucher_partners(
                scope=scope_for(request.user), network_id=trip.unit.grocery.network_id
            ),
            "methods": PaymentMethod.choices,
            "api": f"/api/grocery/mobile/trips/{trip.pk}/stops/{stop.pk}/",
            # The phone fills in "%(n)s", "%(number)s" and "%(total)s" (mobile_sales.js).
            "waiting_one": ngettext("%(n)s sale waiting", "%(n)s sales waiting", 1),
            "waiting_many": ngettext("%(n)s sale waiting", "%(n)s sales waiting", 2),
            "receipt_text": _("Receipt %(number)s — charged %(total)s"),
            "total_text": _("Total to charge: %(total)s"),
        },
    )
