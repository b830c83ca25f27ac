"""Households' data rights (Law 25) and the grocery API."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bonnebouffe.accounts.models import AuditLogEntry
from bonnebouffe.accounts.services import api_token_create
from bonnebouffe.grocery.models import DataRequest, MemberCard, Order
from bonnebouffe.grocery.services import LineIn, household_purge_inactive, order_place
from bonnebouffe.households.models import Household
from bonnebouffe.jobs.models import Job
from bonnebouffe.jobs.tasks import job_submit

pytestmark = pytest.mark.django_db


def test_the_nightly_purge_erases_inactive_households_but_keeps_their_figures(
    tiny_grocery, django_capture_on_commit_callbacks
):
    g = tiny_grocery
    order_place(household=g.household, window=g.window, lines=[LineIn(g.milk.pk, units=1)])
    old = timezone.now() - timedelta(days=800)
    Household.objects.filter(pk=g.household.pk).update(last_activity_at=old)
    with django_capture_on_commit_callbacks(execute=True):
        job = job_submit(kind="grocery.purge_inactive", title="purge", owner=None, params={})
    assert Job.objects.get(pk=job.pk).status == "succeeded"
    household = Household.objects.get(pk=g.household.pk)
    assert household.email == "" and household.user_id is None
    assert not MemberCard.objects.get(household=household).is_active
    assert Order.objects.filter(household=household).count() == 1  # figures stay
    assert AuditLogEntry.objects.filter(action="delete", object_id=str(household.pk)).exists()
    # A second run has nothing left to do.
    assert household_purge_inactive() == 0


def test_an_active_household_is_not_purged(tiny_grocery):
    g = tiny_grocery
    Household.objects.filter(pk=g.household.pk).update(last_activity_at=timezone.now())
    assert household_purge_inactive() == 0
    assert Household.objects.get(pk=g.household.pk).email == "g1@example.org"


def test_a_deletion_request_is_recorded_and_an_administrator_erases_the_data(tiny_grocery):
    g = tiny_grocery
    c = g.tn.client("menage_g")
    c.post(reverse("grocery:my_card"), {"kind": "deletion", "message": ""})
    request = DataRequest.objects.get()
    admin = g.tn.client("admin")
    assert request.household_id == g.household.pk
    page = admin.get(reverse("grocery:data_requests"))
    assert g.household.reference in page.content.decode()
    admin.post(reverse("grocery:data_requests"), {"request": request.pk, "action": "erase"})
    assert Household.objects.get(pk=g.household.pk).email == ""
    request.refresh_from_db()
    assert request.handled_at is not None
    assert g.tn.client("caisse").get(reverse("grocery:data_requests")).status_code == 403


def _bearer(user) -> Client:
    _token, secret = api_token_create(user=user, name="test")
    return Client(headers={"authorization": f"Bearer {secret}"})


def test_the_api_places_changes_and_cancels_an_order_with_the_households_own_price(tiny_grocery):
    g = tiny_grocery
    c = _bearer(g.tn.users["menage_g"])
    windows = c.get("/api/grocery/windows").json()
    assert g.window.pk in [w["id"] for w in windows]
    products = c.get(f"/api/grocery/catalogue?window_id={g.window.pk}").json()
    milk = next(p for p in products if p["id"] == g.milk.pk)
    assert milk["price_cents"] == 350 and milk["available"] == 50
    assert "tier" not in json.dumps(products).lower()
    made = c.post(
        "/api/grocery/orders",
        {"window_id": g.window.pk, "lines": [{"product_id": g.milk.pk, "units": 2}]},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    order = made.json()
    assert order["total_cents"] == 700
    changed = c.put(
        f"/api/grocery/orders/{order['id']}",
        {"lines": [{"product_id": g.milk.pk, "units": 3}]},
        content_type="application/json",
    )
    assert changed.json()["total_cents"] == 1050
    too_many = c.post(
        "/api/grocery/orders",
        {"window_id": g.window.pk, "lines": [{"product_id": g.milk.pk, "units": 48}]},
        content_type="application/json",
        headers={"accept-language": "fr-ca"},
    )
    assert too_many.status_code == 422
    assert "Lait" in too_many.content.decode("utf-8")
    cancelled = c.post(f"/api/grocery/orders/{order['id']}/cancel")
    assert cancelled.json()["status"] == "cancelled"


def test_listing_my_orders_takes_the_same_queries_for_two_orders_or_eight(tiny_grocery):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    g = tiny_grocery
    c = _bearer(g.tn.users["menage_g"])
    c.get("/api/grocery/windows")  # the token's last use is written once a minute: now

    def listed() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            rows = c.get("/api/grocery/orders").json()
        return len(rows), len(ctx.captured_queries)

    for _ in range(2):
        order_place(household=g.household, window=g.window, lines=[LineIn(g.milk.pk, units=1)])
    few, queries_few = listed()
    for _ in range(6):
        order_place(household=g.household, window=g.window, lines=[LineIn(g.milk.pk, units=1)])
    many, queries_many = listed()
    assert (few, many) == (2, 8)
    assert queries_many == queries_few, (queries_few, queries_many)


def test_a_household_cannot_see_or_change_another_households_order(tiny_grocery):
    g = tiny_grocery
    other = Household.objects.create(
        agency=g.household.agency, reference="G-0002", size=1, municipality=g.household.municipality
    )
    order = order_place(household=other, window=g.window, lines=[LineIn(g.milk.pk, units=1)])
    c = _bearer(g.tn.users["menage_g"])
    assert c.post(f"/api/grocery/orders/{order.pk}/cancel").status_code == 404
    assert (
        g.tn.client("menage_g").get(reverse("grocery:order_detail", args=[order.pk])).status_code
        == 404
    )


def test_the_sales_api_is_for_grocery_staff_and_never_returns_the_tier(tiny_grocery):
    g = tiny_grocery
    body = {
        "point_id": g.store.pk,
        "lines": [{"product_id": g.milk.pk, "units": 1}],
        "card_number": g.card.number,
        "payment_method": "cash",
        "key": "api-1",
    }
    staff = _bearer(g.staff)
    sold = staff.post("/api/grocery/sales", body, content_type="application/json")
    assert sold.status_code == 201 and sold.json()["total_cents"] == 350
    assert "privil" not in sold.content.decode().lower()
    again = staff.post("/api/grocery/sales", body, content_type="application/json")
    assert again.json()["id"] == sold.json()["id"]
    household = _bearer(g.tn.users["menage_g"])
    assert (
        household.post("/api/grocery/sales", body, content_type="application/json").status_code
        == 404
    )


def test_the_catalogue_cache_serves_a_page_again_without_touching_products(tiny_grocery):
    from django.core.cache import cache
    from django.db import connection
    from django.test import override_settings
    from django.test.utils import CaptureQueriesContext

    from bonnebouffe.grocery.selectors import catalogue_page_cached

    g = tiny_grocery
    cache.clear()
    args = {"network_id": g.tn.network.pk, "site_id": g.store.stock_site_id}
    with override_settings(GROCERY_CATALOGUE_CACHE_S=5):
        first = catalogue_page_cached(**args)
        with CaptureQueriesContext(connection) as again:
            second = catalogue_page_cached(**args)
    assert [p.pk for p in first] == [p.pk for p in second]
    assert [p.available_g for p in second] == [p.available_g for p in first]
    assert len(again) == 0
    cache.clear()
