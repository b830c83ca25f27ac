"""Declaring offers: kg or units times weight, the home hub, and bad input that changes nothing."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from bonnebouffe.accounts.selectors import scope_for
from bonnebouffe.rescue.models import CascadeStage, Offer, OfferItem, OfferStatus
from bonnebouffe.rescue.selectors import home_hub_for
from bonnebouffe.rescue.services import OfferItemSpec, offer_validate

from .conftest import grocery_in_chateauguay, item, make_offer


def test_an_offer_in_kg_and_one_in_units_times_weight_give_grams(net):
    offer = make_offer(
        net, item("Yogourt", kg="12.5"), item("Pain", kg=None, units=24, unit_weight_g=675)
    )
    quantities = {i.product_name: i.quantity_g for i in offer.items.all()}
    assert quantities == {"Yogourt": 12_500, "Pain": 16_200}
    assert offer.status == OfferStatus.OPEN and offer.stage == CascadeStage.HOME_HUB
    assert offer.stage_until is not None and offer.stage_until > timezone.now()


def test_a_donor_with_no_hub_and_no_hub_serving_its_mrc_goes_to_the_networks_first_hub(net):
    assert net.farm.hub is None
    assert home_hub_for(net.farm) == net.hub_roussillon
    assert make_offer(net).home_hub == net.hub_roussillon


def test_a_donor_with_no_hub_goes_to_the_hub_serving_its_mrc(net):
    net.hub_hsl.served_mrcs.add(net.farm.mrc)
    assert home_hub_for(net.farm) == net.hub_hsl


def test_a_donor_attached_to_a_hub_offers_to_that_hub(net):
    grocery = grocery_in_chateauguay(net)
    assert home_hub_for(grocery) == net.hub_roussillon


def test_a_field_to_glean_needs_an_estimate_and_no_item(net):
    offer = make_offer(net, item(), kind="gleaning", estimated_kg=Decimal("300"))
    assert offer.kind == "gleaning"
    with pytest.raises(ValidationError) as exc:
        offer_validate(
            scope=scope_for(net.users["donor"]),
            donor=net.farm,
            kind="gleaning",
            handover="pickup",
            pickup_site=net.farm.sites.get(),
            window_start=timezone.now(),
            window_end=timezone.now() + timedelta(days=3),
            items=[],
        )
    assert "estimated_kg" in exc.value.message_dict


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        (item(kg=None), "items[0].quantity_kg"),
        (item(kg="5", units=3, unit_weight_g=100), "items[0].quantity_kg"),
        (item(kg=None, units=3), "items[0].unit_weight_g"),
        (item(days=-1, date_kind="use_by"), "items[0].date_value"),
        (item(storage="hot"), "items[0].storage_class"),
        (item(allergens=("gluten",)), "items[0].allergens"),
    ],
)
def test_bad_items_are_refused_with_the_field_named(net, spec, field):
    with pytest.raises(ValidationError) as exc:
        make_offer(net, spec)
    assert field in exc.value.message_dict
    assert not Offer.objects.exists()


def test_someone_else_cannot_declare_for_the_farm(net):
    with pytest.raises(PermissionDenied):
        make_offer(net, user="agency_a3")
    assert not Offer.objects.exists()


def _post_data(net, **extra):
    now = timezone.localtime()
    data = {
        "donor": net.farm.pk,
        "kind": "surplus",
        "handover": "pickup",
        "pickup_site": net.farm.sites.get().pk,
        "window_start": now.strftime("%Y-%m-%dT%H:%M"),
        "window_end": (now + timedelta(hours=30)).strftime("%Y-%m-%dT%H:%M"),
        "items-TOTAL_FORMS": "2",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "50",
        "items-0-product_name": "Lait 2 %",
        "items-0-category": "dairy",
        "items-0-quantity_kg": "8.5",
        "items-0-storage_class": "refrigerated",
        "items-0-date_kind": "best_before",
        "items-0-date_value": (now.date() + timedelta(days=6)).isoformat(),
        "items-0-allergens": ["milk"],
        "items-1-product_name": "Pommes",
        "items-1-category": "vegetables_fruits",
        "items-1-units": "40",
        "items-1-unit_weight_g": "150",
        "items-1-storage_class": "ambient",
        "items-1-date_kind": "none",
    }
    data.update(extra)
    return data


def test_the_phone_page_creates_an_offer_with_two_items(net, django_capture_on_commit_callbacks):
    client = net.client("donor")
    page = client.get("/dons/nouvelle/")
    assert page.status_code == 200
    assert 'name="items-0-product_name"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/dons/nouvelle/", _post_data(net))
    assert response.status_code == 302, response.content.decode()[:3000]
    offer = Offer.objects.get()
    assert sorted(offer.items.values_list("quantity_g", flat=True)) == [6_000, 8_500]
    assert OfferItem.objects.get(product_name="Lait 2 %").allergens == ["milk"]
    assert offer.created_by == net.users["donor"]
    assert "Lait 2 %" in client.get("/dons/mes-offres/").content.decode()


def test_page_errors_are_in_french_and_nothing_is_saved(net):
    data = _post_data(net, **{"items-0-product_name": "", "items-1-unit_weight_g": ""})
    data["window_end"] = ""
    with translation.override("fr-ca"):
        response = net.client("donor").post(
            "/dons/nouvelle/", data, headers={"accept-language": "fr-ca"}
        )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ce champ est obligatoire." in page
    assert not Offer.objects.exists()


def test_service_errors_land_next_to_the_item_field(net):
    data = _post_data(net, **{"items-1-unit_weight_g": ""})
    response = net.client("donor").post("/dons/nouvelle/", data, headers={"accept-language": "en"})
    page = response.content.decode()
    assert "Give the weight of one unit in grams" in page
    assert 'id="id_items-1-unit_weight_g_errors"' in page
    assert not Offer.objects.exists()


def test_add_an_item_returns_a_new_row_and_the_new_total(net):
    response = net.client("donor").get(
        "/dons/nouvelle/article/?index=1", headers={"hx-request": "true"}
    )
    page = response.content.decode()
    assert 'name="items-1-product_name"' in page
    assert 'id="id_items-TOTAL_FORMS"' in page and 'value="2"' in page
    assert "index=2" in page


def test_without_script_add_an_item_redisplays_the_form_with_one_more_row(net):
    data = _post_data(net, add_item="1")
    response = net.client("donor").post("/dons/nouvelle/", data)
    assert 'name="items-2-product_name"' in response.content.decode()
    assert not Offer.objects.exists()


def _png() -> bytes:
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (4, 4), "green").save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_photo_is_kept_and_a_non_image_is_refused(net):
    client = net.client("donor")
    bad = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    response = client.post("/dons/nouvelle/", {**_post_data(net), "photo": bad})
    assert response.status_code == 200 and not Offer.objects.exists()
    good = SimpleUploadedFile("x.png", _png(), content_type="image/png")
    response = client.post("/dons/nouvelle/", {**_post_data(net), "photo": good})
    assert response.status_code == 302
    assert Offer.objects.get().photo.name.startswith("offers/")


def test_a_photo_over_5_mb_is_refused(net):
    from bonnebouffe.rescue.services import photo_errors

    big = SimpleUploadedFile("big.png", b"0" * (5 * 1024 * 1024 + 1), content_type="image/png")
    assert photo_errors(big)


def test_pages_are_closed_to_people_who_cannot_declare(net):
    assert net.client("agency_a3").get("/dons/nouvelle/").status_code == 403
    assert net.client("evaluator").get("/dons/nouvelle/").status_code == 403
    assert net.client("outsider").get("/dons/nouvelle/").status_code == 403


def test_a_coordinator_may_declare_for_a_donor_of_their_territory(net):
    grocery = grocery_in_chateauguay(net)
    offer = make_offer(net, donor=grocery, user="coord_r")
    assert offer.donor == grocery
    with pytest.raises(PermissionDenied):
        make_offer(net, donor=grocery, user="coord_h")


def test_an_offer_spec_in_units_keeps_units_and_unit_weight(net):
    offer = make_offer(
        net, OfferItemSpec("Pain", "bakery", "ambient", "none", units=10, unit_weight_g=500)
    )
    it = offer.items.get()
    assert (it.units, it.unit_weight_g, it.quantity_g) == (10, 500, 5_000)
