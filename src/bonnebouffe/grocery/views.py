"""Pages of the community grocery.

Households: the shop (catalogue of a pickup window with *their* price), the cart, their
orders (change or cancel until the window closes), their card and their data.
Grocery staff: the counter (scan products and the member card; the screen shows only the
price to charge), preparation lists of a window, members and cards, stock, subsidies.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bonnebouffe.accounts.selectors import Scope, scope_for
from bonnebouffe.accounts.services import audit_record
from bonnebouffe.domain.pricing import EligibilityRule, PricingError, income_bands
from bonnebouffe.domain.quantities import format_money
from bonnebouffe.households.models import Household
from bonnebouffe.households.services import household_export, household_register
from bonnebouffe.inventory.errors import LedgerError
from bonnebouffe.inventory.models import FoodCategory, Lot
from bonnebouffe.network.models import Organisation
from bonnebouffe.territory.models import Municipality

from .errors import GroceryError
from .forms import (
    CardForm,
    CheckoutForm,
    DataRequestForm,
    HouseholdRegisterForm,
    LotLinkForm,
    ScanForm,
    StockReceiveForm,
    SubsidyPeriodForm,
)
from .models import (
    DataRequest,
    DataRequestKind,
    EligibilityMode,
    MemberCard,
    OrderStatus,
    PointOfSale,
    ProductLot,
    SoldBy,
    TierKind,
)
from .models import Product as ProductModel
from .selectors import (
    available_units,
    card_by_number,
    card_tier,
    catalogue_paginated,
    grocery_org_ids,
    line_price_cents,
    order_get,
    order_list_for_household,
    point_get,
    point_list,
    policy_for,
    preparation_list,
    product_queryset,
    sale_get,
    sale_list,
    subsidy_report,
    tier_list,
    tier_visible_to,
    unit_price_cents,
    window_get,
    window_list_for_points,
    window_list_open,
)
from .services import (
    LineIn,
    card_issue,
    household_anonymise,
    household_grocery_export,
    order_cancel,
    order_change,
    order_mark_no_show,
    order_mark_ready,
    order_place,
    product_link_lot,
    product_stock_receive,
    sale_checkout,
)


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _own_household(request: HttpRequest) -> Household:
    household = (
        Household.objects.filter(user_id=int(request.user.pk or 0)).select_related("agency").first()
    )
    if household is None:
        raise PermissionDenied
    return household


def _staff(request: HttpRequest) -> tuple[Scope, set[int]]:
    scope = scope_for(request.user)
    ids = grocery_org_ids(scope)
    if not ids:
        raise PermissionDenied
    return scope, ids


def _qty(raw: str | None) -> int:
    try:
        value = int((raw or "0").strip() or 0)
    except ValueError:
        return -1
    return value


def _lines_from(post: Any, products: dict[int, ProductModel]) -> tuple[list[LineIn], bool]:
    """Lines from fields q_<product id> (units, or grams for food sold by weight)."""
    lines, bad = [], False
    for key, raw in post.items():
        if not key.startswith("q_"):
            continue
        try:
            pid = int(key[2:])
        except ValueError:
            continue
        value = _qty(raw)
        if value < 0:
            bad = True
            continue
        product = products.get(pid)
        if product is None or value == 0:
            continue
        if product.sold_by == SoldBy.UNIT:
            lines.append(LineIn(pid, units=value))
        else:
            lines.append(LineIn(pid, grams=value))
    return lines, bad


def _priced_rows(*, network_id: int, quantities: dict[int, int], tier: Any) -> list[dict[str, Any]]:
    """Basket rows (product, quantity, amount at `tier`) for product id -> units or grams."""
    products = {
        p.pk: p for p in product_queryset(network_id=network_id).filter(pk__in=list(quantities))
    }
    rows = []
    for pid, qty in quantities.items():
        product = products.get(pid)
        if product is None:
            continue
        units, grams = (qty, 0) if product.sold_by == SoldBy.UNIT else (0, qty)
        amount = line_price_cents(product=product, tier=tier, units=units, grams=grams)
        rows.append({"product": product, "qty": qty, "amount": amount})
    return rows


# --- households ---------------------------------------------------------------------------


@login_required
def shop(request: HttpRequest) -> HttpResponse:
    """The catalogue of an order window, with the household's own price."""
    household = _own_household(request)
    network_id = household.agency.network_id
    windows = list(window_list_open(network_id=network_id))
    window = window_get(pk=request.GET.get("window")) if request.GET.get("window") else None
    if window is not None and window.pk not in {w.pk for w in windows}:
        window = None
    if window is None and windows:
        window = windows[0]
    card = MemberCard.objects.filter(household=household).select_related("tier").first()
    context: dict[str, Any] = {"windows": windows, "window": window, "household": household}
    if window is not None:
        tier = card_tier(card=card, network_id=network_id)
        category = request.GET.get("category", "")
        if category not in FoodCategory.values:
            category = ""
        search = (request.GET.get("q") or "").strip()[:60]
        page, products = catalogue_paginated(
            network_id=network_id,
            site_id=window.point.stock_site_id,
            category=category,
            search=search,
            page=request.GET.get("page"),
        )
        cart = request.session.get("grocery_cart", {}).get(str(window.pk), {})
        context.update(
            page=page,
            rows=[
                {
                    "product": p,
                    "price": unit_price_cents(product=p, tier=tier),
                    "available": available_units(p, p.available_g),  # type: ignore[attr-defined]
                    "in_cart": cart.get(str(p.pk), 0),
                }
                for p in products
            ],
            categories=FoodCategory.choices,
            category=category,
            q=search,
            cart_count=len(cart),
        )
    return render(request, "grocery/shop.html", context)


