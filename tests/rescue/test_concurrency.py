"""Two hubs accepting the same offer at once never take more than was offered (PostgreSQL)."""

import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connections
from django.utils import timezone

from bonnebouffe.accounts.selectors import scope_for
from bonnebouffe.rescue.models import AcceptanceLine, Offer, OfferItem
from bonnebouffe.rescue.services import OfferError, offer_accept, offers_advance

from .conftest import item, make_offer

# Skipped before any fixture runs: a transactional test on SQLite would flush the territory
# data that the other tests of the same worker need.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="needs PostgreSQL row locks and several connections",
    ),
]


@pytest.mark.django_db(transaction=True)
def test_concurrent_acceptances_never_overtake_an_item(tiny_network):
    net = tiny_network
    offer = make_offer(net, item("Lait", kg="10"), now=timezone.now() - timedelta(hours=5))
    offers_advance()  # the network stage: both hubs may take it
    item_id = OfferItem.objects.get(offer=offer).pk
    workers = [("coord_r", net.hub_roussillon), ("coord_h", net.hub_hsl)] * 2
    barrier = threading.Barrier(len(workers))
    outcomes: list[str] = []
    lock = threading.Lock()

    def work(username: str, taker) -> None:  # type: ignore[no-untyped-def]
        scope = scope_for(net.users[username])
        try:
            barrier.wait(timeout=30)
            for _round in range(5):
                try:
                    offer_accept(
                        scope=scope,
                        offer=Offer.objects.get(pk=offer.pk),
                        taker=taker,
                        quantities_g={item_id: 700},
                    )
                    result = "ok"
                except OfferError as exc:
                    result = str(exc.code)
                with lock:
                    outcomes.append(result)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=w) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(outcomes) == 20
    taken = OfferItem.objects.get(pk=item_id).accepted_g
    lines = sum(AcceptanceLine.objects.filter(item_id=item_id).values_list("quantity_g", flat=True))
    assert outcomes.count("ok") == 14  # 14 x 700 g = 9.8 kg of the 10 kg
    assert taken == lines == 9_800
    assert set(outcomes) <= {"ok", "over_taken", "not_open"}
