"""The stock pages: scope, one-tap actions, FEFO pick list, counts, near-date alerts."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bonnebouffe.inventory.models import Balance, Movement, MovementKind, StorageLocation
from bonnebouffe.inventory.services import LotSpec, lot_receive


def spec(
    name="Carottes", *, days=10, kind="best_before", cls="ambient", category="vegetables_fruits"
):
    return LotSpec(
        product_name=name,
        category=category,
        storage_class=cls,
        date_kind=kind,
        date_value=timezone.localdate() + timedelta(days=days),
        allergens=("milk",) if category == "dairy" else (),
    )


def english(tiny_network, username: str) -> Client:
    client = tiny_network.client(username)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def site_r(tiny_network):
    return tiny_network.hub_roussillon.sites.get()


@pytest.fixture
def receive(tiny_network, site_r):
    def make(name="Carottes", quantity_g=10_000, site=None, location=None, **kwargs):
        return lot_receive(
            spec=spec(name, **kwargs),
            quantity_g=quantity_g,
            hub=tiny_network.hub_roussillon,
            site=site or site_r,
            location=location,
            donor=tiny_network.farm,
        )

    return make


def on_hand(lot) -> int:
    return sum(Balance.objects.filter(lot=lot).values_list("quantity_g", flat=True))


def test_a_lot_outside_the_scope_is_not_found(tiny_network, receive):
    lot = receive("Lait 2 %", cls="refrigerated", category="dairy")
    url = reverse("inventory:lot_detail", args=[lot.code])
    assert english(tiny_network, "coord_h").get(url).status_code == 404
    page = english(tiny_network, "coord_r").get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Lait 2 %" in html and "Milk" in html and "Keep cold, 4 °C or less" in html


def test_the_lot_page_asks_to_sign_in_and_then_comes_back(tiny_network, receive):
    lot = receive()
    url = reverse("inventory:lot_detail", args=[lot.code])
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


def test_issuing_twice_with_the_same_key_applies_once(tiny_network, receive, site_r):
    lot = receive(quantity_g=10_000)
    client = english(tiny_network, "coord_r")
    post = {
        "issue-key": "6f1c3bde-6a43-4a47-9a59-0f3a4c5d6e7f",
        "issue-source": f"{site_r.pk}:0",
        "issue-recipient": tiny_network.agency_chateauguay.pk,
        "issue-quantity_kg": "2.5",
    }
    url = reverse("inventory:lot_issue", args=[lot.code])
    first = client.post(url, post)
    second = client.post(url, post)
    assert first.status_code == second.status_code == 302
    issues = Movement.objects.filter(lot=lot, kind=MovementKind.ISSUE)
    assert [(m.quantity_g, m.recipient_id) for m in issues] == [
        (2_500, tiny_network.agency_chateauguay.pk)
    ]
    assert on_hand(lot) == 7_500
    page = client.get(reverse("inventory:lot_detail", args=[lot.code])).content.decode()
    assert "already recorded" in page


def test_dispose_without_a_reason_is_refused_and_changes_nothing(tiny_network, receive, site_r):
    lot = receive(quantity_g=4_000)
    client = english(tiny_network, "coord_r")
    response = client.post(
        reverse("inventory:lot_dispose", args=[lot.code]),
        {
            "dispose-key": "0b6f8e53-9d1e-4b9c-8a37-5f9d0c1e2a3b",
            "dispose-source": f"{site_r.pk}:0",
            "dispose-destination": "compost",
            "dispose-quantity_kg": "4",
            "dispose-reason": "   ",
        },
    )
    assert response.status_code == 200
    assert "Say why the food cannot be given" in response.content.decode()
    assert on_hand(lot) == 4_000
    assert not Movement.objects.filter(lot=lot, kind=MovementKind.DISPOSAL).exists()


def test_dispose_with_a_reason_goes_down_the_valorisation_scale(tiny_network, receive, site_r):
    lot = receive(quantity_g=4_000)
    tiny_network.client("coord_r").post(  # French: a decimal comma
        reverse("inventory:lot_dispose", args=[lot.code]),
        {
            "dispose-key": "1b6f8e53-9d1e-4b9c-8a37-5f9d0c1e2a3b",
            "dispose-source": f"{site_r.pk}:0",
            "dispose-destination": "animal_feed",
            "dispose-quantity_kg": "1,5",
            "dispose-reason": "Fanées",
        },
    )
    disposal = Movement.objects.get(lot=lot, kind=MovementKind.DISPOSAL)
    assert (disposal.quantity_g, disposal.destination, disposal.reason) == (
        1_500,
        "animal_feed",
        "Fanées",
    )


def test_a_ledger_error_is_shown_next_to_the_form_and_changes_nothing(
    tiny_network, receive, site_r
):
    lot = receive(quantity_g=1_000)
    response = english(tiny_network, "coord_r").post(
        reverse("inventory:lot_issue", args=[lot.code]),
        {
            "issue-key": "2b6f8e53-9d1e-4b9c-8a37-5f9d0c1e2a3b",
            "issue-source": f"{site_r.pk}:0",
            "issue-recipient": tiny_network.agency_mercier.pk,
            "issue-quantity_kg": "5",
        },
    )
    assert "There is not enough of this lot on hand here." in response.content.decode()
    assert on_hand(lot) == 1_000 and Movement.objects.filter(lot=lot).count() == 1


def test_an_agency_outside_the_scope_cannot_receive(tiny_network, receive, site_r):
    lot = receive(quantity_g=1_000)
    english(tiny_network, "coord_r").post(
        reverse("inventory:lot_issue", args=[lot.code]),
        {
            "issue-key": "3b6f8e53-9d1e-4b9c-8a37-5f9d0c1e2a3b",
            "issue-source": f"{site_r.pk}:0",
            "issue-recipient": tiny_network.agency_huntingdon.pk,
            "issue-quantity_kg": "1",
        },
    )
    assert on_hand(lot) == 1_000


def test_a_blocked_lot_offers_only_disposal(tiny_network, receive):
    lot = receive("Préparation pour nourrissons", kind="use_by", days=-1, category="infant")
    html = (
        english(tiny_network, "coord_r")
        .get(reverse("inventory:lot_detail", args=[lot.code]))
        .content.decode()
    )
    assert "Blocked: do not give out or move this lot." in html
    assert "Past its expiry date" in html
    assert reverse("inventory:lot_issue", args=[lot.code]) not in html
    assert reverse("inventory:lot_dispose", args=[lot.code]) in html


def test_move_puts_the_lot_in_a_storage_location(tiny_network, receive, site_r):
    shelf = StorageLocation.objects.create(site=site_r, name="Étagère A", storage_class="ambient")
    lot = receive(quantity_g=3_000)
    english(tiny_network, "coord_r").post(
        reverse("inventory:lot_move", args=[lot.code]),
        {
            "move-key": "4b6f8e53-9d1e-4b9c-8a37-5f9d0c1e2a3b",
            "move-source": f"{site_r.pk}:0",
            "move-target": f"{site_r.pk}:{shelf.pk}",
            "move-quantity_kg": "3",
        },
    )
    assert Balance.objects.get(lot=lot, location=shelf).quantity_g == 3_000


def test_the_pick_list_takes_the_soonest_date_first(tiny_network, receive, site_r):
    late = receive("Pommes", days=20, quantity_g=5_000)
    soon = receive("Poires", days=2, quantity_g=3_000)
    html = (
        english(tiny_network, "coord_r")
        .get(reverse("inventory:pick_list"), {"site": site_r.pk, "quantity_kg": "4"})
        .content.decode()
    )
    assert html.index(soon.code) < html.index(late.code)
    assert "Issue everything on the list" in html


def _pick_issue(client, site, picks, recipient, key):
    return client.post(
        reverse("inventory:pick_issue"),
        {
            "key": key,
            "site": site.pk,
            "picks": ",".join(f"{lot.pk}:0:{g}" for lot, g in picks),
            "recipient": recipient.pk,
            "query": f"site={site.pk}",
        },
        follow=True,
    )


def test_the_pick_list_issue_is_all_or_nothing(tiny_network, receive, site_r):
    a = receive("Poires", days=2, quantity_g=3_000)
    b = receive("Pommes", days=5, quantity_g=1_000)
    client = english(tiny_network, "coord_r")
    page = _pick_issue(
        client,
        site_r,
        [(a, 3_000), (b, 2_000)],
        tiny_network.agency_mercier,
        "5b6f8e53-9d1e-4b9c-8a37-5f9d0c1e2a3b",
    ).content.decode()
    assert "Nothing was issued." in page and b.code in page
    assert not Movement.objects.filter(kind=MovementKind.ISSUE).exists()
    assert (on_hand(a), on_hand(b)) == (3_000, 1_000)

    key = "6b6f8e53-9d1e-4b9c-8a37-5f9d0c1e2a3b"
    for _attempt in range(2):
        _pick_issue(client, site_r, [(a, 3_000), (b, 500)], tiny_network.agency_mercier, key)
    issues = Movement.objects.filter(kind=MovementKind.ISSUE).order_by("pk")
    assert [(m.lot_id, m.quantity_g, m.recipient_id) for m in issues] == [
        (a.pk, 3_000, tiny_network.agency_mercier.pk),
        (b.pk, 500, tiny_network.agency_mercier.pk),
    ]


def test_a_count_creates_adjustments_and_shows_the_differences(tiny_network, receive, site_r):
    a = receive("Poires", quantity_g=3_000)
    b = receive("Pommes", quantity_g=1_000)
    c = receive("Navets", quantity_g=2_000)
    client = english(tiny_network, "coord_r")
    url = f"{reverse('inventory:count')}?site={site_r.pk}"
    page = client.get(url)
    rows = {row["balance"].lot_id: row["balance"].pk for row in page.context["rows"]}
    response = client.post(
        url, {f"b{rows[a.pk]}": "2,5", f"b{rows[b.pk]}": "1.2", f"b{rows[c.pk]}": ""}, follow=True
    )
    assert (on_hand(a), on_hand(b), on_hand(c)) == (2_500, 1_200, 2_000)
    kinds = dict(Movement.objects.filter(reason="count").values_list("lot_id", "kind"))
    assert kinds == {a.pk: MovementKind.ADJUST_DOWN, b.pk: MovementKind.ADJUST_UP}
    variances = {
        row["line"].lot_id: row["line"].variance_g for row in response.context["variances"]
    }
    assert variances == {a.pk: -500, b.pk: 200}


def test_the_near_date_alert_lists_a_lot_expiring_tomorrow(tiny_network, receive, site_r):
    tomorrow = receive("Yogourt", days=1, cls="refrigerated", category="dairy")
    later = receive("Riz", days=30, category="dry_goods")
    recalled = receive("Fromage", days=40, cls="refrigerated", category="dairy")
    recalled.recalled = True
    recalled.save()
    response = english(tiny_network, "coord_r").get(reverse("inventory:home"), {"site": site_r.pk})
    near = [row["lot"].code for row in response.context["near_date"]]
    assert near == [tomorrow.code]
    assert [(row["lot"].code, row["holds"]) for row in response.context["blocked"]] == [
        (recalled.code, ["Recalled"])
    ]
    html = response.content.decode()
    assert tomorrow.code in html and later.code not in html


def test_the_stock_home_shows_the_sites_of_the_scope_only(tiny_network, receive, site_r):
    receive(quantity_g=12_000)
    page = english(tiny_network, "coord_h").get(reverse("inventory:home"), {"site": site_r.pk})
    sites = page.context["sites"]
    assert site_r not in sites and sites[0].organisation == tiny_network.hub_hsl
    assert page.context["site"] == sites[0]
    assert page.context["onhand"]["total"] == 0
    own = english(tiny_network, "coord_r").get(reverse("inventory:home"), {"site": site_r.pk})
    assert own.context["sites"][0] == site_r  # hub sites first
    assert own.context["onhand"]["total"] == 12


def test_the_stock_home_is_for_staff_only(tiny_network):
    assert english(tiny_network, "evaluator").get(reverse("inventory:home")).status_code == 403
    assert english(tiny_network, "household").get(reverse("inventory:home")).status_code == 403


def test_the_stock_home_query_count_does_not_grow_with_the_lots(
    tiny_network, receive, site_r, django_assert_max_num_queries
):
    categories = ["vegetables_fruits", "dairy", "bakery", "dry_goods", "protein"]
    for i in range(50):
        lot = receive(f"Produit {i}", days=i % 6 - 1, category=categories[i % 5], quantity_g=1_000)
        if i % 7 == 0:
            lot.under_review = True
            lot.save()
    client = english(tiny_network, "coord_r")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("inventory:home"), {"site": site_r.pk})
    assert len(response.context["near_date"]) > 20


def test_a_coordinator_adds_a_storage_location_and_agency_staff_cannot(tiny_network, site_r):
    url = reverse("inventory:locations", args=[site_r.pk])
    data = {"name": "Chambre froide", "storage_class": "refrigerated"}
    english(tiny_network, "coord_r").post(url, data)
    assert StorageLocation.objects.filter(site=site_r, name="Chambre froide").count() == 1
    again = english(tiny_network, "coord_r").post(url, data)
    assert again.status_code == 200
    assert StorageLocation.objects.filter(site=site_r).count() == 1
    a1_site = tiny_network.agency_chateauguay.sites.get()
    a1_url = reverse("inventory:locations", args=[a1_site.pk])
    assert english(tiny_network, "agency_a1").post(a1_url, data).status_code == 403
    assert english(tiny_network, "agency_a1").post(url, data).status_code == 404
    assert english(tiny_network, "coord_h").get(url).status_code == 404


def test_a_scanned_code_or_qr_url_opens_the_lot(tiny_network, receive):
    lot = receive()
    client = english(tiny_network, "coord_r")
    search = reverse("inventory:lot_search")
    by_code = client.get(search, {"q": lot.code.lower()})
    assert by_code["Location"] == reverse("inventory:lot_detail", args=[lot.code])
    scanned = f"https://bonnebouffe.example.org/stock/lots/{lot.code}/"
    assert client.get(search, {"q": scanned})["Location"] == by_code["Location"]
    by_name = client.get(search, {"q": "carot"})
    assert by_name.status_code == 200 and lot.code in by_name.content.decode()
    other = english(tiny_network, "coord_h").get(search, {"q": lot.code})
    assert other.status_code == 200 and other.context["results"] == []


def test_choosing_another_site_swaps_only_the_panel(tiny_network, receive, site_r):
    receive()
    response = english(tiny_network, "coord_r").get(
        reverse("inventory:home"), {"site": site_r.pk}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="panel">') and "<html" not in html
