"""Reads for the stock pages, built on the ledger's selectors and always through the scope.

Who may do what on the stock pages:
- the sites where a user handles stock ("stock sites"): an administrator's network, a
  coordinator's hub and the organisations of the MRCs it serves, a staff member's own
  organisations. Unlike the network directory, the other hubs of the network are *not* stock
  sites: a Roussillon coordinator does not see Haut-Saint-Laurent's shelves;
- storage locations are added by administrators and coordinators only.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.db.models import Case, IntegerField, QuerySet, Sum, Value, When
from django.utils.translation import gettext_lazy as _

from bonnebouffe.accounts.selectors import Scope
from bonnebouffe.network.models import Organisation, OrganisationKind, Site
from bonnebouffe.network.selectors import organisation_list, site_list

from .models import (
    Balance,
    DateKind,
    FoodCategory,
    Lot,
    Movement,
    MovementKind,
    StockCount,
    StorageClass,
    StorageLocation,
)
from .selectors import (
    HOLD_REASON_LABELS,
    distributable_q,
    lot_hold_reasons,
    lot_list,
    safety_policy,
    site_operate_q,
    today,
)

REFUSED_LABEL = _("Refused at reception")


# Sites where the scope handles stock: one rule for stock pages, reports and the API.
stock_site_q = site_operate_q


def stock_site_list(*, scope: Scope) -> QuerySet[Site]:
    """Stock sites, hub sites first, then by organisation and name."""
    return (
        site_list(scope=scope)
        .filter(stock_site_q(scope))
        .annotate(
            hub_first=Case(
                When(organisation__kind=OrganisationKind.HUB, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("hub_first", "organisation__name", "name")
    )


def stock_site_get(*, scope: Scope, pk: int | str | None) -> Site | None:
    if pk in (None, ""):
        return None
    try:
        pk = int(pk)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return stock_site_list(scope=scope).filter(pk=pk).first()


def site_manageable(*, scope: Scope, site: Site) -> bool:
    """Administrators and coordinators may set up the storage locations of a site."""
    org = site.organisation
    if scope.is_superuser or org.network_id in scope.admin_network_ids:
        return True
    if org.pk in scope.coordinator_hub_ids:
        return True
    return org.mrc_id in scope.coordinator_mrc_ids and org.network_id in scope.network_ids


def storage_location_list(*, site_id: int) -> QuerySet[StorageLocation]:
    """The locations of a site with what each holds now (grams)."""
    return (
        StorageLocation.objects.filter(site_id=site_id)
        .select_related("cold_unit")
        .annotate(onhand_g=Sum("balances__quantity_g"))
        .order_by("name")
    )


def storage_location_get(*, site_id: int, pk: int | str | None) -> StorageLocation | None:
    if pk in (None, "", "0", 0):
        return None
    try:
        return StorageLocation.objects.filter(site_id=site_id, pk=int(pk)).first()  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def location_list_for_sites(*, site_ids: Iterable[int]) -> list[StorageLocation]:
    return list(
        StorageLocation.objects.filter(site_id__in=list(site_ids)).order_by("site_id", "name")
    )


def site_lots_on_hand(*, scope: Scope, site_id: int) -> QuerySet[Lot]:
    """Lots of the scope with stock at a site, each with `onhand_g` there (one query)."""
    return (
        lot_list(scope=scope)
        .filter(balances__site_id=site_id, balances__quantity_g__gt=0)
        .annotate(onhand_g=Sum("balances__quantity_g"))
    )


def near_date_at_site(
    *, scope: Scope, site_id: int, days: int | None = None, on: date | None = None
) -> QuerySet[Lot]:
    """The near-date alert of `selectors.lots_near_date`, for the stock at one site."""
    day = on or today()
    horizon = day + timedelta(days=days if days is not None else safety_policy().near_date_days)
    return (
        site_lots_on_hand(scope=scope, site_id=site_id)
        .filter(date_value__isnull=False, date_value__lte=horizon)
        # A packaging date is when the food was packed, not when it must go out.
        .exclude(date_kind__in=(DateKind.NONE, DateKind.PACKAGED_ON))
        .order_by("date_value", "code")
    )


def blocked_at_site(*, scope: Scope, site_id: int, on: date | None = None) -> QuerySet[Lot]:
    """Lots on hand at a site that may not be distributed (the SQL form of the hold rules)."""
    return (
        site_lots_on_hand(scope=scope, site_id=site_id)
        .exclude(distributable_q(on=on))
        .order_by("date_value", "code")
    )


def hold_labels(lot: Lot, *, on: date | None = None) -> list[str]:
    """Why a lot is blocked, as translated sentences (no query)."""
    labels = [str(HOLD_REASON_LABELS[r]) for r in lot_hold_reasons(lot, on=on)]
    if lot.refused:
        labels.append(str(REFUSED_LABEL))
    return labels


def lot_balances(*, lot: Lot) -> QuerySet[Balance]:
    return (
        Balance.objects.filter(lot=lot, quantity_g__gt=0)
        .select_related("site__organisation", "location")
        .order_by("site__organisation__name", "site__name", "location__name")
    )


def lot_movements(*, lot: Lot) -> QuerySet[Movement]:
    return (
        Movement.objects.filter(lot=lot)
        .select_related(
            "from_site__organisation",
            "to_site__organisation",
            "from_location",
            "to_location",
            "recipient",
        )
        .order_by("at", "pk")
    )


def movement_by_key(*, idempotency_key: str) -> Movement | None:
    return Movement.objects.filter(idempotency_key=idempotency_key).first()


def recipient_list(*, scope: Scope) -> QuerySet[Organisation]:
    """Organisations stock may be issued to: those of the scope, hubs excepted (a transfer)."""
    return organisation_list(scope=scope).exclude(kind=OrganisationKind.HUB)


def lots_received_on(*, scope: Scope, site_id: int, day: date) -> QuerySet[Lot]:
    """Lots received (or produced by a transformation) at a site on a day — for labels."""
    return (
        lot_list(scope=scope)
        .filter(
            movements__kind__in=(MovementKind.RECEIPT, MovementKind.TRANSFORM_OUT),
            movements__to_site_id=site_id,
            movements__at__date=day,
        )
        .distinct()
        .order_by("created_at", "code")
    )


def lots_by_codes(*, scope: Scope, codes: Iterable[str]) -> list[Lot]:
    """The lots of the scope with these codes, in the order given (unknown codes left out)."""
    wanted = [c.strip().upper() for c in codes if c.strip()]
    found = {lot.code: lot for lot in lot_list(scope=scope).filter(code__in=wanted)}
    seen: set[str] = set()
    lots = []
    for code in wanted:
        if code in found and code not in seen:
            lots.append(found[code])
            seen.add(code)
    return lots


def lots_by_ids(*, lot_ids: Iterable[int]) -> list[Lot]:
    """Lots by id in the order given, for a background job (the scope was checked at submit)."""
    ids = list(lot_ids)
    found = {lot.pk: lot for lot in Lot.objects.filter(pk__in=ids).select_related("hub", "donor")}
    return [found[i] for i in ids if i in found]


def count_rows(*, site_id: int, location_id: int | None = None) -> list[Balance]:
    """What a count expects at a site (or one location): every balance on hand, by place."""
    qs = (
        Balance.objects.filter(site_id=site_id, quantity_g__gt=0)
        .select_related("lot", "location")
        .order_by("location__name", "lot__product_name", "lot__code")
    )
    if location_id:
        qs = qs.filter(location_id=location_id)
    return list(qs)


def stock_count_get(*, scope: Scope, pk: int | str | None) -> StockCount | None:
    if pk in (None, ""):
        return None
    try:
        pk = int(pk)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return (
        StockCount.objects.filter(stock_site_q(scope, "site__"), pk=pk)
        .select_related("site", "location")
        .prefetch_related("lines__lot")
        .first()
    )


def onhand_table(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Shape `selectors.onhand_by_category` rows as a category x storage-class table (grams)."""
    classes = [c.value for c in StorageClass]
    by_cat: dict[str, dict[str, int]] = {}
    for row in rows:
        by_cat.setdefault(row["lot__category"], {})[row["lot__storage_class"]] = int(
            row["quantity_g"]
        )
    labels = dict(FoodCategory.choices)
    body: list[dict[str, Any]] = []
    for cat in FoodCategory:
        if cat.value not in by_cat:
            continue
        cells = [by_cat[cat.value].get(c, 0) for c in classes]
        body.append({"label": labels[cat.value], "cells": cells, "total": sum(cells)})
    column_totals = [sum(r["cells"][i] for r in body) for i in range(len(classes))]
    return {
        "classes": [StorageClass(c).label for c in classes],
        "rows": body,
        "totals": column_totals,
        "total": sum(column_totals),
    }
