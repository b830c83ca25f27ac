"""Reception at a hub: lots for accepted items, refused items down the valorisation scale,
one transaction for the whole reception."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from bonnebouffe.accounts.selectors import scope_for
from bonnebouffe.inventory.models import Balance, Lot, Movement, StorageLocation
from bonnebouffe.inventory.selectors import balance_rebuild_diff, reconcile
from bonnebouffe.rescue import services
from bonnebouffe.rescue.models import Acceptance, OfferStatus, Reception, ReceptionItem
from bonnebouffe.rescue.services import (
    OfferError,
    ReceptionLine,
    offer_accept,
    reception_record,
)

from .conftest import item, make_offer


def _line(offer_item=None, **kw):
    base = {
        "product_name": offer_item.product_name if offer_item else "Pommes",
        "category": offer_item.category if offer_item else "vegetables_fruits",
        "storage_class": offer_item.storage_class if offer_item else "ambient",
        "date_kind": "best_before",
        "date_value": timezone.localdate() + timedelta(days=5),
        "weight_g": 9_870,
        "temperature_c": Decimal("3.5"),
        "packaging_intact": True,
        "label_present": True,
        "accepted": True,
        "offer_item_id": offer_item.pk if offer_item else None,
    }
    base.update(kw)
    return ReceptionLine(**base)


@pytest.fixture
def accepted(net):
    offer = make_offer(
        net,
        item("Yogourt", kg="10"),
        item("Poulet", kg="6", storage="frozen", category="protein"),
        item("Conserves", kg="20", storage="ambient", category="dry_goods"),
    )
    acceptance = offer_accept(
        scope=scope_for(net.users["coord_r"]), offer=offer, taker=net.hub_roussillon
    )
    return offer, acceptance


def test_accepted_items_become_lots_and_refused_ones_are_disposed(net, accepted):
    offer, acceptance = accepted
    yogourt, chicken, cans = offer.items.order_by("pk")
    site = net.hub_roussillon.sites.get()
    fridge = StorageLocation.objects.create(
        site=site, name="Chambre froide", storage_class="refrigerated"
    )
    reception = reception_record(
        scope=scope_for(net.users["coord_r"]),
        site=site,
        acceptance=acceptance,
        lines=[
            _line(yogourt, weight_g=9_870, location_id=fridge.pk),
            _line(
                chicken,
                weight_g=6_020,
                temperature_c=Decimal("-9"),
                accepted=False,
                refusal_reason="Décongelé",
                destination="animal_feed",
            ),
            _line(
                cans,
                weight_g=19_500,
                temperature_c=None,
                packaging_intact=False,
                accepted=False,
                refusal_reason="Boîtes bosselées",
                destination="disposal",
            ),
        ],
        actor=net.users["coord_r"],
    )
    items = list(reception.items.order_by("pk"))
    assert [i.accepted for i in items] == [True, False, False]
    good = items[0].lot
    assert (good.hub, good.donor, good.refused) == (net.hub_roussillon, net.farm, False)
    assert Balance.objects.get(lot=good).location == fridge
    assert Balance.objects.get(lot=good).quantity_g == 9_870
    assert all(i.lot.refused for i in items[1:])
    result = reconcile(Lot.objects.filter(reception_item__reception=reception))
    assert result["closes"]
    assert result["received_g"] == 9_870 + 6_020 + 19_500
    assert result["by_destination_g"]["animal_feed"] == 6_020
    assert result["by_destination_g"]["disposal"] == 19_500
    assert result["closing_g"] == 9_870
    assert balance_rebuild_diff() == []
    acceptance.refresh_from_db()
    offer.refresh_from_db()
    assert acceptance.received and offer.status == OfferStatus.RECEIVED


def test_a_crash_in_the_middle_leaves_no_record(net, accepted, monkeypatch):
    offer, acceptance = accepted
    yogourt, chicken, cans = offer.items.order_by("pk")
    calls = {"n": 0}
    real = services.lot_receive

    def failing(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("power cut")
        return real(**kwargs)

    monkeypatch.setattr(services, "lot_receive", failing)
    with pytest.raises(RuntimeError):
        reception_record(
            scope=scope_for(net.users["coord_r"]),
            site=net.hub_roussillon.sites.get(),
            acceptance=acceptance,
            lines=[_line(yogourt), _line(chicken, temperature_c=Decimal("-20")), _line(cans)],
        )
    assert not Reception.objects.exists() and not ReceptionItem.objects.exists()
    assert not Lot.objects.exists() and not Movement.objects.exists()
    assert not Balance.objects.exists()
    acceptance.refresh_from_db()
    assert not acceptance.received


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"temperature_c": Decimal("6.5")}, "lines[0].decision"),
        ({"temperature_c": None}, "lines[0].decision"),
        ({"packaging_intact": False}, "lines[0].decision"),
        ({"accepted": False}, "lines[0].refusal_reason"),
        ({"weight_g": 0}, "lines[0].weight_kg"),
    ],
)
def test_unsafe_or_incomplete_items_are_refused_and_nothing_is_saved(net, accepted, changes, field):
    offer, acceptance = accepted
    yogourt = offer.items.order_by("pk").first()
    with pytest.raises(ValidationError) as exc:
        reception_record(
            scope=scope_for(net.users["coord_r"]),
            site=net.hub_roussillon.sites.get(),
            acceptance=acceptance,
            lines=[_line(yogourt, **changes)],
        )
    assert field in exc.value.message_dict
    assert not Reception.objects.exists() and not Lot.objects.exists()


def test_an_acceptance_is_received_once_and_only_by_its_taker(net, accepted):
    offer, acceptance = accepted
    yogourt = offer.items.order_by("pk").first()
    with pytest.raises(PermissionDenied):
        reception_record(
            scope=scope_for(net.users["coord_h"]),
            site=net.hub_hsl.sites.get(),
            acceptance=acceptance,
            lines=[_line(yogourt)],
        )
    args = {
        "scope": scope_for(net.users["coord_r"]),
        "site": net.hub_roussillon.sites.get(),
        "acceptance": acceptance,
        "lines": [_line(yogourt)],
    }
    reception_record(**args)
    with pytest.raises(OfferError):
        reception_record(**args)
    assert Reception.objects.count() == 1


def test_a_walk_in_donation_needs_no_offer(net):
    reception = reception_record(
        scope=scope_for(net.users["coord_h"]),
        site=net.hub_hsl.sites.get(),
        donor=net.farm,
        lines=[_line(None, weight_g=25_000, temperature_c=None)],
    )
    lot = reception.items.get().lot
    assert (lot.hub, lot.donor, lot.product_name) == (net.hub_hsl, net.farm, "Pommes")
    with pytest.raises(PermissionDenied):
        reception_record(
            scope=scope_for(net.users["coord_h"]),
            site=net.hub_roussillon.sites.get(),
            donor=net.farm,
            lines=[_line(None)],
        )


def _reception_post(acceptance, items, **rows):
    data = {
        "lines-TOTAL_FORMS": str(len(items)),
        "lines-INITIAL_FORMS": str(len(items)),
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "100",
    }
    for index, it in enumerate(items):
        prefix = f"lines-{index}-"
        data.update(
            {
                prefix + "offer_item_id": str(it.pk),
                prefix + "product_name": it.product_name,
                prefix + "category": it.category,
                prefix + "storage_class": it.storage_class,
                prefix + "date_kind": it.date_kind,
                prefix + "date_value": it.date_value.isoformat() if it.date_value else "",
                prefix + "packaging_intact": "on",
                prefix + "label_present": "on",
                prefix + "decision": "accept",
            }
        )
        if it.allergens:
            data[prefix + "allergens"] = it.allergens
        data.update({prefix + k: v for k, v in rows.get(str(index), {}).items()})
    return data


def test_the_reception_page_creates_lots_and_links_their_labels(net, accepted):
    offer, acceptance = accepted
    items = list(offer.items.order_by("pk"))
    client = net.client("coord_r")
    page = client.get(f"/dons/receptions/acceptation/{acceptance.pk}/")
    assert page.status_code == 200 and "Yogourt" in page.content.decode()
    data = _reception_post(
        acceptance,
        items,
        **{
            "0": {"weight_kg": "9.875", "temperature_c": "3"},
            "1": {
                "weight_kg": "6",
                "temperature_c": "-5",
                "decision": "refuse",
                "refusal_reason": "Décongelé",
                "destination": "compost",
            },
            # item 2 did not come: no weight
        },
    )
    response = client.post(f"/dons/receptions/acceptation/{acceptance.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:4000]
    reception = Reception.objects.get()
    assert sorted(reception.items.values_list("weight_g", "accepted")) == [
        (6_000, False),
        (9_875, True),
    ]
    detail = client.get(response["Location"]).content.decode()
    code = reception.items.get(accepted=True).lot.code
    assert code in detail


def test_the_reception_page_shows_what_must_be_refused(net, accepted):
    offer, acceptance = accepted
    items = list(offer.items.order_by("pk"))
    data = _reception_post(acceptance, items, **{"0": {"weight_kg": "9", "temperature_c": "7"}})
    response = net.client("coord_r").post(
        f"/dons/receptions/acceptation/{acceptance.pk}/", data, headers={"accept-language": "en"}
    )
    assert response.status_code == 422
    assert "must be refused" in response.content.decode()
    assert not Reception.objects.exists()


def test_the_walk_in_page(net):
    client = net.client("coord_h")
    assert client.get("/dons/receptions/sans-offre/").status_code == 200
    data = {
        "site": net.hub_hsl.sites.get().pk,
        "donor": net.farm.pk,
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "100",
        "lines-0-product_name": "Courges",
        "lines-0-category": "vegetables_fruits",
        "lines-0-storage_class": "ambient",
        "lines-0-date_kind": "none",
        "lines-0-weight_kg": "120.5",
        "lines-0-packaging_intact": "on",
        "lines-0-label_present": "on",
        "lines-0-decision": "accept",
    }
    for index in (1, 2):
        data.update(
            {
                f"lines-{index}-storage_class": "ambient",
                f"lines-{index}-date_kind": "best_before",
                f"lines-{index}-packaging_intact": "on",
                f"lines-{index}-label_present": "on",
                f"lines-{index}-decision": "accept",
            }
        )
    response = client.post("/dons/receptions/sans-offre/", data)
    assert response.status_code == 302, response.content.decode()[:4000]
    assert Reception.objects.get().items.get().weight_g == 120_500
    assert Acceptance.objects.count() == 0
    assert net.client("agency_a1").get("/dons/receptions/sans-offre/").status_code == 403