@login_required
def cart(request: HttpRequest, window_pk: int) -> HttpResponse:
    """The cart of one window, kept in the session until the order is placed."""
    household = _own_household(request)
    window = window_get(pk=window_pk)
    if window is None or window.point.grocery.network_id != household.agency.network_id:
        raise Http404
    carts = request.session.get("grocery_cart", {})
    current: dict[str, int] = dict(carts.get(str(window.pk), {}))
    network_id = household.agency.network_id
    if request.method == "POST":
        ids = [int(k[2:]) for k in request.POST if k.startswith("q_") and k[2:].isdigit()]
        products = {p.pk: p for p in product_queryset(network_id=network_id).filter(pk__in=ids)}
        lines, bad = _lines_from(request.POST, products)
        if bad:
            messages.error(request, _("The quantity must be a whole number more than zero."))
        for pid in ids:
            current.pop(str(pid), None)
        for line in lines:
            current[str(line.product_id)] = line.units or line.grams
        carts[str(window.pk)] = current
        request.session["grocery_cart"] = carts
        if request.POST.get("action") == "place":
            products = {
                p.pk: p
                for p in product_queryset(network_id=network_id).filter(pk__in=map(int, current))
            }
            wanted = [
                LineIn(pid, units=q)
                if products[pid].sold_by == SoldBy.UNIT
                else LineIn(pid, grams=q)
                for pid, q in ((int(k), v) for k, v in current.items())
                if pid in products
            ]
            try:
                order = order_place(
                    household=household,
                    window=window,
                    lines=wanted,
                    delivery_address=request.POST.get("delivery_address", ""),
                )
            except GroceryError as exc:
                messages.error(request, exc.message)
            else:
                carts.pop(str(window.pk), None)
                request.session["grocery_cart"] = carts
                messages.success(
                    request, _("Order %(number)s is placed.") % {"number": order.number}
                )
                return redirect("grocery:order_detail", pk=order.pk)
        if request.POST.get("action") != "place":
            return redirect(reverse("grocery:cart", args=[window.pk]))
    card = MemberCard.objects.filter(household=household).select_related("tier").first()
    tier = card_tier(card=card, network_id=network_id)
    rows = _priced_rows(
        network_id=network_id, quantities={int(k): v for k, v in current.items()}, tier=tier
    )
    return render(
        request,
        "grocery/cart.html",
        {
            "window": window,
            "rows": rows,
            "total": sum(r["amount"] for r in rows),
            "home_delivery": window.point.kind == "home",
        },
    )


