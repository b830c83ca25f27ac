"""Several processes issuing, moving and counting the same lot at once (PostgreSQL only)."""

import multiprocessing
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from bonnebouffe.inventory.models import Balance, Lot, Movement, MovementKind, StockCountLine
from bonnebouffe.inventory.selectors import balance_rebuild_diff, reconcile
from bonnebouffe.inventory.services import LotSpec, lot_receive

# Skipped before any fixture runs: a transactional test on SQLite would flush the territory
# data that the other tests of the same worker need.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="needs PostgreSQL row locks and several connections",
    ),
]


def _worker(lot_id: int, site_id: int, other_site_id: int, role: str, rounds: int, queue) -> None:  # type: ignore[no-untyped-def]
    # Runs in a forked process with its own database connection.
    from bonnebouffe.inventory.errors import LedgerError
    from bonnebouffe.inventory.services import movement_record, stock_count_record
    from bonnebouffe.network.models import Site

    connections.close_all()
    done = 0
    lot = Lot.objects.get(pk=lot_id)
    site, other = Site.objects.get(pk=site_id), Site.objects.get(pk=other_site_id)
    for i in range(rounds):
        try:
            if role == "issue":
                movement_record(lot=lot, kind="issue", quantity_g=100, from_site=site)
            elif role == "transfer":
                movement_record(
                    lot=lot, kind="transfer", quantity_g=100, from_site=site, to_site=other
                )
            elif role == "count" and i % 5 == 0:
                balance = Balance.objects.get(lot=lot, site=site, location=None).quantity_g
                stock_count_record(site=site, counted=[(lot, None, max(balance - 50, 0))])
            done += 1
        except LedgerError:
            pass
    connections.close_all()
    queue.put((role, done))


@pytest.mark.django_db(transaction=True)
def test_concurrent_issues_transfers_and_counts_never_oversell_or_lose_a_movement(tiny_network):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks and several connections")
    hub = tiny_network.hub_roussillon
    site, other = hub.sites.get(), tiny_network.hub_hsl.sites.get()
    spec = LotSpec(
        "Riz", "whole_grains", "ambient", "best_before", timezone.localdate() + timedelta(days=90)
    )
    lot = lot_receive(spec=spec, quantity_g=5_000, hub=hub, site=site)
    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    roles = ["issue", "issue", "transfer", "count"]
    processes = [
        ctx.Process(target=_worker, args=(lot.pk, site.pk, other.pk, r, 30, queue)) for r in roles
    ]
    for p in processes:
        p.start()
    for p in processes:
        p.join(timeout=120)
        assert p.exitcode == 0
    results = [queue.get(timeout=5) for _ in processes]
    issued_calls = sum(n for role, n in results if role == "issue")
    assert Movement.objects.filter(lot=lot, kind=MovementKind.ISSUE).count() == issued_calls
    assert not Balance.objects.filter(quantity_g__lt=0).exists()
    assert balance_rebuild_diff(lot_ids=[lot.pk]) == []
    result = reconcile(Lot.objects.filter(pk=lot.pk))
    assert result["closes"]
    assert result["by_destination_g"]["food"] == 100 * issued_calls
    # Each count's variance became exactly one adjustment, even with writers in between.
    lines = StockCountLine.objects.filter(lot=lot)
    assert lines.exists()
    missing = sum(max(line.expected_g - line.counted_g, 0) for line in lines)
    found = sum(max(line.counted_g - line.expected_g, 0) for line in lines)
    assert result["by_destination_g"]["loss"] == missing
    assert result["received_g"] == 5_000 + found
    on_hand = sum(Balance.objects.filter(lot=lot).values_list("quantity_g", flat=True))
    assert on_hand == result["closing_g"]
