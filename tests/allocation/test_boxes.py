"""Portioned boxes: compositions assembled from lots into box lots that runs allocate."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bonnebouffe.accounts.selectors import scope_for
from bonnebouffe.allocation.boxes import box_assemble, box_composition_create
from bonnebouffe.allocation.errors import AllocationFailed
from bonnebouffe.allocation.models import AllocationRun, BoxAssembly
from bonnebouffe.allocation.selectors import period_of
from bonnebouffe.allocation.services import need_save, problem_build
from bonnebouffe.inventory.models import Balance, Lot, Movement, MovementKind
from bonnebouffe.inventory.selectors import balance_rebuild_diff, trace_upstream
from bonnebouffe.inventory.services import LotSpec, lot_receive
from bonnebouffe.network.models import Site

from .conftest import receive


def _site(hub):  # type: ignore[no-untyped-def]
    return Site.objects.filter(organisation=hub).first()


def _on_hand(lot: Lot) -> int:
    return sum(Balance.objects.filter(lot=lot).values_list("quantity_g", flat=True))


@pytest.fixture
def pantry(tiny_network):  # type: ignore[no-untyped-def]
    """Stock at the Roussillon hub: two lots of vegetables (FEFO order), pasta, beans."""
    net = tiny_network
    hub = net.hub_roussillon
    site = _site(hub)
    today = timezone.localdate()

    def lot(name, category, grams, kind, days, allergens=()):  # type: ignore[no-untyped-def]
        return lot_receive(
            spec=LotSpec(
                product_name=name,
                category=category,
                storage_class="ambient",
                date_kind=kind,
                date_value=today + timedelta(days=days),
                allergens=allergens,
            ),
            quantity_g=grams,
            hub=hub,
            site=site,
        )

    lots = {
        "potatoes_old": lot("Pommes de terre", "vegetables_fruits", 6_000, "best_before", 5),
        "potatoes_new": lot("Pommes de terre", "vegetables_fruits", 20_000, "best_before", 20),
        "pasta": lot("Pâtes", "dry_goods", 10_000, "best_before", 200, ["wheat_triticale"]),
        "tofu": lot("Tofu", "protein", 8_000, "use_by", 9, ["soy"]),
    }
    admin = scope_for(net.users["admin"])
    box = box_composition_create(
        scope=admin,
        network=net.network,
        name="Panier famille 4 personnes",
        description="Légumes, pâtes et protéines pour une semaine.",
        lines={"vegetables_fruits": 4_000, "dry_goods": 1_000, "protein": 1_000},
    )
    return net, site, lots, box


def test_assembling_boxes_consumes_exactly_the_inputs_first_expired_first(pantry):
    net, site, lots, box = pantry
    assembly = box_assemble(composition=box, site=site, count=2, actor=net.users["coord_r"])
    assert _on_hand(lots["potatoes_old"]) == 0  # 6 kg of the oldest first
    assert _on_hand(lots["potatoes_new"]) == 20_000 - 2_000
    assert _on_hand(lots["pasta"]) == 10_000 - 2_000
    assert _on_hand(lots["tofu"]) == 8_000 - 2_000
    box_lot = assembly.box_lot
    assert _on_hand(box_lot) == 2 * 6_000
    assert box_lot.unit_weight_g == 6_000
    assert box_lot.category == "vegetables_fruits"  # the line with the most grams
    ins = Movement.objects.filter(
        transformation=assembly.transformation, kind=MovementKind.TRANSFORM_IN
    )
    assert sum(ins.values_list("quantity_g", flat=True)) == 12_000
    assert Movement.objects.get(lot=box_lot).kind == MovementKind.TRANSFORM_OUT
    assert balance_rebuild_diff() == []


def test_the_trace_upstream_of_a_box_lot_lists_its_input_lots(pantry):
    _net, site, lots, box = pantry
    assembly = box_assemble(composition=box, site=site, count=2, actor=None)
    traced = {lot.pk for lot in trace_upstream(assembly.box_lot.pk).lots}
    assert traced == {assembly.box_lot.pk} | {
        lots[k].pk for k in ("potatoes_old", "potatoes_new", "pasta", "tofu")
    }


def test_without_enough_stock_for_one_line_nothing_changes(pantry):
    _net, site, lots, box = pantry
    before = {k: _on_hand(v) for k, v in lots.items()}
    lot_count = Lot.objects.count()
    with pytest.raises(AllocationFailed) as exc:
        box_assemble(composition=box, site=site, count=7, actor=None)  # 28 kg of vegetables
    assert len(exc.value.details) == 1 and "26.000" in exc.value.details[0]
    assert {k: _on_hand(v) for k, v in lots.items()} == before
    assert Lot.objects.count() == lot_count
    assert not BoxAssembly.objects.exists()


def test_the_box_lot_carries_the_allergens_and_the_strictest_earliest_date(pantry):
    _net, site, lots, box = pantry
    box_lot = box_assemble(composition=box, site=site, count=1, actor=None).box_lot
    assert box_lot.allergens == ["soy", "wheat_triticale"]
    # The tofu's use-by date wins over earlier best-before dates: a safety limit comes first.
    assert box_lot.date_kind == "use_by"
    assert box_lot.date_value == lots["tofu"].date_value


def test_a_refrigerated_lot_never_goes_into_an_ambient_box(pantry):
    net, site, _lots, box = pantry
    receive(net.hub_roussillon, "Yogourt", "protein", 50_000, storage="refrigerated", days=3)
    box_assemble(composition=box, site=site, count=1, actor=None)
    yogourt = Lot.objects.get(product_name="Yogourt")
    assert _on_hand(yogourt) == 50_000


def test_a_box_lot_is_offered_to_the_agencies_like_any_lot(pantry):
    net, site, _lots, box = pantry
    assembly = box_assemble(composition=box, site=site, count=3, actor=None)
    period = period_of(timezone.localdate())
    admin = scope_for(net.users["admin"])
    need_save(scope=admin, agency_id=net.agency_chateauguay.pk, period=period, people_served=80)
    run = AllocationRun.objects.create(network=net.network, period=period, delta=0.1)
    problem, keys = problem_build(run)
    box_lots = [lot for lot in problem.lots if keys[lot.lot_id][0] == assembly.box_lot_id]
    assert len(box_lots) == 1
    assert box_lots[0].quantity_kg == pytest.approx(18.0)
    assert box_lots[0].divisible and box_lots[0].unit_kg == pytest.approx(6.0)


def test_a_coordinator_creates_a_box_and_assembles_it_through_the_pages(pantry, client):
    net, site, _lots, _box = pantry
    client.force_login(net.users["coord_r"])
    assert client.get(reverse("allocation:box_list")).status_code == 200
    response = client.post(
        reverse("allocation:box_create"),
        {
            "network": net.network.pk,
            "name": "Panier solo",
            "description": "",
            "storage_class": "ambient",
            "g_vegetables_fruits": "2000",
            "g_dry_goods": "500",
        },
    )
    assert response.status_code == 302
    created = net.network.box_compositions.get(name="Panier solo")
    assert created.box_weight_g == 2_500
    response = client.post(
        reverse("allocation:box_assemble"),
        {"composition": created.pk, "site": site.pk, "count": "2"},
    )
    assembly = BoxAssembly.objects.get(composition=created)
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    body = page.content.decode()
    assert assembly.box_lot.code in body
    assert reverse("inventory:trace_upstream") in body


def test_the_assemble_page_shows_the_shortfall_and_agencies_may_not_see_it(pantry, client):
    net, site, _lots, box = pantry
    client.force_login(net.users["coord_r"])
    response = client.post(
        reverse("allocation:box_assemble"),
        {"composition": box.pk, "site": site.pk, "count": "50"},
    )
    assert response.status_code == 200
    assert not BoxAssembly.objects.exists()
    client.force_login(net.users["agency_a1"])
    assert client.get(reverse("allocation:box_list")).status_code == 403
    client.force_login(net.users["coord_h"])
    response = client.post(
        reverse("allocation:box_assemble"),
        {"composition": box.pk, "site": site.pk, "count": "1"},
    )
    assert response.status_code == 200  # another hub's site is not a choice
    assert not BoxAssembly.objects.exists()