@login_required
def my_orders(request: HttpRequest) -> HttpResponse:
    household = _own_household(request)
    return render(
        request,
        "grocery/my_orders.html",
        {"orders": order_list_for_household(household_id=household.pk)[:50]},
    )


@login_required
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A household's order: change quantities or cancel until the window closes."""
    household = _own_household(request)
    order = order_get(pk=pk, household_id=household.pk)
    if order is None:
        raise Http404
    if request.method == "POST":
        try:
            if request.POST.get("action") == "cancel":
                order_cancel(order=order)
                messages.success(request, _("The order is cancelled."))
            else:
                products = {ol.product_id: ol.product for ol in order.lines.all()}
                lines, bad = _lines_from(request.POST, products)
                if bad:
                    messages.error(
                        request, _("The quantity must be a whole number more than zero.")
                    )
                    return redirect("grocery:order_detail", pk=order.pk)
                order_change(order=order, lines=lines)
                messages.success(request, _("The order is changed."))
        except GroceryError as exc:
            messages.error(request, exc.message)
        return redirect("grocery:order_detail", pk=order.pk)
    card = MemberCard.objects.filter(household=household).select_related("tier").first()
    tier = card_tier(card=card, network_id=household.agency.network_id)
    rows = [
        {
            "line": ol,
            "qty": ol.units or ol.quantity_g,
            "amount": line_price_cents(
                product=ol.product,
                tier=tier,
                units=ol.units,
                grams=0 if ol.units else ol.quantity_g,
            ),
        }
        for ol in order.lines.all()
    ]
    editable = order.status == OrderStatus.PLACED and order.window.closes_at > timezone.now()
    return render(
        request,
        "grocery/order_detail.html",
        {
            "order": order,
            "lines": rows,
            "total": sum(int(x["amount"]) for x in rows),  # type: ignore[call-overload]
            "editable": editable,
        },
    )


def _qr_svg(data: str) -> str:
    return str(segno.make(data, error="m").svg_inline(scale=5, dark="#1a1a1a"))


@login_required
def my_card(request: HttpRequest) -> HttpResponse:
    """The household's card (number, QR, price level: visible only to the household), its data."""
    household = _own_household(request)
    card = MemberCard.objects.filter(household=household).select_related("tier").first()
    form = DataRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        DataRequest.objects.create(
            household=household,
            kind=form.cleaned_data["kind"],
            message=form.cleaned_data["message"],
        )
        messages.success(
            request,
            _(
                "Your request is recorded. The person in charge of personal information "
                "answers within 30 days."
            ),
        )
        return redirect("grocery:my_card")
    return render(
        request,
        "grocery/my_card.html",
        {
            "card": card,
            "qr": _qr_svg(f"BBCARD:{card.number}") if card else "",
            "expired": card is not None and card.tier_expires_on < timezone.localdate(),
            "form": form,
            "household": household,
        },
    )


@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    """Every piece of personal data held on the household, as JSON (portability)."""
    household = _own_household(request)
    data = household_export(
        scope=scope_for(request.user), actor=request.user, pk=household.pk, ip_address=_ip(request)
    )
    if data is None:
        raise Http404
    data["grocery"] = household_grocery_export(household=household)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="mes-donnees-{household.reference}.json"'
    )
    return response


# --- staff: counter ----------------------------------------------------------------------------


def _basket(request: HttpRequest, point: PointOfSale) -> dict[str, Any]:
    baskets = request.session.setdefault("grocery_counter", {})
    return baskets.setdefault(str(point.pk), {"card": "", "order": None, "lines": {}})  # type: ignore[no-any-return]


def _save_basket(request: HttpRequest, point: PointOfSale, basket: dict[str, Any]) -> None:
    baskets = request.session.get("grocery_counter", {})
    baskets[str(point.pk)] = basket
    request.session["grocery_counter"] = baskets


