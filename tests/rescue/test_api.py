"""The rescue API: same rules and scope as the pages."""

from datetime import timedelta

from django.utils import timezone

from bonnebouffe.rescue.models import Offer, OfferStatus, Reception
from bonnebouffe.rescue.services import offers_advance

from .conftest import item, make_offer


def _offer_payload(net, **extra):
    now = timezone.now()
    payload = {
        "donor_id": net.farm.pk,
        "handover": "pickup",
        "pickup_site_id": net.farm.sites.get().pk,
        "window_start": now.isoformat(),
        "window_end": (now + timedelta(hours=24)).isoformat(),
        "items": [
            {
                "product_name": "Laitue",
                "category": "vegetables_fruits",
                "storage_class": "refrigerated",
                "date_kind": "none",
                "units": 30,
                "unit_weight_g": 400,
            },
            {
                "product_name": "Fromage",
                "category": "dairy",
                "storage_class": "refrigerated",
                "date_kind": "best_before",
                "date_value": (timezone.localdate() + timedelta(days=12)).isoformat(),
                "allergens": ["milk"],
                "quantity_kg": "4.2",
            },
        ],
    }
    payload.update(extra)
    return payload


def test_a_donor_posts_an_offer_with_items(net):
    response = net.client("donor").post(
        "/api/rescue/offers", _offer_payload(net), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["home_hub_id"] == net.hub_roussillon.pk and body["stage"] == "home_hub"
    assert sorted(i["quantity_g"] for i in body["items"]) == [4_200, 12_000]
    assert body["remaining_g"] == 16_200


def test_bad_offers_get_field_errors_in_french_and_nothing_is_saved(net):
    payload = _offer_payload(net)
    payload["items"][0].pop("unit_weight_g")
    payload["items"][1]["storage_class"] = "tiède"
    response = net.client("donor").post(
        "/api/rescue/offers", payload, content_type="application/json"
    )
    assert response.status_code == 422
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert errors["items.1.storage_class"] == "Cette valeur ne fait pas partie des choix permis."
    payload = _offer_payload(net)
    payload["items"][0].pop("unit_weight_g")
    response = net.client("donor").post(
        "/api/rescue/offers", payload, content_type="application/json"
    )
    assert response.status_code == 422
    assert "items[0].unit_weight_g" in {e["field"] for e in response.json()["errors"]}
    assert not Offer.objects.exists()


def test_nobody_else_posts_for_the_farm(net):
    response = net.client("agency_a3").post(
        "/api/rescue/offers", _offer_payload(net), content_type="application/json"
    )
    assert response.status_code == 403
    assert not Offer.objects.exists()


def test_the_list_is_scoped(net):
    offer = make_offer(net)
    assert [o["id"] for o in net.client("coord_r").get("/api/rescue/offers").json()] == [offer.pk]
    assert net.client("coord_h").get("/api/rescue/offers").json() == []
    assert net.client("evaluator").get("/api/rescue/offers").json() == []
    assert net.client("coord_h").get(f"/api/rescue/offers/{offer.pk}").status_code == 404
    offers_advance(now=timezone.now() + timedelta(hours=5))
    assert [o["id"] for o in net.client("coord_h").get("/api/rescue/offers").json()] == [offer.pk]


def test_accept_part_then_too_much_then_close(net):
    offer = make_offer(net, item("Yogourt", kg="10"))
    item_id = offer.items.get().pk
    client = net.client("coord_r")
    response = client.post(
        f"/api/rescue/offers/{offer.pk}/accept",
        {"items": [{"item_id": item_id, "quantity_kg": "6.5"}]},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["offer_status"] == "partly_taken"
    assert response.json()["lines"] == [{"item_id": item_id, "quantity_g": 6_500}]
    response = client.post(
        f"/api/rescue/offers/{offer.pk}/accept",
        {"items": [{"item_id": item_id, "quantity_kg": "4"}]},
        content_type="application/json",
    )
    assert response.status_code == 409 and response.json()["code"] == "over_taken"
    response = net.client("coord_h").post(
        f"/api/rescue/offers/{offer.pk}/accept", {}, content_type="application/json"
    )
    assert response.status_code == 404
    response = client.post(
        f"/api/rescue/offers/{offer.pk}/close",
        {"reason": "Le reste est parti"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["status"] == OfferStatus.CLOSED


def test_a_reception_through_the_api(net):
    offer = make_offer(net, item("Yogourt", kg="10"))
    client = net.client("coord_r")
    acceptance = client.post(
        f"/api/rescue/offers/{offer.pk}/accept", {}, content_type="application/json"
    ).json()
    it = offer.items.get()
    payload = {
        "site_id": net.hub_roussillon.sites.get().pk,
        "acceptance_id": acceptance["id"],
        "items": [
            {
                "offer_item_id": it.pk,
                "product_name": it.product_name,
                "category": it.category,
                "storage_class": it.storage_class,
                "date_kind": it.date_kind,
                "date_value": it.date_value.isoformat(),
                "weight_kg": "9.9",
                "temperature_c": "12",
            }
        ],
    }
    response = client.post("/api/rescue/receptions", payload, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "items[0].decision"
    payload["items"][0]["temperature_c"] = "2.5"
    response = client.post("/api/rescue/receptions", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["items"][0]["lot_code"].startswith("L")
    response = client.post("/api/rescue/receptions", payload, content_type="application/json")
    assert response.status_code == 409
    assert Reception.objects.count() == 1
    other = net.client("coord_h").post(
        "/api/rescue/receptions", payload, content_type="application/json"
    )
    assert other.status_code == 403
