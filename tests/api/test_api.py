from django.test import Client

from bonnebouffe.accounts.services import api_token_create


def test_a_bearer_token_authenticates_with_the_users_scope(tiny_network):
    _token, secret = api_token_create(user=tiny_network.users["coord_h"], name="capteur")
    client = Client(headers={"authorization": f"Bearer {secret}"})
    names = {o["name"] for o in client.get("/api/network/organisations").json()}
    assert "Comptoir Huntingdon" in names and "Comptoir Mercier" not in names
    assert (
        Client(headers={"authorization": "Bearer nope"})
        .get("/api/network/organisations")
        .status_code
        == 401
    )


def test_the_openapi_schema_and_docs_are_served(db):
    client = Client()
    schema = client.get("/api/openapi.json").json()
    assert "/api/network/organisations" in schema["paths"]
    assert "/api/partners/directory" in schema["paths"]
    assert client.get("/api/docs").status_code == 200


def test_bad_input_gets_field_errors_in_french_and_changes_nothing(tiny_network):
    from bonnebouffe.network.models import Site

    client = tiny_network.client("coord_r")
    before = Site.objects.count()
    response = client.post(
        f"/api/network/organisations/{tiny_network.agency_mercier.pk}/sites",
        {
            "name": "Entrepôt",
            "address": "2, rue X",
            "municipality_id": tiny_network.agency_mercier.municipality_id,
            "latitude": "abc",
            "longitude": -73.7,
            "storage_ambient_kg": -5,
        },
        content_type="application/json",
        headers={"accept-language": "fr-ca"},
    )
    assert response.status_code == 422
    body = response.json()
    fields = {e["field"]: e["message"] for e in body["errors"]}
    assert set(fields) == {"latitude", "storage_ambient_kg"}
    assert fields["storage_ambient_kg"] == "Ce nombre est trop petit."
    assert Site.objects.count() == before


def test_the_same_error_in_english(tiny_network):
    client = tiny_network.client("coord_r")
    response = client.post(
        "/api/network/organisations",
        {"kind": "community"},
        content_type="application/json",
        headers={"accept-language": "en"},
    )
    assert response.status_code == 422
    messages = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert messages["name"] == "This field is required."


def test_a_site_with_hours_is_created_through_the_api(tiny_network):
    client = tiny_network.client("coord_r")
    response = client.post(
        f"/api/network/organisations/{tiny_network.agency_mercier.pk}/sites",
        {
            "name": "Entrepôt",
            "address": "2, rue X",
            "municipality_id": tiny_network.agency_mercier.municipality_id,
            "latitude": 45.32,
            "longitude": -73.74,
            "storage_refrigerated_kg": 300,
            "opening_hours": [{"weekday": 0, "opens": "09:00", "closes": "12:00"}],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["storage_refrigerated_kg"] == 300
    assert body["opening_hours"] == [{"weekday": 0, "opens": "09:00:00", "closes": "12:00:00"}]


def test_overlapping_hours_are_refused_with_nothing_saved(tiny_network):
    from bonnebouffe.network.models import Site

    client = tiny_network.client("coord_r")
    before = Site.objects.count()
    response = client.post(
        f"/api/network/organisations/{tiny_network.agency_mercier.pk}/sites",
        {
            "name": "Entrepôt",
            "address": "2, rue X",
            "municipality_id": tiny_network.agency_mercier.municipality_id,
            "latitude": 45.32,
            "longitude": -73.74,
            "opening_hours": [
                {"weekday": 0, "opens": "09:00", "closes": "12:00"},
                {"weekday": 0, "opens": "11:00", "closes": "13:00"},
            ],
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    assert Site.objects.count() == before


def test_session_auth_needs_the_csrf_token_for_writes(tiny_network):
    client = Client(enforce_csrf_checks=True)
    client.force_login(tiny_network.users["coord_r"])
    response = client.post("/api/network/organisations", {}, content_type="application/json")
    assert response.status_code in (401, 403)