def _product_from_code(code: str, network_id: int) -> ProductModel | None:
    text = code.strip()
    if "/lots/" in text:  # a lot label's QR opens the lot page: .../stock/lots/<code>/
        text = text.rstrip("/").rsplit("/", 1)[-1]
    link = (
        ProductLot.objects.filter(lot__code__iexact=text, product__network_id=network_id)
        .select_related("product")
        .first()
    )
    if link is not None:
        return link.product
    return ProductModel.objects.filter(
        network_id=network_id, sku__iexact=text, is_active=True
    ).first()


@login_required
def counter(request: HttpRequest, point_pk: int) -> HttpResponse:
    """The checkout: one screen for everybody; it shows only the price to charge."""
    _scope, ids = _staff(request)
    point = point_get(pk=point_pk, grocery_ids=ids)
    if point is None:
        raise Http404
    network_id = point.grocery.network_id
    basket = _basket(request, point)
    if request.GET.get("order"):
        order = order_get(pk=request.GET["order"], grocery_ids=ids)
        if order is not None and order.window.point_id == point.pk:
            basket = {"card": "", "order": order.pk, "lines": {}}
            _save_basket(request, point, basket)
    scan = ScanForm(request.POST if request.POST.get("action") == "scan" else None)
    partners = Organisation.objects.filter(network_id=network_id, is_active=True).order_by("name")
    checkout_form = CheckoutForm(
        request.POST if request.POST.get("action") == "pay" else None, partners=partners
    )
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "scan" and scan.is_valid():
            code = scan.cleaned_data["code"].strip()
            card = card_by_number(number=code, network_id=network_id)
            if card is not None:
                basket["card"] = card.number
                messages.success(request, _("Member card read."))
            else:
                product = _product_from_code(code, network_id)
                if product is None:
                    messages.error(request, _("No product, lot or card has this code."))
                else:
                    key = str(product.pk)
                    basket["lines"][key] = (
                        basket["lines"].get(key, 0) + scan.cleaned_data["quantity"]
                    )
            _save_basket(request, point, basket)
            return redirect("grocery:counter", point_pk=point.pk)
        if action == "remove":
            basket["lines"].pop(request.POST.get("product", ""), None)
            _save_basket(request, point, basket)
            return redirect("grocery:counter", point_pk=point.pk)
        if action == "clear":
            _save_basket(request, point, {"card": "", "order": None, "lines": {}})
            return redirect("grocery:counter", point_pk=point.pk)
        if action == "pay" and checkout_form.is_valid():
            card = card_by_number(number=basket.get("card", ""), network_id=network_id)
            order = order_get(pk=basket["order"], grocery_ids=ids) if basket.get("order") else None
            products = {
                p.pk: p
                for p in product_queryset(network_id=network_id).filter(
                    pk__in=[int(k) for k in basket["lines"]]
                )
            }
            lines = [
                LineIn(int(k), units=v)
                if products[int(k)].sold_by == SoldBy.UNIT
                else LineIn(int(k), grams=v)
                for k, v in basket["lines"].items()
                if int(k) in products
            ]
            try:
                sale = sale_checkout(
                    point=point,
                    cashier=request.user,
                    lines=lines,
                    order=order,
                    card=card,
                    payment_method=checkout_form.cleaned_data["payment_method"],
                    payment_reference=checkout_form.cleaned_data["payment_reference"] or "",
                    voucher_partner=checkout_form.cleaned_data["voucher_partner"],
                    idempotency_key=request.POST.get("key") or None,
                )
            except (GroceryError, LedgerError) as exc:
                messages.error(request, exc.message)
            else:
                _save_basket(request, point, {"card": "", "order": None, "lines": {}})
                return redirect("grocery:receipt", pk=sale.pk)
    card = card_by_number(number=basket.get("card", ""), network_id=network_id)
    tier = card_tier(card=card, network_id=network_id)
    order = order_get(pk=basket["order"], grocery_ids=ids) if basket.get("order") else None
    quantities: dict[int, int] = {int(k): v for k, v in basket["lines"].items()}
    if order is not None:
        quantities = {ol.product_id: ol.units or ol.quantity_g for ol in order.lines.all()}
    rows = _priced_rows(network_id=network_id, quantities=quantities, tier=tier)
    return render(
        request,
        "grocery/counter.html",
        {
            "point": point,
            "scan": scan,
            "checkout": checkout_form,
            "rows": rows,
            "total": sum(r["amount"] for r in rows),
            "card_read": card is not None,
            "order": order,
            "key": f"{point.pk}-{timezone.now().timestamp()}",
        },
    )


