"""Accepting all or part of an offer, closing it, and the board sorted by urgency."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bonnebouffe.accounts.selectors import scope_for
from bonnebouffe.rescue.models import Acceptance, CascadeStage, OfferStatus
from bonnebouffe.rescue.selectors import offer_board, offer_urgency
from bonnebouffe.rescue.services import (
    OfferError,
    OfferErrorCode,
    offer_accept,
    offer_close,
    offers_advance,
)

from .conftest import grocery_in_chateauguay, item, make_offer


def _accept(net, offer, user="coord_r", taker=None, **quantities):
    return offer_accept(
        scope=scope_for(net.users[user]),
        offer=offer,
        taker=taker or net.hub_roussillon,
        quantities_g=quantities.get("q"),
        actor=net.users[user],
    )


def test_a_hub_accepts_part_then_the_rest(net):
    offer = make_offer(net, item("Yogourt", kg="10"), item("Pain", kg="4", category="bakery"))
    yogourt, _bread = offer.items.order_by("pk")
    _accept(net, offer, q={yogourt.pk: 6_000})
    offer.refresh_from_db()
    yogourt.refresh_from_db()
    assert offer.status == OfferStatus.PARTLY_TAKEN and offer.stage == CascadeStage.HOME_HUB
    assert yogourt.accepted_g == 6_000 and yogourt.remaining_g == 4_000
    _accept(net, offer)  # everything left
    offer.refresh_from_db()
    assert offer.status == OfferStatus.TAKEN and offer.stage == CascadeStage.DONE
    assert sorted(
        (line.item.product_name, line.quantity_g)
        for a in Acceptance.objects.all()
        for line in a.lines.all()
    ) == [("Pain", 4_000), ("Yogourt", 4_000), ("Yogourt", 6_000)]


def test_more_than_remains_is_refused_and_changes_nothing(net):
    offer = make_offer(net, item("Yogourt", kg="10"))
    yogourt = offer.items.get()
    _accept(net, offer, q={yogourt.pk: 7_000})
    with pytest.raises(OfferError) as exc:
        _accept(net, offer, q={yogourt.pk: 3_001})
    assert exc.value.code == OfferErrorCode.OVER_TAKEN
    yogourt.refresh_from_db()
    assert yogourt.accepted_g == 7_000 and Acceptance.objects.count() == 1


@pytest.mark.parametrize(
    ("quantities", "code"),
    [({}, OfferErrorCode.NOTHING_TO_ACCEPT), ({999_999: 5}, OfferErrorCode.UNKNOWN_ITEM)],
)
def test_empty_or_foreign_quantities_are_refused(net, quantities, code):
    offer = make_offer(net)
    with pytest.raises(OfferError) as exc:
        _accept(net, offer, q=quantities)
    assert exc.value.code == code


def test_another_hub_cannot_take_during_the_home_hub_stage(net):
    offer = make_offer(net)
    with pytest.raises(OfferError) as exc:
        _accept(net, offer, user="coord_h", taker=net.hub_hsl)
    assert exc.value.code == OfferErrorCode.NOT_YOUR_STAGE
    offers_advance(now=timezone.now() + timedelta(hours=5))
    _accept(net, offer, user="coord_h", taker=net.hub_hsl)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.TAKEN


def test_an_agency_takes_from_the_open_board_only(net):
    offer = make_offer(net)
    with pytest.raises(OfferError):
        _accept(net, offer, user="agency_a1", taker=net.agency_chateauguay)
    offers_advance(now=timezone.now() + timedelta(hours=5))
    offers_advance(now=timezone.now() + timedelta(hours=14))
    acceptance = _accept(net, offer, user="agency_a1", taker=net.agency_chateauguay)
    assert acceptance.taker == net.agency_chateauguay


def test_a_closed_offer_cannot_be_accepted(net):
    offer = make_offer(net)
    offer_close(scope=scope_for(net.users["donor"]), offer=offer, reason="Déjà donné")
    with pytest.raises(OfferError) as exc:
        _accept(net, offer)
    assert exc.value.code == OfferErrorCode.NOT_OPEN


def test_the_donor_or_the_coordinator_closes_with_a_reason(net):
    offer = make_offer(net)
    with pytest.raises(ValidationError):
        offer_close(scope=scope_for(net.users["coord_r"]), offer=offer, reason=" ")
    with pytest.raises(OfferError) as exc:
        offer_close(scope=scope_for(net.users["agency_a1"]), offer=offer, reason="Pas à moi")
    assert exc.value.code == OfferErrorCode.NOT_ALLOWED
    closed = offer_close(
        scope=scope_for(net.users["coord_r"]), offer=offer, reason="Produit rappelé"
    )
    assert (closed.status, closed.closed_reason) == (OfferStatus.CLOSED, "Produit rappelé")


def test_the_board_puts_big_and_soon_first(net):
    now = timezone.now()
    small_soon = make_offer(net, item("Crème", kg="2", days=1))
    big_later = make_offer(net, item("Riz", kg="200", days=40, storage="ambient"), hours=24 * 60)
    big_soon = make_offer(net, item("Lait", kg="80", days=2))
    no_date = make_offer(net, item("Courges", kg="30", days=None, storage="ambient"), hours=24 * 10)
    rows = offer_board(scope=scope_for(net.users["coord_r"]), now=now)
    # 80 kg / 2 days = 40; 200 kg / 40 days = 5; 30 kg, no date, window 10 days = 3; 2 kg / 1 = 2
    assert [r.offer.pk for r in rows] == [big_soon.pk, big_later.pk, no_date.pk, small_soon.pk]
    today = timezone.localdate()
    assert offer_urgency(big_soon, today=today) == Decimal("40.000")


def test_the_board_page_takes_a_fixed_number_of_queries(net):
    client = net.client("coord_r")
    make_offer(net)
    client.get("/dons/")
    with CaptureQueriesContext(connection) as few:
        client.get("/dons/")
    for n in range(6):
        make_offer(net, item(f"Produit {n}"), item(f"Autre {n}"))
    with CaptureQueriesContext(connection) as many:
        response = client.get("/dons/")
    assert response.status_code == 200
    assert len(many) == len(few)


def test_accepting_part_on_the_page(net):
    offer = make_offer(net, item("Yogourt", kg="10"), item("Pain", kg="4", category="bakery"))
    yogourt, bread = offer.items.order_by("pk")
    client = net.client("coord_r")
    page = client.get(f"/dons/{offer.pk}/").content.decode()
    assert f'name="item_{yogourt.pk}"' in page
    response = client.post(
        f"/dons/{offer.pk}/accepter/",
        {
            "taker": net.hub_roussillon.pk,
            f"item_{yogourt.pk}": "2.5",
            f"item_{bread.pk}": "",
            "accept_part": "1",
        },
    )
    assert response.status_code == 302
    yogourt.refresh_from_db()
    bread.refresh_from_db()
    assert (yogourt.accepted_g, bread.accepted_g) == (2_500, 0)
    too_much = client.post(
        f"/dons/{offer.pk}/accepter/",
        {"taker": net.hub_roussillon.pk, f"item_{yogourt.pk}": "8", "accept_part": "1"},
        headers={"accept-language": "en"},
    )
    assert too_much.status_code == 422
    assert "more than what remains" in too_much.content.decode()


def test_closing_on_the_page_and_pages_for_other_roles(net):
    grocery = grocery_in_chateauguay(net)
    offer = make_offer(net, donor=grocery, user="coord_r")
    assert net.client("coord_h").get(f"/dons/{offer.pk}/").status_code == 404
    assert net.client("evaluator").get("/dons/").status_code == 403
    assert net.client("donor").get("/dons/").status_code == 403
    response = net.client("coord_r").post(
        f"/dons/{offer.pk}/fermer/", {"reason": "Plus disponible"}
    )
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.status == OfferStatus.CLOSED
    page = net.client("coord_r").get("/dons/carte/")
    assert page.status_code == 200 and "offers-data" in page.content.decode()


def test_the_stage_filter_returns_only_the_board_for_htmx(net):
    offer = make_offer(net)
    client = net.client("coord_r")
    partial = client.get("/dons/?stage=network", headers={"hx-request": "true"}).content.decode()
    assert partial.lstrip().startswith('<div id="board">') and "<h1>" not in partial
    assert f"/dons/{offer.pk}/" not in partial
    assert f"/dons/{offer.pk}/" in client.get("/dons/?stage=home_hub").content.decode()
