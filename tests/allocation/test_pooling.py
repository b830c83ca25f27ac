"""Pooling mode (Choice System) through the pages: shares, sealed bids, closing, deliveries."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from bonnebouffe.accounts.selectors import scope_for
from bonnebouffe.allocation.models import (
    AllocationPolicy,
    Bid,
    BiddingRound,
    BidStatus,
    LineStatus,
    RoundStatus,
    RunStatus,
    ShareAccount,
)
from bonnebouffe.allocation.pooling_services import (
    pooling_categories_set,
    round_open,
    shares_grant,
)
from bonnebouffe.allocation.selectors import deliveries_for_planning, period_bounds
from bonnebouffe.allocation.services import problem_build
from bonnebouffe.inventory.models import Balance
from tests.allocation.conftest import run_now


@pytest.fixture
def pooled(stocked):  # type: ignore[no-untyped-def]
    """Beans (at HSL) and pasta (at Roussillon) pooled; needs 300 people (R) and 200 (HSL)."""
    net = stocked.net
    AllocationPolicy.objects.create(network=net.network, use_deprivation=False)
    admin = scope_for(net.users["admin"])
    pooling_categories_set(
        scope=admin, network_id=net.network.pk, categories=["protein", "dry_goods"]
    )
    offers = [
        (Balance.objects.get(lot=stocked.lots["beans"]).pk, 60_000),
        (Balance.objects.get(lot=stocked.lots["pasta"]).pk, 80_000),
    ]
    rnd = round_open(scope=admin, network_id=net.network.pk, period=stocked.period, offers=offers)
    stocked.round = rnd
    stocked.beans, stocked.pasta = rnd.lots.order_by("pk")
    return stocked


def _balance(hub, period):  # type: ignore[no-untyped-def]
    return ShareAccount.objects.get(hub=hub, period=period).balance


def _bid(client, user, rnd, lot, shares, partners=()):  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client.post(
        reverse("allocation:pooling_round_detail", args=[rnd.pk]),
        {"lot": lot.pk, "shares": shares, "partners": [p.pk for p in partners]},
        follow=True,
    )


def test_shares_are_granted_in_proportion_to_need(pooled):
    net = pooled.net
    assert _balance(net.hub_roussillon, pooled.period) == 600
    assert _balance(net.hub_hsl, pooled.period) == 400
    acc = ShareAccount.objects.get(hub=net.hub_roussillon, period=pooled.period)
    assert acc.granted == 600 and acc.need_weight == 300


def test_shares_are_granted_once_a_week(pooled):
    from bonnebouffe.allocation.errors import AllocationFailed

    with pytest.raises(AllocationFailed):
        shares_grant(
            scope=scope_for(pooled.net.users["admin"]),
            network_id=pooled.net.network.pk,
            period=pooled.period,
        )


def test_pooled_categories_are_left_out_of_allocation_runs(pooled):
    from bonnebouffe.allocation.models import AllocationRun

    run = AllocationRun.objects.create(network=pooled.net.network, period=pooled.period, delta=0.1)
    _problem, keys = problem_build(run)
    assert {k[0] for k in keys.values()} == {pooled.lots["carrots"].pk}


def test_the_round_pages_render_for_a_coordinator_and_the_admin(client, pooled):
    net = pooled.net
    for user in (net.users["coord_r"], net.users["admin"]):
        client.force_login(user)
        assert client.get(reverse("allocation:pooling_round_list")).status_code == 200
        page = client.get(reverse("allocation:pooling_round_detail", args=[pooled.round.pk]))
        assert page.status_code == 200
        assert [r["lot"] for r in page.context["rows"]] == [pooled.beans, pooled.pasta]
    client.force_login(net.users["agency_a1"])
    assert client.get(reverse("allocation:pooling_round_list")).status_code == 403


def test_a_bid_over_the_balance_is_refused_and_changes_nothing(client, pooled):
    net = pooled.net
    with translation.override("fr"):
        page = _bid(client, net.users["coord_r"], pooled.round, pooled.beans, 601)
        expected = gettext("%(hub)s would pay %(cost)s shares but holds %(balance)s.") % {
            "hub": net.hub_roussillon.name,
            "cost": 601,
            "balance": 600,
        }
    assert expected in [str(m) for m in page.context["messages"]]
    assert not Bid.objects.exists()
    assert _balance(net.hub_roussillon, pooled.period) == 600


def test_bids_are_sealed_until_the_round_closes(client, pooled):
    net = pooled.net
    _bid(client, net.users["coord_r"], pooled.round, pooled.beans, 300)
    client.force_login(net.users["coord_h"])
    url = reverse("allocation:pooling_round_detail", args=[pooled.round.pk])
    row = client.get(url).context["rows"][0]
    assert row["bids"] == [] and row["mine"] is None and row["count"] == 1
    client.force_login(net.users["admin"])
    assert client.get(url).context["rows"][0]["bids"] == []
    client.force_login(net.users["coord_r"])
    assert client.get(url).context["rows"][0]["mine"].shares == 300


def test_a_bid_can_be_changed_and_stays_one_per_hub_and_lot(client, pooled):
    net = pooled.net
    _bid(client, net.users["coord_r"], pooled.round, pooled.beans, 100)
    _bid(client, net.users["coord_r"], pooled.round, pooled.beans, 200)
    assert list(Bid.objects.values_list("shares", flat=True)) == [200]


def test_a_joint_bid_splits_its_price_between_the_partners(client, pooled):
    net = pooled.net
    # HSL holds 400: alone it cannot offer 700, with Roussillon each pays 350.
    page = _bid(client, net.users["coord_h"], pooled.round, pooled.pasta, 700)
    assert not Bid.objects.exists()
    page = _bid(client, net.users["coord_h"], pooled.round, pooled.pasta, 700, [net.hub_roussillon])
    bid = Bid.objects.get()
    assert list(bid.partners.all()) == [net.hub_roussillon]
    # Roussillon now takes part in the pasta bid: it may not bid alone on it too.
    _bid(client, net.users["coord_r"], pooled.round, pooled.pasta, 10)
    assert Bid.objects.count() == 1
    # The partner sees the joint bid before closing.
    row = page.context["rows"][1]
    client.force_login(net.users["coord_r"])
    url = reverse("allocation:pooling_round_detail", args=[pooled.round.pk])
    assert client.get(url).context["rows"][1]["bids"] == [bid]
    assert row["mine"] == bid
    client.force_login(net.users["admin"])
    client.post(reverse("allocation:pooling_round_close", args=[pooled.round.pk]))
    # Paid 350 each, 700 given back 420 (R) / 280 (HSL).
    assert _balance(net.hub_roussillon, pooled.period) == 600 - 350 + 420
    assert _balance(net.hub_hsl, pooled.period) == 400 - 350 + 280
    lines = {
        line.agency_id: line.quantity_g
        for line in BiddingRound.objects.get().run.lines.all()  # type: ignore[union-attr]
    }
    assert lines == {net.hub_roussillon.pk: 40_000, net.hub_hsl.pk: 40_000}


def test_closing_awards_the_highest_bid_debits_redistributes_and_plans_the_delivery(client, pooled):
    net = pooled.net
    _bid(client, net.users["coord_r"], pooled.round, pooled.beans, 300)
    _bid(client, net.users["coord_h"], pooled.round, pooled.beans, 250)
    client.force_login(net.users["coord_r"])
    assert (
        client.post(reverse("allocation:pooling_round_close", args=[pooled.round.pk])).status_code
        == 404
    )
    client.force_login(net.users["admin"])
    client.post(reverse("allocation:pooling_round_close", args=[pooled.round.pk]))
    rnd = BiddingRound.objects.get()
    assert rnd.status == RoundStatus.CLOSED
    statuses = dict(Bid.objects.values_list("hub_id", "status"))
    assert statuses == {net.hub_roussillon.pk: BidStatus.WON, net.hub_hsl.pk: BidStatus.LOST}
    # Roussillon paid 300; the 300 go back 180 / 120 by need; the total is conserved.
    assert _balance(net.hub_roussillon, pooled.period) == 600 - 300 + 180
    assert _balance(net.hub_hsl, pooled.period) == 400 + 120
    assert rnd.result["spent_shares"] == 300
    # The pasta had no bid: unsold. The beans leave HSL for Roussillon's site.
    assert rnd.result["unsold"] == [pooled.pasta.pk]
    assert rnd.run is not None and rnd.run.status == RunStatus.PUBLISHED
    line = rnd.run.lines.get()
    assert (line.agency_id, line.quantity_g, line.status) == (
        net.hub_roussillon.pk,
        60_000,
        LineStatus.CONFIRMED,
    )
    start, _end = period_bounds(pooled.period)
    planned = deliveries_for_planning(hub_id=net.hub_hsl.pk, date=start)
    assert [(p.agency_id, p.kg_by_storage_class) for p in planned] == [
        (net.hub_roussillon.pk, {"ambient": 60.0})
    ]
    # After closing, everyone sees the bids.
    client.force_login(net.users["coord_h"])
    page = client.get(reverse("allocation:pooling_round_detail", args=[rnd.pk]))
    assert len(page.context["rows"][0]["bids"]) == 2
    # A closed round takes no more bids.
    _bid(client, net.users["coord_h"], rnd, pooled.pasta, 10)
    assert Bid.objects.count() == 2


def test_a_lot_whose_stock_moved_is_not_sold_and_nothing_is_debited(client, pooled):
    from bonnebouffe.inventory.services import movement_record

    net = pooled.net
    _bid(client, net.users["coord_r"], pooled.round, pooled.beans, 300)
    movement_record(
        lot=pooled.lots["beans"],
        kind="loss",
        quantity_g=1,
        from_site=pooled.beans.site,
        reason="test",
    )
    client.force_login(net.users["admin"])
    client.post(reverse("allocation:pooling_round_close", args=[pooled.round.pk]))
    rnd = BiddingRound.objects.get()
    assert rnd.status == RoundStatus.CLOSED and rnd.run is None
    assert _balance(net.hub_roussillon, pooled.period) == 600


def test_a_published_run_after_the_round_still_reserves_the_pooled_lot(
    client, pooled, django_capture_on_commit_callbacks
):
    net = pooled.net
    _bid(client, net.users["coord_r"], pooled.round, pooled.beans, 1)
    client.force_login(net.users["admin"])
    client.post(reverse("allocation:pooling_round_close", args=[pooled.round.pk]))
    run = run_now(django_capture_on_commit_callbacks, net.users["admin"], pooled.period)
    assert run.status == RunStatus.DRAFT, run.error
    assert not run.lines.filter(lot=pooled.lots["beans"]).exists()


def test_the_admin_chooses_the_pooled_categories_on_the_page(client, pooled):
    from bonnebouffe.allocation.pooling_selectors import pooled_categories

    url = reverse("allocation:pooling_round_list")
    client.force_login(pooled.net.users["coord_r"])
    client.post(url, {"action": "categories", "category": ["bakery"]})
    assert pooled_categories(pooled.net.network.pk) == {"protein", "dry_goods"}
    client.force_login(pooled.net.users["admin"])
    client.post(url, {"action": "categories", "category": ["protein", "prepared"]})
    assert pooled_categories(pooled.net.network.pk) == {"protein", "prepared"}


def test_the_round_page_makes_a_fixed_number_of_queries(
    client, pooled, django_assert_max_num_queries
):
    net = pooled.net
    _bid(client, net.users["coord_r"], pooled.round, pooled.beans, 10)
    _bid(client, net.users["coord_h"], pooled.round, pooled.pasta, 10)
    client.force_login(net.users["coord_r"])
    with django_assert_max_num_queries(20):
        client.get(reverse("allocation:pooling_round_detail", args=[pooled.round.pk]))
