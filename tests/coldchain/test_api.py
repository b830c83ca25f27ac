from datetime import timedelta
from decimal import Decimal

from django.test import Client
from django.utils import timezone

from bonnebouffe.accounts.services import api_token_create
from bonnebouffe.coldchain.models import Excursion, TemperatureReading
from bonnebouffe.coldchain.services import reading_record
from bonnebouffe.inventory.models import Lot

from .conftest import french


def sensor(tiny_network, username):
    _token, secret = api_token_create(user=tiny_network.users[username], name="capteur")
    return Client(headers={"authorization": f"Bearer {secret}"})


def test_a_sensor_posts_a_reading_with_a_token(cold, tiny_network):
    client = sensor(tiny_network, "coord_h")
    at = (timezone.now() - timedelta(minutes=1)).isoformat()
    url = f"/api/coldchain/units/{cold.freezer.pk}/readings"
    response = client.post(
        url,
        {"temperature_c": "-21.4", "at": at, "source": "sensor"},
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["within_limit"] is True and body["excursion_id"] is None
    assert Decimal(body["temperature_c"]) == Decimal("-21.4")
    retry = client.post(url, {"temperature_c": -21.4, "at": at}, content_type="application/json")
    assert retry.status_code == 201 and retry.json()["id"] == body["id"]
    assert TemperatureReading.objects.get().source == "sensor"


def test_a_warm_sensor_reading_opens_an_excursion(cold, tiny_network):
    client = sensor(tiny_network, "coord_h")
    response = client.post(
        f"/api/coldchain/units/{cold.freezer.pk}/readings",
        {"temperature_c": -3},
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["excursion_id"]
    assert Lot.objects.get(pk=cold.lot_in_freezer.pk).under_review
    excursions = client.get("/api/coldchain/excursions?status=open").json()
    assert [e["lot_codes"] for e in excursions] == [[cold.lot_in_freezer.code]]


def test_a_coordinator_cannot_post_to_a_unit_of_another_territory(cold, tiny_network):
    client = sensor(tiny_network, "coord_h")
    response = client.post(
        f"/api/coldchain/units/{cold.cooler.pk}/readings",
        {"temperature_c": 3},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert client.get(f"/api/coldchain/units/{cold.cooler.pk}/readings").status_code == 404
    assert not TemperatureReading.objects.exists()


def test_units_are_listed_within_the_scope_with_todays_status(cold, tiny_network):
    reading_record(unit=cold.cooler, temperature_c=Decimal("3"), source="manual", actor=None)
    units = {
        u["name"]: u for u in tiny_network.client("coord_r").get("/api/coldchain/units").json()
    }
    assert set(units) == {"Chambre froide", "Frigo du comptoir"}
    assert units["Chambre froide"]["checked_today"] is True
    assert Decimal(units["Chambre froide"]["limit_c"]) == Decimal("4")
    assert units["Frigo du comptoir"]["last_reading_at"] is None
    assert tiny_network.client("evaluator").get("/api/coldchain/units").status_code == 403


def test_readings_of_a_unit_over_a_period(cold, tiny_network):
    now = timezone.now()
    for days, t in [(40, "2"), (5, "3"), (1, "3.5")]:
        reading_record(
            unit=cold.cooler,
            temperature_c=Decimal(t),
            source="sensor",
            actor=None,
            at=now - timedelta(days=days),
        )
    client = tiny_network.client("coord_r")
    url = f"/api/coldchain/units/{cold.cooler.pk}/readings"
    assert [r["temperature_c"] for r in client.get(url).json()] == ["3.5", "3.0"]
    start = (now - timedelta(days=50)).date().isoformat()
    end = (now - timedelta(days=3)).date().isoformat()
    rows = client.get(url, {"start": start, "end": end}).json()
    assert [r["temperature_c"] for r in rows] == ["3.0", "2.0"]


def test_a_bad_temperature_gets_a_french_error_and_changes_nothing(cold, tiny_network):
    client = tiny_network.client("coord_r")
    url = f"/api/coldchain/units/{cold.cooler.pk}/readings"
    response = client.post(
        url,
        {"temperature_c": "tiède"},
        content_type="application/json",
        headers={"accept-language": "fr-ca"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"] == french("Enter a number.")
    response = client.post(url, {"temperature_c": 99}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "temperature_c"
    assert not TemperatureReading.objects.exists()


def test_a_coordinator_reviews_an_excursion_through_the_api(cold, tiny_network):
    excursion = reading_record(
        unit=cold.cooler, temperature_c=Decimal("12"), source="sensor", actor=None
    ).excursion
    url = f"/api/coldchain/excursions/{excursion.pk}/review"
    payload = {"decision": "discard", "notes": "Panne de courant de 5 heures"}
    assert (
        tiny_network.client("coord_h")
        .post(url, payload, content_type="application/json")
        .status_code
        == 404
    )
    assert (
        tiny_network.client("admin")
        .post(url, {"decision": "x", "notes": "abc"}, content_type="application/json")
        .status_code
        == 422
    )
    response = tiny_network.client("coord_r").post(url, payload, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["status"] == "discarded"
    assert Excursion.objects.get().status == "discarded"
    assert not Lot.objects.get(pk=cold.lot_in_cooler.pk).under_review
