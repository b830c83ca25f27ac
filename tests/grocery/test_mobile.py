"""The mobile unit's pages and API: public timetable and posters, staff trips (load, return),
and the stop sales API, idempotent on the phone's key and silent about the tier.

The French catalogue is not updated on this branch (new msgids wait in
locale_pending_mobile.json), so page assertions use an English language cookie; once the
catalogue is merged, add the French ones noted below.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from bonnebouffe.accounts.models import Role
from bonnebouffe.accounts.services import membership_create, user_create
from bonnebouffe.grocery.errors import GroceryError, GroceryErrorCode
from bonnebouffe.grocery.mobile_selectors import stop_next_dates
from bonnebouffe.grocery.models import (
    MobileTrip,
    OrderStatus,
    PointKind,
    PointOfSale,
    Sale,
    TripStatus,
)
from bonnebouffe.grocery.services import LineIn, order_place, trip_load
from bonnebouffe.inventory.models import Balance, Movement, MovementKind
from bonnebouffe.network.models import OrganisationKind
from bonnebouffe.network.services import organisation_create

pytestmark = pytest.mark.django_db


def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def staff_client(g) -> Client:  # type: ignore[no-untyped-def]
    return english(g.tn.client("caisse"))


def sale_url(g) -> str:  # type: ignore[no-untyped-def]
    return f"/api/grocery/mobile/trips/{g.trip.pk}/stops/{g.stop.pk}/sales"


def loaded(g) -> MobileTrip:  # type: ignore[no-untyped-def]
    return trip_load(trip=g.trip, loads=[LineIn(g.milk.pk, units=10)], actor=g.staff)


# --- public timetable and posters ------------------------------------------------------------


def test_next_dates_fall_on_the_stop_weekday_today_included():
    wednesday = date(2026, 3, 4)
    assert stop_next_dates(weekday=2, today=wednesday) == [
        date(2026, 3, 4),
        date(2026, 3, 11),
        date(2026, 3, 18),
        date(2026, 3, 25),
    ]
    assert stop_next_dates(weekday=0, n=1, today=wednesday) == [date(2026, 3, 9)]


def test_the_public_timetable_needs_no_sign_in_and_lists_stops_hours_and_map(tiny_grocery):
    g = tiny_grocery
    response = english(Client()).get(reverse("grocery_mobile:timetable"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Mobile grocery timetable" in text
    assert g.unit.name in text and "Aréna" in text
    assert g.stop.point.municipality.name in text
    assert "10:00\u201312:00" in text  # an en dash
    assert 'id="stops-data"' in text and 'id="map"' in text
    first = stop_next_dates(weekday=g.stop.weekday)[0]
    assert f'datetime="{first.isoformat()}"' in text
    assert reverse("grocery_mobile:stop_poster", args=[g.stop.pk]) in text


def test_the_public_timetable_is_french_by_default(tiny_grocery):
    response = Client().get(reverse("grocery_mobile:timetable"))
    assert response.status_code == 200
    assert '<html lang="fr-CA">' in response.content.decode()
    # Once locale_pending_mobile.json is in the catalogue:
    # assert "Horaire de l'épicerie roulante" in response.content.decode()


def test_the_poster_is_a_letter_pdf_with_the_place_the_dates_and_a_qr_code(tiny_grocery, settings):
    g = tiny_grocery
    settings.BONNEBOUFFE_SITE_URL = "https://bonnebouffe.example.org"
    response = english(Client()).get(reverse("grocery_mobile:stop_poster", args=[g.stop.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode()
        text = " ".join(text.split())
        assert "Aréna" in text
        assert "The mobile grocery comes to you" in text
        assert "https://bonnebouffe.example.org/epicerie/unite-mobile/" in text
        assert stop_next_dates(weekday=g.stop.weekday)[3].strftime("%B") in text
        size = subprocess.run(
            ["pdfinfo", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode()
        assert "612 x 792 pts (letter)" in size


def test_the_poster_is_french_by_default(tiny_grocery):
    g = tiny_grocery
    response = Client().get(reverse("grocery_mobile:stop_poster", args=[g.stop.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True
        ).stdout.decode()
        assert "Aréna" in text
        # Django's own catalogue: French day names.
        assert {"lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"} & set(
            text.lower().split()
        )
        # Once the catalogue is merged: assert "L'épicerie roulante passe chez vous" in text


def test_the_timetable_takes_a_fixed_number_of_queries(tiny_grocery, django_assert_max_num_queries):
    g = tiny_grocery
    for weekday in range(7):
        point = PointOfSale.objects.create(
            grocery=g.store.grocery,
            name=f"Arrêt {weekday}",
            kind=PointKind.MOBILE_STOP,
            stock_site=g.store.stock_site,
            sale_site=g.unit.site,
            municipality=g.store.municipality,
        )
        g.unit.stops.create(
            point=point,
            place_name=f"Lieu {weekday}",
            weekday=weekday,
            starts_at=g.stop.starts_at,
            ends_at=g.stop.ends_at,
            latitude=g.stop.latitude,
            longitude=g.stop.longitude,
        )
    with django_assert_max_num_queries(8):
        response = Client().get(reverse("grocery_mobile:timetable"))
    assert response.content.decode().count('<tr id="stop-') == 8


def test_an_unknown_stop_has_no_poster(tiny_grocery):
    assert Client().get(reverse("grocery_mobile:stop_poster", args=[999999])).status_code == 404


# --- staff pages -------------------------------------------------------------------------------


@pytest.fixture
def other_grocery_staff(tiny_grocery):  # type: ignore[no-untyped-def]
    tn = tiny_grocery.tn
    org = organisation_create(
        scope=None,
        network=tn.network,
        name="Autre épicerie",
        kind=OrganisationKind.SOCIAL_ECONOMY,
        municipality=tn.hub_roussillon.municipality,
        hub=tn.hub_roussillon,
    )
    PointOfSale.objects.create(
        grocery=org,
        name="Autre magasin",
        kind=PointKind.STORE,
        stock_site=tiny_grocery.store.stock_site,
        sale_site=tiny_grocery.store.stock_site,
        municipality=tn.hub_roussillon.municipality,
    )
    user = user_create(username="autre_caisse", password="not-used-here-123")
    membership_create(user=user, organisation_id=org.pk, role=Role.GROCERY_STAFF)
    c = Client()
    c.force_login(user)
    return c


def test_staff_pages_refuse_anonymous_households_and_other_groceries(
    tiny_grocery, other_grocery_staff
):
    g = tiny_grocery
    trip_page = reverse("grocery_mobile:trip_detail", args=[g.trip.pk])
    sales_page = reverse("grocery_mobile:stop_sales", args=[g.trip.pk, g.stop.pk])
    list_page = reverse("grocery_mobile:trip_list")
    assert Client().get(trip_page).status_code == 302  # to the sign-in page
    household = g.tn.client("menage_g")
    for url in (list_page, trip_page, sales_page):
        assert household.get(url).status_code == 403
    assert other_grocery_staff.get(list_page).status_code == 200
    assert g.trip.unit.name not in other_grocery_staff.get(list_page).content.decode()
    assert other_grocery_staff.get(trip_page).status_code == 404
    assert other_grocery_staff.get(sales_page).status_code == 404
    body = {"key": str(uuid.uuid4()), "payment_method": "cash", "lines": []}
    assert household.post(sale_url(g), body, content_type="application/json").status_code == 404
    assert (
        other_grocery_staff.post(sale_url(g), body, content_type="application/json").status_code
        == 404
    )


def test_a_network_admin_sees_the_trips(tiny_grocery):
    g = tiny_grocery
    response = english(g.tn.client("admin")).get(reverse("grocery_mobile:trip_list"))
    assert response.status_code == 200
    assert reverse("grocery_mobile:trip_detail", args=[g.trip.pk]) in response.content.decode()


def test_the_trip_page_shows_stops_and_preorders_then_loads_and_returns(tiny_grocery):
    g = tiny_grocery
    order = order_place(
        household=g.household, window=g.stop_window, lines=[LineIn(g.milk.pk, units=2)]
    )
    c = staff_client(g)
    url = reverse("grocery_mobile:trip_detail", args=[g.trip.pk])
    page = c.get(url).content.decode()
    assert "Aréna" in page and order.number in page
    assert f'name="load-{g.apples.pk}"' in page
    response = c.post(url, {"action": "load", f"load-{g.apples.pk}": "2,5"}, follow=True)
    assert response.status_code == 200
    assert "The mobile unit is loaded." in response.content.decode()
    g.trip.refresh_from_db()
    assert g.trip.status == TripStatus.LOADED
    onboard = sum(
        Balance.objects.filter(site_id=g.unit.site_id).values_list("quantity_g", flat=True)
    )
    assert onboard == 2 * 2000 + 2500
    page = response.content.decode()
    assert 'id="onboard"' in page and "Pommes" in page
    assert reverse("grocery_mobile:stop_sales", args=[g.trip.pk, g.stop.pk]) in page
    response = c.post(url, {"action": "return"}, follow=True)
    text = response.content.decode()
    assert "1 order not collected" in text and "6.5" in text
    order.refresh_from_db()
    assert order.status == OrderStatus.NO_SHOW
    g.trip.refresh_from_db()
    assert g.trip.status == TripStatus.RETURNED


@pytest.mark.parametrize(
    ("field", "value"),
    [("apples", "beaucoup"), ("milk", "9999"), ("milk", "-1")],
)
def test_a_bad_load_shows_a_translated_error_and_changes_nothing(tiny_grocery, field, value):
    g = tiny_grocery
    product = getattr(g, field)
    url = reverse("grocery_mobile:trip_detail", args=[g.trip.pk])
    before = Movement.objects.count()
    response = staff_client(g).post(url, {"action": "load", f"load-{product.pk}": value})
    assert response.status_code == 400
    text = response.content.decode()
    assert 'id="trip-error"' in text
    assert "not enough" in text or "whole number" in text
    assert Movement.objects.count() == before
    g.trip.refresh_from_db()
    assert g.trip.status == TripStatus.PLANNED


def test_returning_a_trip_not_loaded_is_refused(tiny_grocery):
    g = tiny_grocery
    url = reverse("grocery_mobile:trip_detail", args=[g.trip.pk])
    response = staff_client(g).post(url, {"action": "return"})
    assert response.status_code == 400
    assert "not in a state that allows this" in response.content.decode()


# --- stop sales view and API ---------------------------------------------------------------------


def test_the_stop_sales_view_lists_what_is_on_board_at_the_regular_price(tiny_grocery):
    g = tiny_grocery
    loaded(g)
    page = (
        staff_client(g)
        .get(reverse("grocery_mobile:stop_sales", args=[g.trip.pk, g.stop.pk]))
        .content.decode()
    )
    assert 'id="sales-app"' in page and "Lait" in page
    assert "$5.00 each" in page  # regular price, whatever the card
    assert "Pommes" not in page  # not loaded
    assert 'data-waiting-one="%(n)s sale waiting"' in page
    assert 'data-waiting-many="%(n)s sales waiting"' in page
    assert g.tiers["privilege"].name not in page


def test_a_resent_sale_key_is_applied_once(tiny_grocery):
    g = tiny_grocery
    loaded(g)
    c = staff_client(g)
    body = {
        "key": str(uuid.uuid4()),
        "lines": [{"product_id": g.milk.pk, "units": 2}],
        "payment_method": "cash",
    }
    first = c.post(sale_url(g), body, content_type="application/json")
    assert first.status_code == 200, first.content
    again = c.post(sale_url(g), body, content_type="application/json")
    assert again.status_code == 200
    assert first.json()["receipt_number"] == again.json()["receipt_number"]
    assert first.json()["applied_now"] is True and again.json()["applied_now"] is False
    assert Sale.objects.filter(idempotency_key=body["key"]).count() == 1
    assert Movement.objects.filter(kind=MovementKind.SALE).count() == 1
    assert first.json()["total_cents"] == 1000


def test_the_api_charges_the_card_tier_but_never_names_it(tiny_grocery):
    g = tiny_grocery
    loaded(g)
    c = staff_client(g)
    lines = [{"product_id": g.milk.pk, "units": 2}]
    quote = c.post(
        sale_url(g).replace("/sales", "/quote"),
        {"lines": lines, "card_number": g.card.number},
        content_type="application/json",
    )
    assert quote.status_code == 200
    assert quote.json() == {"total_cents": 700, "total_label": "$7.00"}
    sale = c.post(
        sale_url(g),
        {
            "key": str(uuid.uuid4()),
            "lines": lines,
            "card_number": f"BBCARD:{g.card.number}",
            "payment_method": "card",
        },
        content_type="application/json",
    )
    assert sale.status_code == 200
    body = sale.json()
    assert set(body) == {
        "receipt_number",
        "total_cents",
        "total_label",
        "order_number",
        "applied_now",
    }
    assert body["total_cents"] == 700
    for tier in g.tiers.values():
        for text in (tier.name, tier.code):
            assert text.lower() not in sale.content.decode().lower()
            assert text.lower() not in quote.content.decode().lower()


def test_a_preorder_is_collected_by_its_number(tiny_grocery):
    g = tiny_grocery
    order = order_place(
        household=g.household, window=g.stop_window, lines=[LineIn(g.milk.pk, units=2)]
    )
    loaded(g)
    response = staff_client(g).post(
        sale_url(g),
        {"key": str(uuid.uuid4()), "order_number": order.number.lower(), "payment_method": "cash"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["order_number"] == order.number
    assert response.json()["total_cents"] == 700
    order.refresh_from_db()
    assert order.status == OrderStatus.COLLECTED


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"card_number": "NOPE"}, "No active member card has this number."),
        ({"order_number": "W00000"}, "No pre-order has this number at this stop."),
        ({"payment_method": "voucher"}, "Enter the voucher number and the partner who gave it."),
        ({"lines": [{"product_id": 0, "units": 1}]}, "This product is not sold here."),
    ],
)
def test_a_bad_sale_answers_400_with_a_translated_message_and_sells_nothing(
    tiny_grocery, extra, message
):
    g = tiny_grocery
    loaded(g)
    body = {
        "key": str(uuid.uuid4()),
        "lines": [{"product_id": g.milk.pk, "units": 1}],
        "payment_method": "cash",
        **extra,
    }
    response = staff_client(g).post(sale_url(g), body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"] == message
    assert not Sale.objects.exists()


def test_a_sale_before_the_trip_is_loaded_is_refused_but_a_resend_after_return_answers_200(
    tiny_grocery,
):
    g = tiny_grocery
    c = staff_client(g)
    body = {
        "key": str(uuid.uuid4()),
        "lines": [{"product_id": g.milk.pk, "units": 1}],
        "payment_method": "cash",
    }
    assert c.post(sale_url(g), body, content_type="application/json").status_code == 400
    loaded(g)
    assert c.post(sale_url(g), body, content_type="application/json").status_code == 200
    url = reverse("grocery_mobile:trip_detail", args=[g.trip.pk])
    c.post(url, {"action": "return"})
    again = c.post(sale_url(g), body, content_type="application/json")
    assert again.status_code == 200 and again.json()["applied_now"] is False
    assert Sale.objects.count() == 1


def test_the_api_error_messages_follow_the_language(tiny_grocery):
    g = tiny_grocery
    loaded(g)
    c = g.tn.client("caisse")
    c.cookies["django_language"] = "fr-ca"
    body = {
        "key": str(uuid.uuid4()),
        "lines": [{"product_id": g.milk.pk, "units": 999}],
        "payment_method": "cash",
    }
    response = c.post(sale_url(g), body, content_type="application/json")
    assert response.status_code == 400
    with translation.override("fr-ca"):
        expected = GroceryError(GroceryErrorCode.NOT_ENOUGH_STOCK, product="Lait").message
    assert response.json()["detail"] == expected
    # The grocery's msgids are not in the French catalogue yet (test_services' French e-mail
    # subject fails for the same reason); once they are: assert "Il n'y a pas assez" in it.
