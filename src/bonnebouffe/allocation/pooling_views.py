"""Pages of the pooling mode: rounds, sealed bids (coordinators), opening and closing (admins)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from bonnebouffe.accounts.selectors import scope_for
from bonnebouffe.inventory.models import FoodCategory
from bonnebouffe.network.models import Organisation

from .errors import AllocationFailed
from .models import RoundStatus
from .pooling_selectors import (
    bidding_hubs,
    can_manage_rounds,
    pool_candidates,
    pooled_categories,
    round_bids_visible,
    round_get,
    round_list,
    round_lots,
    share_accounts,
)
from .pooling_services import bid_place, pooling_categories_set, round_close, round_open
from .selectors import period_current

REJECTION_LABELS = {
    "bid_exceeds_balance": gettext_lazy("Not enough shares left when the round closed"),
    "unknown_hub": gettext_lazy("The hub held no shares this week"),
    "unknown_lot": gettext_lazy("The lot was no longer offered"),
    "duplicate_bid": gettext_lazy("Duplicate bid"),
}


def _fail(request: HttpRequest, exc: AllocationFailed) -> None:
    messages.error(request, exc.message)
    for detail in exc.details:
        messages.error(request, detail)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def round_index(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not (scope.is_admin or scope.coordinator_hub_ids):
        raise PermissionDenied
    admin_networks = sorted(scope.admin_network_ids)
    network_id = admin_networks[0] if admin_networks else None
    if request.method == "POST" and request.POST.get("action") == "categories":
        if network_id is None:
            raise PermissionDenied
        try:
            pooling_categories_set(
                scope=scope, network_id=network_id, categories=request.POST.getlist("category")
            )
        except AllocationFailed as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("Pooled food categories saved."))
        return redirect("allocation:pooling_round_list")
    if request.method == "POST":
        if network_id is None or not can_manage_rounds(scope, network_id):
            raise PermissionDenied
        balances = request.POST.getlist("balance")
        free = {b.pk: g for b, g in pool_candidates(network_id=network_id)}
        picked = [pk for pk in (_int(x) for x in balances) if pk is not None and pk in free]
        offers = [(pk, free[pk]) for pk in picked]
        hours = _int(request.POST.get("hours")) or 48
        try:
            rnd = round_open(
                scope=scope,
                network_id=network_id,
                period=period_current(),
                offers=offers,
                closes_at=timezone.now() + timedelta(hours=max(1, min(hours, 24 * 14))),
                actor=request.user,
            )
        except AllocationFailed as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("Round opened: the hubs may bid."))
            return redirect("allocation:pooling_round_detail", rnd.pk)
    candidates = pool_candidates(network_id=network_id) if network_id else []
    pooled = pooled_categories(network_id) if network_id else set()
    hub_ids = set(scope.coordinator_hub_ids)
    accounts = [
        a
        for nid in sorted(scope.network_ids)
        for a in share_accounts(network_id=nid, period=period_current())
        if a.hub_id in hub_ids or scope.is_admin
    ]
    return render(
        request,
        "allocation/pooling/round_list.html",
        {
            "rounds": round_list(scope=scope)[:50],
            "candidates": [{"balance": b, "kg": g / 1000} for b, g in candidates],
            "can_manage": network_id is not None,
            "categories": [
                (value, label, value in pooled) for value, label in FoodCategory.choices
            ],
            "accounts": accounts,
            "period": period_current(),
        },
    )


@login_required
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    rnd = round_get(scope=scope, pk=pk)
    if rnd is None:
        raise Http404
    my_hubs = list(bidding_hubs(scope).filter(network_id=rnd.network_id))
    if request.method == "POST":
        hub_id = _int(request.POST.get("hub")) or (my_hubs[0].pk if len(my_hubs) == 1 else None)
        shares = _int(request.POST.get("shares"))
        lot_id = _int(request.POST.get("lot"))
        if hub_id is None or shares is None or lot_id is None:
            messages.error(request, _("Enter a whole number of shares."))
        else:
            try:
                bid_place(
                    scope=scope,
                    round_id=rnd.pk,
                    pooled_lot_id=lot_id,
                    hub_id=hub_id,
                    shares=shares,
                    partner_ids=[
                        p for p in (_int(x) for x in request.POST.getlist("partners")) if p
                    ],
                    actor=request.user,
                )
            except PermissionDenied:
                raise Http404 from None
            except AllocationFailed as exc:
                _fail(request, exc)
            else:
                messages.success(request, _("Bid saved. It stays sealed until the round closes."))
        return redirect("allocation:pooling_round_detail", rnd.pk)
    lots = round_lots(round=rnd)
    bids = list(round_bids_visible(scope=scope, round=rnd))
    by_lot: dict[int, list[Any]] = {}
    for bid in bids:
        by_lot.setdefault(bid.pooled_lot_id, []).append(bid)
    my_ids = {h.pk for h in my_hubs}
    rows = [
        {
            "lot": p,
            "bids": by_lot.get(p.pk, []),
            "mine": next((b for b in by_lot.get(p.pk, []) if b.hub_id in my_ids), None),
            "count": p.bid_count,  # type: ignore[attr-defined]
        }
        for p in lots
    ]
    accounts = list(share_accounts(network_id=rnd.network_id, period=rnd.period))
    partner_choices = [a.hub for a in accounts if a.hub_id not in my_ids and a.need_weight > 0]
    redistribution = rnd.result.get("redistribution", {})
    names = dict(
        Organisation.objects.filter(pk__in=[int(k) for k in redistribution]).values_list(
            "pk", "name"
        )
    )
    return render(
        request,
        "allocation/pooling/round_detail.html",
        {
            "round": rnd,
            "rows": rows,
            "is_open": rnd.status == RoundStatus.OPEN,
            "my_hubs": my_hubs,
            "my_accounts": [a for a in accounts if a.hub_id in my_ids],
            "accounts": accounts if rnd.status == RoundStatus.CLOSED or scope.is_admin else [],
            "partner_choices": partner_choices,
            "can_manage": can_manage_rounds(scope, rnd.network_id),
            "redistribution": [
                (names.get(int(k), k), v) for k, v in sorted(redistribution.items())
            ],
            "rejection_labels": REJECTION_LABELS,
        },
    )


@login_required
@require_POST
def round_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    rnd = round_get(scope=scope, pk=pk)
    if rnd is None:
        raise Http404
    try:
        round_close(scope=scope, round_id=pk, actor=request.user)
    except PermissionDenied:
        raise Http404 from None
    except AllocationFailed as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("Round closed: the lots won are planned for delivery."))
    return redirect("allocation:pooling_round_detail", pk)
