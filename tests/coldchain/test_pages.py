from decimal import Decimal

from django.test import Client

from bonnebouffe.coldchain.models import ColdUnit, ExcursionStatus, TemperatureReading
from bonnebouffe.coldchain.services import reading_record, unit_create
from bonnebouffe.inventory.models import Lot

from .conftest import french

HTMX = {"hx-request": "true"}


def test_the_days_log_shows_only_the_units_of_the_scope(cold, tiny_network):
    page = tiny_network.client("coord_r").get("/froid/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Chambre froide" in html and "Frigo du comptoir" in html
    assert "Congélateur 1" not in html
    html_h = tiny_network.client("coord_h").get("/froid/").content.decode()
    assert "Congélateur 1" in html_h and "Chambre froide" not in html_h
    html_a3 = tiny_network.client("agency_a1").get("/froid/").content.decode()
    assert "Frigo du comptoir" in html_a3 and "Chambre froide" not in html_a3


def test_evaluators_and_outsiders_do_not_see_the_log(cold, tiny_network):
    assert tiny_network.client("evaluator").get("/froid/").status_code == 403
    assert tiny_network.client("outsider").get("/froid/").status_code == 403
    assert Client().get("/froid/").status_code == 302


def test_the_log_page_runs_a_fixed_number_of_queries(
    cold, tiny_network, django_assert_max_num_queries
):
    client = tiny_network.client("admin")
    for i in range(6):
        unit = unit_create(
            scope=None,
            site=cold.site_r,
            name=f"Frigo {i}",
            kind="fridge",
            storage_class="refrigerated",
        )
        reading_record(unit=unit, temperature_c=Decimal("2"), source="manual", actor=None)
    with django_assert_max_num_queries(12):
        assert client.get("/froid/").status_code == 200


def test_htmx_quick_entry_records_and_returns_the_row(cold, tiny_network):
    client = tiny_network.client("agency_a1")
    response = client.post(
        f"/froid/appareils/{cold.agency_fridge.pk}/releve/",
        {"temperature_c": "3,5"},
        headers=HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="unit-{cold.agency_fridge.pk}"')
    assert "<html" not in html
    assert "3,5 °C" in html and "data-recorded" in html
    reading = TemperatureReading.objects.get()
    assert reading.temperature_c == Decimal("3.5") and reading.source == "manual"
    assert reading.actor == tiny_network.users["agency_a1"]


def test_a_typographic_minus_is_understood(cold, tiny_network):
    client = tiny_network.client("coord_h")
    client.post(
        f"/froid/appareils/{cold.freezer.pk}/releve/",
        {"temperature_c": "\u221219 °C"},
        headers=HTMX,
    )
    assert TemperatureReading.objects.get().temperature_c == Decimal("-19")


def test_a_bad_temperature_is_refused_with_a_french_message(cold, tiny_network):
    client = tiny_network.client("coord_r")
    response = client.post(
        f"/froid/appareils/{cold.cooler.pk}/releve/",
        {"temperature_c": "froid"},
        headers={**HTMX, "accept-language": "fr-ca"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert french("Enter a number.") in html
    assert 'aria-invalid="true"' in html and 'value="froid"' in html
    assert not TemperatureReading.objects.exists()


def test_an_out_of_limit_entry_without_htmx_redirects_with_a_message(cold, tiny_network):
    client = tiny_network.client("coord_r")
    response = client.post(
        f"/froid/appareils/{cold.cooler.pk}/releve/",
        {"temperature_c": "11", "next": f"/froid/appareils/{cold.cooler.pk}/"},
    )
    assert response.status_code == 302 and response.url == f"/froid/appareils/{cold.cooler.pk}/"
    assert Lot.objects.get(pk=cold.lot_in_cooler.pk).under_review


def test_no_one_records_a_reading_outside_their_scope(cold, tiny_network):
    client = tiny_network.client("coord_h")
    response = client.post(
        f"/froid/appareils/{cold.cooler.pk}/releve/", {"temperature_c": "3"}, headers=HTMX
    )
    assert response.status_code == 404
    assert (
        tiny_network.client("agency_a3").get(f"/froid/appareils/{cold.cooler.pk}/").status_code
        == 404
    )
    assert not TemperatureReading.objects.exists()


def test_the_unit_page_lists_readings_and_excursions(cold, tiny_network):
    reading_record(unit=cold.cooler, temperature_c=Decimal("2.5"), source="sensor", actor=None)
    reading_record(unit=cold.cooler, temperature_c=Decimal("8"), source="manual", actor=None)
    html = (
        tiny_network.client("coord_r").get(f"/froid/appareils/{cold.cooler.pk}/").content.decode()
    )
    assert "2,5 °C" in html and "8,0 °C" in html
    assert html.count('scope="col"') == 9
    assert "/froid/ecarts/" in html


def test_a_coordinator_adds_a_unit_to_a_site_of_their_territory_only(cold, tiny_network):
    client = tiny_network.client("coord_r")
    mercier_site = tiny_network.agency_mercier.sites.get()
    response = client.post(
        "/froid/appareils/ajouter/",
        {
            "site": mercier_site.pk,
            "name": "Congélateur coffre",
            "kind": "freezer",
            "storage_class": "frozen",
        },
    )
    unit = ColdUnit.objects.get(name="Congélateur coffre")
    assert response.status_code == 302 and response.url == f"/froid/appareils/{unit.pk}/"
    response = client.post(
        "/froid/appareils/ajouter/",
        {
            "site": cold.site_h.pk,
            "name": "Intrus",
            "kind": "fridge",
            "storage_class": "refrigerated",
        },
    )
    assert response.status_code == 200 and not ColdUnit.objects.filter(name="Intrus").exists()
    assert tiny_network.client("agency_a1").get("/froid/appareils/ajouter/").status_code == 403


def test_a_coordinator_reviews_an_excursion_on_its_page(cold, tiny_network):
    excursion = reading_record(
        unit=cold.cooler, temperature_c=Decimal("9"), source="manual", actor=None
    ).excursion
    url = f"/froid/ecarts/{excursion.pk}/"
    client = tiny_network.client("coord_r")
    page = client.get(url).content.decode()
    assert cold.lot_in_cooler.code in page and "12,0" in page
    assert tiny_network.client("coord_h").get(url).status_code == 404
    response = client.post(url, {"decision": "release", "notes": ""})
    assert response.status_code == 200
    excursion.refresh_from_db()
    assert excursion.status == ExcursionStatus.OPEN
    response = client.post(url, {"decision": "release", "notes": "Produits à 3 °C, OK"})
    assert response.status_code == 302
    excursion.refresh_from_db()
    assert excursion.status == ExcursionStatus.RELEASED
    assert not Lot.objects.get(pk=cold.lot_in_cooler.pk).under_review


def test_agency_staff_see_an_excursion_but_do_not_review_it(cold, tiny_network):
    excursion = reading_record(
        unit=cold.agency_fridge, temperature_c=Decimal("9"), source="manual", actor=None
    ).excursion
    client = tiny_network.client("agency_a1")
    url = f"/froid/ecarts/{excursion.pk}/"
    page = client.get(url)
    assert page.status_code == 200 and 'name="decision"' not in page.content.decode()
    assert client.post(url, {"decision": "release", "notes": "ok ok"}).status_code == 403
