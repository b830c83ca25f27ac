"""The stock REST API (/api/stock/): same scope as the pages, integer grams, 409 for the ledger."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from bonnebouffe.inventory.errors import MESSAGES, LedgerErrorCode
from bonnebouffe.inventory.models import Balance, Lot, Movement, StorageLocation
from bonnebouffe.inventory.services import (
    LotSpec,
    TransformationInput,
    lot_receive,
    transformation_record,
)

API = "/api/stock"


def spec(name: str, *, category: str = "vegetables_fruits", days: int = 10) -> LotSpec:
    return LotSpec(
        product_name=name,
        category=category,
        storage_class="ambient",
        date_kind="best_before",
        date_value=timezone.localdate() + timedelta(days=days),
        allergens=("milk",),
        unit_weight_g=250,
    )


@pytest.fixture
def stock(tiny_network):
    """Carrots and milk at the Roussillon hub, a loaf of bread at the HSL hub."""
    t = tiny_network
    site_r = t.hub_roussillon.sites.get()
    site_h = t.hub_hsl.sites.get()
    shelf = StorageLocation.objects.create(site=site_r, name="Étagère A", storage_class="ambient")
    carrots = lot_receive(
        spec=spec("Carottes"),
        quantity_g=10_000,
        hub=t.hub_roussillon,
        site=site_r,
        location=shelf,
        donor=t.farm,
    )
    milk = lot_receive(
        spec=spec("Lait", category="dairy", days=2),
        quantity_g=4_000,
        hub=t.hub_roussillon,
        site=site_r,
    )
    bread = lot_receive(
        spec=spec("Pain", category="bakery"), quantity_g=3_000, hub=t.hub_hsl, site=site_h
    )
    return {
        "carrots": carrots,
        "milk": milk,
        "bread": bread,
        "site_r": site_r,
        "site_h": site_h,
        "shelf": shelf,
    }


def post(client, path, data, **headers):  # type: ignore[no-untyped-def]
    return client.post(f"{API}{path}", data, content_type="application/json", headers=headers)


# --- Lots ----------------------------------------------------------------------------


def test_lots_are_listed_with_their_stock_in_grams(tiny_network, stock):
    body = tiny_network.client("coord_r").get(f"{API}/lots").json()
    by_code = {lot["code"]: lot for lot in body["items"]}
    assert set(by_code) == {stock["carrots"].code, stock["milk"].code}
    assert by_code[stock["carrots"].code]["on_hand_g"] == 10_000
    assert by_code[stock["carrots"].code]["date_value"] == stock["carrots"].date_value.isoformat()
    assert body["count"] == 2


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"search": "caro"}, {"carrots"}),
        ({"category": "dairy"}, {"milk"}),
        ({"search": "pain"}, set()),
    ],
)
def test_lots_can_be_searched_and_filtered(tiny_network, stock, query, expected):
    items = tiny_network.client("coord_r").get(f"{API}/lots", query).json()["items"]
    assert {item["code"] for item in items} == {stock[name].code for name in expected}


def test_lots_at_a_site_are_those_with_stock_there(tiny_network, stock):
    client = tiny_network.client("admin")
    items = client.get(f"{API}/lots", {"site_id": stock["site_h"].pk}).json()["items"]
    assert [item["code"] for item in items] == [stock["bread"].code]


def test_a_lot_shows_its_balances_and_why_it_is_held(tiny_network, stock):
    carrots = stock["carrots"]
    carrots.recalled = True
    carrots.save()
    body = tiny_network.client("coord_r").get(f"{API}/lots/{carrots.code}").json()
    assert body["on_hand_g"] == 10_000 and body["allergens"] == ["milk"]
    assert body["balances"] == [
        {
            "site_id": stock["site_r"].pk,
            "site": "Antenne Roussillon — Site",
            "location_id": stock["shelf"].pk,
            "location": "Étagère A",
            "quantity_g": 10_000,
        }
    ]
    assert [r["code"] for r in body["hold_reasons"]] == ["recall"]
    assert body["distributable"] is False


def test_lots_stay_within_the_scope(tiny_network, stock):
    coord_h = tiny_network.client("coord_h")
    assert coord_h.get(f"{API}/lots/{stock['carrots'].code}").status_code == 404
    codes = {lot["code"] for lot in coord_h.get(f"{API}/lots").json()["items"]}
    assert codes == {stock["bread"].code}


@pytest.mark.parametrize("user", ["evaluator", "household", "outsider"])
def test_people_without_records_cannot_list_lots(tiny_network, stock, user):
    client = tiny_network.client(user)
    assert client.get(f"{API}/lots").status_code == 403
    assert client.get(f"{API}/lots/{stock['carrots'].code}").status_code == 403


# --- Movements -----------------------------------------------------------------------


def test_an_issue_is_recorded_in_grams(tiny_network, stock):
    carrots = stock["carrots"]
    response = post(
        tiny_network.client("coord_r"),
        f"/lots/{carrots.code}/movements",
        {
            "kind": "issue",
            "quantity_g": 1_250,
            "from_site_id": stock["site_r"].pk,
            "from_location_id": stock["shelf"].pk,
            "recipient_id": tiny_network.agency_chateauguay.pk,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["quantity_g"], body["destination"]) == ("issue", 1_250, "food")
    assert body["recipient_id"] == tiny_network.agency_chateauguay.pk
    assert Balance.objects.get(lot=carrots).quantity_g == 8_750


def test_a_ledger_refusal_is_a_409_in_french(tiny_network, stock):
    response = post(
        tiny_network.client("coord_r"),
        f"/lots/{stock['milk'].code}/movements",
        {"kind": "issue", "quantity_g": 4_001, "from_site_id": stock["site_r"].pk},
        **{"accept-language": "fr"},
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "insufficient_stock"
    with translation.override("fr-ca"):
        assert body["message"] == str(MESSAGES[LedgerErrorCode.INSUFFICIENT_STOCK])
    with translation.override("en"):
        english = str(MESSAGES[LedgerErrorCode.INSUFFICIENT_STOCK])
    english_body = post(
        tiny_network.client("coord_r"),
        f"/lots/{stock['milk'].code}/movements",
        {"kind": "issue", "quantity_g": 4_001, "from_site_id": stock["site_r"].pk},
        **{"accept-language": "en"},
    ).json()
    assert english_body["message"] == english
    assert Balance.objects.get(lot=stock["milk"]).quantity_g == 4_000


def test_a_disposal_without_destination_is_a_409_and_changes_nothing(tiny_network, stock):
    before = Movement.objects.count()
    response = post(
        tiny_network.client("coord_r"),
        f"/lots/{stock['milk'].code}/movements",
        {"kind": "disposal", "quantity_g": 100, "from_site_id": stock["site_r"].pk},
    )
    assert response.status_code == 409 and response.json()["code"] == "missing_destination"
    assert Movement.objects.count() == before


def test_a_blocked_lot_cannot_be_issued(tiny_network, stock):
    milk = stock["milk"]
    milk.recalled = True
    milk.save()
    response = post(
        tiny_network.client("coord_r"),
        f"/lots/{milk.code}/movements",
        {"kind": "issue", "quantity_g": 1, "from_site_id": stock["site_r"].pk},
    )
    assert response.status_code == 409 and response.json()["code"] == "lot_blocked"


def test_the_same_movement_sent_twice_applies_once(tiny_network, stock):
    client = tiny_network.client("coord_r")
    payload = {
        "kind": "sale",
        "quantity_g": 300,
        "from_site_id": stock["site_r"].pk,
        "idempotency_key": "tablette-7-0001",
    }
    first = post(client, f"/lots/{stock['milk'].code}/movements", payload)
    again = post(client, f"/lots/{stock['milk'].code}/movements", payload)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Balance.objects.get(lot=stock["milk"]).quantity_g == 3_700
    other_lot = post(client, f"/lots/{stock['carrots'].code}/movements", payload)
    assert other_lot.status_code == 409  # a key belongs to one movement


def test_a_transfer_goes_to_another_hub_but_not_from_it(tiny_network, stock):
    client = tiny_network.client("coord_r")
    out = post(
        client,
        f"/lots/{stock['milk'].code}/movements",
        {
            "kind": "transfer",
            "quantity_g": 1_000,
            "from_site_id": stock["site_r"].pk,
            "to_site_id": stock["site_h"].pk,
        },
    )
    assert out.status_code == 201
    back = post(
        client,
        f"/lots/{stock['milk'].code}/movements",
        {
            "kind": "transfer",
            "quantity_g": 1_000,
            "from_site_id": stock["site_h"].pk,
            "to_site_id": stock["site_r"].pk,
        },
    )
    assert back.status_code == 404  # coord_r does not operate the HSL hub's site


def test_a_movement_on_another_hubs_lot_is_a_404(tiny_network, stock):
    response = post(
        tiny_network.client("coord_r"),
        f"/lots/{stock['bread'].code}/movements",
        {"kind": "loss", "quantity_g": 1, "from_site_id": stock["site_h"].pk},
    )
    assert response.status_code == 404
    assert Balance.objects.get(lot=stock["bread"]).quantity_g == 3_000


def test_a_bad_movement_gets_field_errors_in_french(tiny_network, stock):
    response = post(
        tiny_network.client("coord_r"),
        f"/lots/{stock['milk'].code}/movements",
        {"kind": "receipt", "quantity_g": 0},
        **{"accept-language": "fr-ca"},
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"kind", "quantity_g"}


# --- Transformations and counts ------------------------------------------------------


def test_a_transformation_consumes_inputs_and_makes_lots(tiny_network, stock):
    response = post(
        tiny_network.client("coord_r"),
        "/transformations",
        {
            "site_id": stock["site_r"].pk,
            "description": "Potage",
            "inputs": [
                {
                    "lot_code": stock["carrots"].code,
                    "location_id": stock["shelf"].pk,
                    "quantity_g": 3_000,
                },
                {"lot_code": stock["milk"].code, "quantity_g": 1_000},
            ],
            "outputs": [
                {
                    "product_name": "Potage carottes",
                    "category": "prepared",
                    "storage_class": "refrigerated",
                    "date_kind": "use_by",
                    "date_value": (timezone.localdate() + timedelta(days=4)).isoformat(),
                    "allergens": ["milk"],
                    "unit_weight_g": 500,
                    "quantity_g": 3_800,
                }
            ],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert sorted(m["quantity_g"] for m in body["inputs"]) == [1_000, 3_000]
    (made,) = body["outputs"]
    assert made["on_hand_g"] == 3_800 and made["hub_id"] == tiny_network.hub_roussillon.pk
    assert Lot.objects.get(code=made["code"]).source_transformation_id == body["id"]


def test_a_transformation_with_too_little_stock_changes_nothing(tiny_network, stock):
    lots_before = Lot.objects.count()
    response = post(
        tiny_network.client("coord_r"),
        "/transformations",
        {
            "site_id": stock["site_r"].pk,
            "description": "Potage",
            "inputs": [{"lot_code": stock["milk"].code, "quantity_g": 9_000}],
            "outputs": [
                {
                    "product_name": "Potage",
                    "category": "prepared",
                    "storage_class": "refrigerated",
                    "date_kind": "none",
                    "quantity_g": 100,
                }
            ],
        },
    )
    assert response.status_code == 409
    assert Lot.objects.count() == lots_before
    assert Balance.objects.get(lot=stock["milk"]).quantity_g == 4_000


def test_a_count_records_its_variances(tiny_network, stock):
    response = post(
        tiny_network.client("coord_r"),
        "/counts",
        {
            "site_id": stock["site_r"].pk,
            "lines": [
                {
                    "lot_code": stock["carrots"].code,
                    "location_id": stock["shelf"].pk,
                    "counted_g": 9_900,
                },
                {"lot_code": stock["milk"].code, "counted_g": 4_020},
            ],
        },
    )
    assert response.status_code == 201, response.content
    variances = {line["lot_code"]: line["variance_g"] for line in response.json()["lines"]}
    assert variances == {stock["carrots"].code: -100, stock["milk"].code: 20}
    assert Balance.objects.get(lot=stock["milk"]).quantity_g == 4_020


def test_a_count_that_lists_a_lot_twice_is_refused(tiny_network, stock):
    line = {"lot_code": stock["milk"].code, "counted_g": 1}
    response = post(
        tiny_network.client("coord_r"),
        "/counts",
        {"site_id": stock["site_r"].pk, "lines": [line, line]},
    )
    assert response.status_code == 422
    assert Balance.objects.get(lot=stock["milk"]).quantity_g == 4_000


# --- Sites ---------------------------------------------------------------------------


def test_on_hand_at_a_site_per_category(tiny_network, stock):
    body = tiny_network.client("coord_r").get(f"{API}/sites/{stock['site_r'].pk}/onhand").json()
    assert body["total_g"] == 14_000
    assert {(r["category"], r["quantity_g"]) for r in body["rows"]} == {
        ("vegetables_fruits", 10_000),
        ("dairy", 4_000),
    }


def test_the_pick_list_takes_the_soonest_date_first(tiny_network, stock):
    client = tiny_network.client("coord_r")
    picks = client.get(f"{API}/sites/{stock['site_r'].pk}/pick-list", {"quantity_g": 5_000}).json()
    assert [(p["code"], p["take_g"]) for p in picks] == [
        (stock["milk"].code, 4_000),
        (stock["carrots"].code, 1_000),
    ]
    dairy = client.get(f"{API}/sites/{stock['site_r'].pk}/pick-list", {"category": "dairy"}).json()
    assert [p["code"] for p in dairy] == [stock["milk"].code]


def test_sites_stay_within_the_scope(tiny_network, stock):
    coord_h = tiny_network.client("coord_h")
    assert coord_h.get(f"{API}/sites/{stock['site_r'].pk}/pick-list").status_code == 404
    agency = tiny_network.client("agency_a3")
    assert agency.get(f"{API}/sites/{stock['site_r'].pk}/pick-list").status_code == 404
    other_site = tiny_network.agency_mercier.sites.get()
    assert agency.get(f"{API}/sites/{other_site.pk}/onhand").status_code == 404


# --- Reconciliation and trace --------------------------------------------------------


def test_the_reconciliation_closes_and_checks_the_projection(tiny_network, stock):
    client = tiny_network.client("coord_r")
    body = client.get(f"{API}/reconciliation", {"hub_id": tiny_network.hub_roussillon.pk}).json()
    assert body["received_g"] == 14_000 and body["closing_g"] == 14_000
    assert body["closes"] and body["gap_g"] == 0 and body["projection_agrees"]
    Movement.objects.create(
        lot=stock["milk"],
        kind="loss",
        quantity_g=3,
        from_site=stock["site_r"],
        destination="loss",
        at=timezone.now(),
    )
    body = client.get(f"{API}/reconciliation").json()
    assert not body["projection_agrees"] and body["projection_mismatch_lots"] == [
        stock["milk"].code
    ]


def test_an_evaluator_gets_totals_without_lot_codes(tiny_network, stock):
    Movement.objects.create(
        lot=stock["milk"],
        kind="loss",
        quantity_g=3,
        from_site=stock["site_r"],
        destination="loss",
        at=timezone.now(),
    )
    client = tiny_network.client("evaluator")
    body = client.get(f"{API}/reconciliation").json()
    assert body["received_g"] == 17_000 and body["lot_count"] == 3
    assert body["projection_mismatch_count"] == 1 and body["projection_mismatch_lots"] == []
    assert client.get(f"{API}/reconciliation", {"lot": stock["milk"].code}).status_code == 403


def test_the_reconciliation_refuses_a_hub_outside_the_scope(tiny_network, stock):
    client = tiny_network.client("coord_r")
    assert (
        client.get(f"{API}/reconciliation", {"hub_id": tiny_network.hub_hsl.pk}).status_code == 404
    )
    today = timezone.localdate()
    bad = client.get(
        f"{API}/reconciliation",
        {"start": today.isoformat(), "end": (today - timedelta(days=1)).isoformat()},
    )
    assert bad.status_code == 422
    assert tiny_network.client("household").get(f"{API}/reconciliation").status_code == 403


def test_a_trace_follows_a_donors_food_through_a_transformation(tiny_network, stock):
    site = stock["site_r"]
    _t, (soup,) = transformation_record(
        site=site,
        hub=tiny_network.hub_roussillon,
        description="Soupe",
        inputs=[TransformationInput(stock["carrots"], site, stock["shelf"], 2_000)],
        outputs=[(spec("Soupe", category="prepared"), 1_800)],
    )
    client = tiny_network.client("coord_r")
    body = client.get(f"{API}/trace", {"donor_id": tiny_network.farm.pk}).json()
    assert {lot["code"] for lot in body["lots"]} == {stock["carrots"].code, soup.code}
    (t,) = body["transformations"]
    assert t["inputs"] == [{"lot_code": stock["carrots"].code, "quantity_g": 2_000}]
    soup_out = next(lot for lot in body["lots"] if lot["code"] == soup.code)
    assert soup_out["donors"] == [{"id": tiny_network.farm.pk, "name": "Ferme Saint-Rémi"}]
    up = client.get(f"{API}/trace", {"lot": soup.code, "direction": "up"}).json()
    assert [d["name"] for d in up["donors"]] == ["Ferme Saint-Rémi"]
    assert client.get(f"{API}/trace").status_code == 422


def test_a_trace_stays_within_the_scope(tiny_network, stock):
    coord_h = tiny_network.client("coord_h")
    body = coord_h.get(f"{API}/trace", {"lot": stock["carrots"].code}).json()
    assert body["lots"] == [] and body["movements"] == []
    up = coord_h.get(f"{API}/trace", {"lot": stock["carrots"].code, "direction": "up"})
    assert up.status_code == 404
    assert tiny_network.client("evaluator").get(f"{API}/trace", {"lot": "x"}).status_code == 403


def test_the_stock_endpoints_are_in_the_openapi_schema(db):
    from django.test import Client

    paths = Client().get("/api/openapi.json").json()["paths"]
    for path in (
        "/api/stock/lots",
        "/api/stock/lots/{code}",
        "/api/stock/lots/{code}/movements",
        "/api/stock/transformations",
        "/api/stock/counts",
        "/api/stock/sites/{site_id}/onhand",
        "/api/stock/sites/{site_id}/pick-list",
        "/api/stock/reconciliation",
        "/api/stock/trace",
    ):
        assert path in paths


# --- Storage locations ---------------------------------------------------------------


def test_the_locations_of_a_site_are_listed_with_their_stock(tiny_network, stock):
    client = tiny_network.client("coord_r")
    body = client.get(f"{API}/sites/{stock['site_r'].pk}/locations").json()
    assert body == [
        {
            "id": stock["shelf"].pk,
            "site_id": stock["site_r"].pk,
            "name": "Étagère A",
            "storage_class": "ambient",
            "cold_unit_id": None,
            "on_hand_g": 10_000,
        }
    ]


def test_a_coordinator_adds_a_location_to_their_hubs_site(tiny_network, stock):
    response = post(
        tiny_network.client("coord_r"),
        f"/sites/{stock['site_r'].pk}/locations",
        {"name": "Chambre froide", "storage_class": "refrigerated"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["name"] == "Chambre froide"
    assert StorageLocation.objects.filter(site=stock["site_r"], name="Chambre froide").exists()
    again = post(
        tiny_network.client("coord_r"),
        f"/sites/{stock['site_r'].pk}/locations",
        {"name": "Chambre froide", "storage_class": "refrigerated"},
    )
    assert again.status_code == 422


def test_locations_stay_within_the_scope(tiny_network, stock):
    coord_h = tiny_network.client("coord_h")
    site_r = stock["site_r"].pk
    assert coord_h.get(f"{API}/sites/{site_r}/locations").status_code == 404
    added = post(coord_h, f"/sites/{site_r}/locations", {"name": "X", "storage_class": "ambient"})
    assert added.status_code == 404
    household = tiny_network.client("household")
    assert household.get(f"{API}/sites/{site_r}/locations").status_code == 403
    assert not StorageLocation.objects.filter(name="X").exists()


# --- Issuing a FEFO pick list --------------------------------------------------------


def _picks(client, site_id, quantity_g):  # type: ignore[no-untyped-def]
    rows = client.get(f"{API}/sites/{site_id}/pick-list", {"quantity_g": quantity_g}).json()
    return [
        {"lot_code": p["code"], "location_id": p["location_id"], "quantity_g": p["take_g"]}
        for p in rows
    ]


def test_a_pick_list_is_issued_to_an_agency_in_one_step(tiny_network, stock):
    client = tiny_network.client("coord_r")
    site_r = stock["site_r"].pk
    payload = {
        "recipient_id": tiny_network.agency_chateauguay.pk,
        "picks": _picks(client, site_r, 5_000),
        "idempotency_key": "pick-1",
    }
    response = post(client, f"/sites/{site_r}/pick-list/issue", payload)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["quantity_g"] == 5_000
    assert [(m["lot_code"], m["kind"], m["quantity_g"]) for m in body["movements"]] == [
        (stock["milk"].code, "issue", 4_000),
        (stock["carrots"].code, "issue", 1_000),
    ]
    assert Balance.objects.get(lot=stock["carrots"]).quantity_g == 9_000
    assert not Balance.objects.filter(lot=stock["milk"], quantity_g__gt=0).exists()
    # Sent again: the first issue comes back and nothing more leaves the shelf.
    again = post(client, f"/sites/{site_r}/pick-list/issue", payload)
    assert again.status_code == 200 and again.json() == body
    assert Balance.objects.get(lot=stock["carrots"]).quantity_g == 9_000


def test_a_pick_list_with_one_bad_line_issues_nothing(tiny_network, stock):
    client = tiny_network.client("coord_r")
    site_r = stock["site_r"].pk
    picks = _picks(client, site_r, 5_000)
    picks[1]["quantity_g"] = 50_000  # more carrots than the shelf holds
    with translation.override("fr-ca"):
        response = post(
            client,
            f"/sites/{site_r}/pick-list/issue",
            {
                "recipient_id": tiny_network.agency_chateauguay.pk,
                "picks": picks,
                "idempotency_key": "pick-2",
            },
            **{"Accept-Language": "fr-ca"},
        )
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["lot_code"] == stock["carrots"].code and body["code"]
    assert Balance.objects.get(lot=stock["milk"]).quantity_g == 4_000
    assert not Movement.objects.filter(kind="issue").exists()


def test_a_pick_list_issue_stays_within_the_scope(tiny_network, stock):
    coord_r = tiny_network.client("coord_r")
    picks = _picks(coord_r, stock["site_r"].pk, 1_000)
    payload = {
        "recipient_id": tiny_network.agency_chateauguay.pk,
        "picks": picks,
        "idempotency_key": "pick-3",
    }
    coord_h = tiny_network.client("coord_h")
    assert post(coord_h, f"/sites/{stock['site_r'].pk}/pick-list/issue", payload).status_code == 404
    # From their own site, another hub's lot is not theirs to issue either.
    own = post(coord_h, f"/sites/{stock['site_h'].pk}/pick-list/issue", payload)
    assert own.status_code == 404
    assert not Movement.objects.filter(kind="issue").exists()


# --- Labels --------------------------------------------------------------------------


def test_the_labels_of_a_lot_are_a_pdf(tiny_network, stock):
    client = tiny_network.client("coord_r")
    code = stock["carrots"].code
    for layout in ("sheet", "thermal"):
        response = client.get(f"{API}/labels", {"lots": code, "layout": layout})
        assert response.status_code == 200, response.content
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        assert code in response["Content-Disposition"]


def test_labels_stay_within_the_scope(tiny_network, stock):
    code = stock["carrots"].code
    assert tiny_network.client("coord_h").get(f"{API}/labels", {"lots": code}).status_code == 404
    assert tiny_network.client("household").get(f"{API}/labels", {"lots": code}).status_code == 403


# --- Recall --------------------------------------------------------------------------


def test_a_coordinator_recalls_the_lots_of_a_trace(tiny_network, stock):
    client = tiny_network.client("coord_r")
    response = post(client, "/recalls", {"lot": stock["carrots"].code})
    assert response.status_code == 200, response.content
    assert response.json()["recalled_count"] == 1
    assert response.json()["lot_codes"] == [stock["carrots"].code]
    stock["carrots"].refresh_from_db()
    assert stock["carrots"].recalled
    assert not stock["milk"].__class__.objects.get(pk=stock["milk"].pk).recalled
    again = post(client, "/recalls", {"lot": stock["carrots"].code}).json()
    assert again["recalled_count"] == 0 and again["organisations_told"] == 0


@pytest.mark.parametrize(("user", "status"), [("coord_h", 404), ("evaluator", 403)])
def test_a_recall_stays_within_the_scope(tiny_network, stock, user, status):
    response = post(tiny_network.client(user), "/recalls", {"lot": stock["carrots"].code})
    assert response.status_code == status
    assert not Lot.objects.filter(recalled=True).exists()


def test_a_recall_needs_a_criterion(tiny_network, stock):
    assert post(tiny_network.client("coord_r"), "/recalls", {}).status_code == 422


def test_the_recall_notice_is_a_job_whose_pdf_only_its_owner_fetches(
    tiny_network, stock, django_capture_on_commit_callbacks
):
    client = tiny_network.client("coord_r")
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, "/recall-reports", {"donor_id": tiny_network.farm.pk})
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "queued" and response.json()["download_url"] is None
    job = client.get(f"{API}/recall-reports/{response.json()['job_id']}").json()
    assert job["status"] == "succeeded" and job["download_url"], job
    pdf = client.get(job["download_url"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    coord_h = tiny_network.client("coord_h")
    assert coord_h.get(f"{API}/recall-reports/{job['job_id']}").status_code == 404
    assert coord_h.get(job["download_url"]).status_code == 404


def test_a_recall_notice_of_another_hubs_lot_is_refused(tiny_network, stock):
    coord_h = tiny_network.client("coord_h")
    assert post(coord_h, "/recall-reports", {"lot": stock["carrots"].code}).status_code == 404
    household = tiny_network.client("household")
    assert post(household, "/recall-reports", {"lot": stock["carrots"].code}).status_code == 403


def test_the_new_stock_endpoints_are_in_the_openapi_schema(db):
    from django.test import Client

    paths = Client().get("/api/openapi.json").json()["paths"]
    for path in (
        "/api/stock/sites/{site_id}/locations",
        "/api/stock/sites/{site_id}/pick-list/issue",
        "/api/stock/labels",
        "/api/stock/recalls",
        "/api/stock/recall-reports",
        "/api/stock/recall-reports/{job_id}",
        "/api/stock/recall-reports/{job_id}/pdf",
    ):
        assert path in paths