@login_required
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """A receipt: products, amounts, payment. It never names the price level."""
    _scope, ids = _staff(request)
    sale = sale_get(pk=pk, grocery_ids=ids)
    if sale is None:
        raise Http404
    return render(request, "grocery/receipt.html", {"sale": sale})


# --- staff: orders and preparation --------------------------------------------------------


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    _scope, ids = _staff(request)
    points = list(point_list(grocery_ids=ids))
    return render(
        request,
        "grocery/staff_home.html",
        {
            "points": points,
            "windows": window_list_for_points(point_ids={p.pk for p in points})[:60],
            "sales": sale_list(grocery_ids=ids, limit=10),
        },
    )


@login_required
def window_prep(request: HttpRequest, pk: int) -> HttpResponse:
    """Preparation list of a window: totals per product with FEFO picks, then each order."""
    _scope, ids = _staff(request)
    window = window_get(pk=pk)
    if window is None or window.point.grocery_id not in ids:
        raise Http404
    if request.method == "POST":
        order = order_get(pk=request.POST.get("order"), grocery_ids=ids)
        if order is None or order.window_id != window.pk:
            raise Http404
        actions = {
            "ready": order_mark_ready,
            "no_show": order_mark_no_show,
        }
        try:
            if request.POST.get("action") == "cancel":
                order_cancel(order=order, by_staff=True)
            elif request.POST.get("action") in actions:
                actions[request.POST["action"]](order=order)
            else:
                raise Http404
        except GroceryError as exc:
            messages.error(request, exc.message)
        return redirect("grocery:window_prep", pk=window.pk)
    return render(
        request, "grocery/window_prep.html", {"window": window, **preparation_list(window=window)}
    )


# --- staff: members and cards ----------------------------------------------------------------


def _member_households(ids: set[int], scope: Scope) -> Any:
    qs = Household.objects.select_related("municipality", "member_card", "member_card__tier")
    if scope.is_admin:
        return qs.filter(agency__network_id__in=scope.admin_network_ids | scope.network_ids)
    networks = Organisation.objects.filter(pk__in=ids).values("network_id")
    return qs.filter(Q(agency_id__in=ids) | Q(member_card__tier__network_id__in=networks))


@login_required
def members(request: HttpRequest) -> HttpResponse:
    scope, ids = _staff(request)
    grocery = Organisation.objects.filter(pk__in=ids).order_by("pk").first()
    register = HouseholdRegisterForm(
        request.POST or None,
        municipalities=Municipality.objects.filter(
            mrc__region__networks=grocery.network_id if grocery else None
        ).order_by("name"),
        initial={"preferred_language": "fr-ca"},
    )
    if request.method == "POST" and grocery is not None and register.is_valid():
        household = household_register(
            agency=grocery,
            size=register.cleaned_data["size"],
            municipality=register.cleaned_data["municipality"],
            preferred_language=register.cleaned_data["preferred_language"],
            email=register.cleaned_data["email"],
            actor=request.user,
        )
        messages.success(
            request, _("Household %(ref)s is registered.") % {"ref": household.reference}
        )
        return redirect("grocery:member_card", household_pk=household.pk)
    search = (request.GET.get("q") or "").strip()[:30]
    qs = _member_households(ids, scope)
    if search:
        qs = qs.filter(Q(reference__icontains=search) | Q(member_card__number__iexact=search))
    return render(
        request,
        "grocery/members.html",
        {
            "households": qs.order_by("reference")[:50],
            "q": search,
            "show_tier": tier_visible_to(scope),
            "register": register,
        },
    )


@login_required
def member_card(request: HttpRequest, household_pk: int) -> HttpResponse:
    """Give or renew a card: the household picks its income band (never a number) or
    declares its level, as the network allows; only the level, expiry and proof are kept."""
    scope, ids = _staff(request)
    household = _member_households(ids, scope).filter(pk=household_pk).first()
    if household is None:
        raise Http404
    audit_record(
        actor=request.user,
        action="view",
        object_type="household",
        object_id=household.pk,
        ip_address=_ip(request),
        detail="member card page",
    )
    network_id = household.agency.network_id
    policy = policy_for(network_id=network_id)
    if policy is None:
        raise Http404
    tiers = list(tier_list(network_id=network_id))
    size = household.size
    try:
        size = int(request.POST.get("household_size") or request.GET.get("size") or household.size)
    except ValueError:
        size = household.size
    size = min(max(size, 1), 20)
    rules = [
        EligibilityRule(t.code, t.max_income_ratio)
        for t in tiers
        if t.kind != TierKind.PAY_IT_FORWARD
    ]
    try:
        bands = income_bands(
            family_of_4_cents=policy.mbm_family_of_4_cents, household_size=size, rules=rules
        )
    except PricingError:
        bands = []
    names = {t.code: t.name for t in tiers}
    language = translation.get_language() or settings.LANGUAGE_CODE

    def dollars(amount_cents: int) -> str:  # incomes in whole dollars: "32 500 $"
        return format_money(round(amount_cents / 100), language=language, decimals=0)

    band_choices = [
        (
            f"{i}:{b.tier_code}",
            _("Up to %(upper)s a year") % {"upper": dollars(b.upper_cents)}
            if b.upper_cents is not None
            else _("More than %(lower)s a year") % {"lower": dollars(b.lower_cents)},
        )
        for i, b in enumerate(bands)
    ]
    modes = {"band", "self"}
    if policy.eligibility_mode == EligibilityMode.MBM:
        modes = {"band"}
    elif policy.eligibility_mode == EligibilityMode.SELF_DECLARATION:
        modes = {"self"}
    tier_choices = [(t.code, t.name) for t in tiers if t.self_declarable]
    form = CardForm(
        request.POST or None,
        initial={"household_size": size, "way": sorted(modes)[0]},
        bands=band_choices,
        tiers=tier_choices,
        modes=modes,
    )
    if request.method == "POST" and form.is_valid():
        code = (
            form.cleaned_data["band"].split(":", 1)[1]
            if form.cleaned_data["way"] == "band"
            else form.cleaned_data["tier"]
        )
        tier = next(t for t in tiers if t.code == code)
        proof = form.cleaned_data["proof_kind"] if form.cleaned_data["way"] == "band" else "self"
        try:
            card = card_issue(household=household, tier=tier, proof_kind=proof, actor=request.user)
        except GroceryError as exc:
            messages.error(request, exc.message)
        else:
            if size != household.size:
                Household.objects.filter(pk=household.pk).update(size=size)
            messages.success(request, _("Card %(number)s is ready.") % {"number": card.number})
            return redirect("grocery:member_card", household_pk=household.pk)
    current = MemberCard.objects.filter(household=household).select_related("tier").first()
    return render(
        request,
        "grocery/member_card.html",
        {
            "household": household,
            "card": current,
            "qr": _qr_svg(f"BBCARD:{current.number}") if current else "",
            "form": form,
            "bands": [
                (names.get(b.tier_code, b.tier_code), label)
                for b, (_v, label) in zip(bands, band_choices, strict=True)
            ],
            "policy": policy,
        },
    )


# --- staff: products and stock -------------------------------------------------------------


@login_required
def products(request: HttpRequest) -> HttpResponse:
    _scope, ids = _staff(request)
    point = (
        point_get(pk=request.GET.get("point"), grocery_ids=ids)
        or point_list(grocery_ids=ids).filter(kind="store").first()
    )
    if point is None:
        raise Http404
    page, rows = catalogue_paginated(
        network_id=point.grocery.network_id,
        site_id=point.stock_site_id,
        search=(request.GET.get("q") or "")[:60],
        page=request.GET.get("page"),
    )
    return render(
        request,
        "grocery/products.html",
        {
            "point": point,
            "page": page,
            "rows": rows,
            "points": point_list(grocery_ids=ids).exclude(kind="mobile"),
            "receive_form": StockReceiveForm(),
            "link_form": LotLinkForm(),
            "q": request.GET.get("q", ""),
        },
    )


@login_required
@require_POST
def product_stock(request: HttpRequest, pk: int) -> HttpResponse:
    """Receive purchased goods for a product, or sell an existing ledger lot as it."""
    _scope, ids = _staff(request)
    point = point_get(pk=request.POST.get("point"), grocery_ids=ids)
    product = ProductModel.objects.filter(pk=pk).first()
    if point is None or product is None or product.network_id != point.grocery.network_id:
        raise Http404
    back = reverse("grocery:products") + f"?point={point.pk}"
    if request.POST.get("action") == "link":
        link_form = LotLinkForm(request.POST)
        lot = (
            Lot.objects.filter(code__iexact=link_form.data.get("lot_code", "").strip()).first()
            if link_form.is_valid()
            else None
        )
        if lot is None or lot.category != product.category:
            messages.error(request, _("No lot of this food category has this code."))
        else:
            product_link_lot(product=product, lot=lot)
            messages.success(
                request, _("Lot %(code)s is now sold as this product.") % {"code": lot.code}
            )
        return redirect(back)
    form = StockReceiveForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, str(e))
        return redirect(back)
    qty = form.cleaned_data["quantity"]
    grams = qty * int(product.unit_weight_g or 0) if product.sold_by == SoldBy.UNIT else qty * 1000
    try:
        lot = product_stock_receive(
            product=product,
            site=point.stock_site,
            quantity_g=grams,
            date_kind=form.cleaned_data["date_kind"],
            date_value=form.cleaned_data["date_value"],
            actor=request.user,
        )
    except LedgerError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Lot %(code)s received.") % {"code": lot.code})
    return redirect(back)


@login_required
def subsidies(request: HttpRequest) -> HttpResponse:
    scope, ids = _staff(request)
    today = timezone.localdate()
    form = SubsidyPeriodForm(
        request.GET or None, initial={"start": today - timedelta(days=30), "end": today}
    )
    start, end = today - timedelta(days=30), today
    if request.GET and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    network_id = (
        Organisation.objects.filter(pk__in=ids).values_list("network_id", flat=True).first()
    )
    report = subsidy_report(
        network_id=int(network_id or 0),
        start=start,
        end=end,
        grocery_ids=None if scope.is_admin else ids,
    )
    return render(
        request,
        "grocery/subsidies.html",
        {"form": form, "report": report, "start": start, "end": end},
    )


@login_required
def data_requests(request: HttpRequest) -> HttpResponse:
    """Administrators answer households' correction and deletion requests (Law 25)."""
    scope = scope_for(request.user)
    if not scope.is_admin:
        raise PermissionDenied
    qs = DataRequest.objects.filter(
        household__agency__network_id__in=scope.admin_network_ids
    ).select_related("household")
    if request.method == "POST":
        item = qs.filter(pk=_qty(request.POST.get("request"))).first()
        if item is None:
            raise Http404
        if request.POST.get("action") == "erase" and item.kind == DataRequestKind.DELETION:
            household_anonymise(household=item.household, actor=request.user)
            messages.success(request, _("The household's personal information is erased."))
        DataRequest.objects.filter(pk=item.pk).update(handled_at=timezone.now())
        return redirect("grocery:data_requests")
    return render(request, "grocery/data_requests.html", {"requests": qs[:100]})
