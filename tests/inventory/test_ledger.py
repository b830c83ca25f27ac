from datetime import timedelta

import pytest
from django.utils import timezone

from bonnebouffe.inventory.errors import LedgerError, LedgerErrorCode
from bonnebouffe.inventory.models import Balance, Lot, MovementKind, StorageLocation
from bonnebouffe.inventory.selectors import (
    balance_rebuild_diff,
    onhand_by_category,
    pick_list_fefo,
    reconcile,
    trace_downstream,
    trace_upstream,
)
from bonnebouffe.inventory.services import (
    LotSpec,
    TransformationInput,
    lot_dispose,
    lot_receive,
    movement_record,
    stock_count_record,
    transformation_record,
)


def spec(
    name="Carottes", *, kind="best_before", days=10, cls="ambient", category="vegetables_fruits"
):
    return LotSpec(
        product_name=name,
        category=category,
        storage_class=cls,
        date_kind=kind,
        date_value=timezone.localdate() + timedelta(days=days),
        allergens=(),
    )


@pytest.fixture
def hub_site(tiny_network):
    return tiny_network.hub_roussillon, tiny_network.hub_roussillon.sites.get()


def test_the_ledger_closes_to_the_gram_through_every_kind_of_movement(tiny_network, hub_site):
    hub, site = hub_site
    other = tiny_network.hub_hsl.sites.get()
    lot = lot_receive(spec=spec(), quantity_g=10_000, hub=hub, site=site, donor=tiny_network.farm)
    movement_record(lot=lot, kind="transfer", quantity_g=3_000, from_site=site, to_site=other)
    movement_record(
        lot=lot,
        kind="issue",
        quantity_g=2_500,
        from_site=site,
        recipient=tiny_network.agency_mercier,
    )
    movement_record(lot=lot, kind="sale", quantity_g=500, from_site=other)
    lot_dispose(
        lot=lot, site=other, location=None, quantity_g=1_001, destination="compost", reason="abîmé"
    )
    movement_record(lot=lot, kind="loss", quantity_g=1, from_site=site, reason="échappé")
    result = reconcile(Lot.objects.filter(pk=lot.pk))
    assert result["received_g"] == 10_000
    assert result["closing_g"] == 10_000 - 2_500 - 500 - 1_001 - 1 == 5_998
    assert result["by_destination_g"]["food"] == 3_000
    assert result["by_destination_g"]["compost"] == 1_001
    assert result["closes"] and result["gap_g"] == 0
    assert balance_rebuild_diff() == []


def test_stock_never_goes_negative(tiny_network, hub_site):
    hub, site = hub_site
    lot = lot_receive(spec=spec(), quantity_g=1_000, hub=hub, site=site)
    with pytest.raises(LedgerError) as info:
        movement_record(lot=lot, kind="issue", quantity_g=1_001, from_site=site)
    assert info.value.code == LedgerErrorCode.INSUFFICIENT_STOCK
    assert Balance.objects.get(lot=lot).quantity_g == 1_000


def test_a_lot_past_its_use_by_date_is_blocked_but_can_be_composted(tiny_network, hub_site):
    hub, site = hub_site
    lot = lot_receive(
        spec=spec("Préparation pour nourrissons", kind="use_by", days=-1, category="infant"),
        quantity_g=800,
        hub=hub,
        site=site,
    )
    with pytest.raises(LedgerError) as info:
        movement_record(lot=lot, kind="issue", quantity_g=100, from_site=site)
    assert info.value.code == LedgerErrorCode.LOT_BLOCKED
    lot_dispose(
        lot=lot,
        site=site,
        location=None,
        quantity_g=800,
        destination="disposal",
        reason="DLU dépassée",
    )
    assert reconcile(Lot.objects.filter(pk=lot.pk))["closes"]


def test_shelf_stable_food_over_a_year_past_best_before_is_blocked(tiny_network, hub_site):
    hub, site = hub_site
    old = lot_receive(
        spec=spec("Conserves", days=-400, category="dry_goods"), quantity_g=500, hub=hub, site=site
    )
    fine = lot_receive(
        spec=spec("Conserves", days=-200, category="dry_goods"), quantity_g=500, hub=hub, site=site
    )
    with pytest.raises(LedgerError):
        movement_record(lot=old, kind="issue", quantity_g=1, from_site=site)
    movement_record(lot=fine, kind="issue", quantity_g=1, from_site=site)


def test_fefo_pick_list_takes_the_soonest_date_first_and_skips_blocked_lots(tiny_network, hub_site):
    hub, site = hub_site
    late = lot_receive(spec=spec(days=20), quantity_g=5_000, hub=hub, site=site)
    soon = lot_receive(spec=spec(days=2), quantity_g=3_000, hub=hub, site=site)
    held = lot_receive(spec=spec(days=1), quantity_g=9_000, hub=hub, site=site)
    held.under_review = True
    held.save()
    picks = pick_list_fefo(site_id=site.pk, category="vegetables_fruits", quantity_g=4_000)
    assert [(p.lot_id, p.take_g) for p in picks] == [(soon.pk, 3_000), (late.pk, 1_000)]


def test_on_hand_by_category_is_derived_from_the_ledger(tiny_network, hub_site):
    hub, site = hub_site
    lot_receive(spec=spec(), quantity_g=2_000, hub=hub, site=site)
    lot_receive(
        spec=spec("Lait", cls="refrigerated", category="dairy"),
        quantity_g=4_000,
        hub=hub,
        site=site,
    )
    rows = {
        (r["lot__category"], r["lot__storage_class"]): r["quantity_g"]
        for r in onhand_by_category(site_id=site.pk)
    }
    assert rows == {("vegetables_fruits", "ambient"): 2_000, ("dairy", "refrigerated"): 4_000}


def test_a_count_variance_becomes_an_adjustment_and_the_books_still_close(tiny_network, hub_site):
    hub, site = hub_site
    a = lot_receive(spec=spec(), quantity_g=2_000, hub=hub, site=site)
    b = lot_receive(spec=spec(), quantity_g=2_000, hub=hub, site=site)
    stock_count_record(site=site, counted=[(a, None, 1_800), (b, None, 2_050)])
    assert Balance.objects.get(lot=a).quantity_g == 1_800
    assert Balance.objects.get(lot=b).quantity_g == 2_050
    result = reconcile(Lot.objects.filter(pk__in=[a.pk, b.pk]))
    assert result["by_destination_g"]["loss"] == 200 and result["received_g"] == 4_050
    assert result["closes"]


def test_the_same_request_sent_twice_applies_once(tiny_network, hub_site):
    hub, site = hub_site
    lot = lot_receive(spec=spec(), quantity_g=1_000, hub=hub, site=site)
    first = movement_record(
        lot=lot, kind="issue", quantity_g=300, from_site=site, idempotency_key="phone-42"
    )
    again = movement_record(
        lot=lot, kind="issue", quantity_g=300, from_site=site, idempotency_key="phone-42"
    )
    assert first.pk == again.pk
    assert Balance.objects.get(lot=lot).quantity_g == 700


def test_a_location_of_another_site_is_refused(tiny_network, hub_site):
    hub, site = hub_site
    elsewhere = StorageLocation.objects.create(
        site=tiny_network.hub_hsl.sites.get(), name="Frigo", storage_class="refrigerated"
    )
    with pytest.raises(LedgerError) as info:
        lot_receive(spec=spec(), quantity_g=1_000, hub=hub, site=site, location=elsewhere)
    assert info.value.code == LedgerErrorCode.WRONG_SITE


def test_recall_traces_through_three_levels_of_transformation(tiny_network, hub_site):
    hub, site = hub_site
    raw = lot_receive(
        spec=spec("Tomates"), quantity_g=10_000, hub=hub, site=site, donor=tiny_network.farm
    )
    current = raw
    for level in range(3):
        _t, (current,) = transformation_record(
            site=site,
            hub=hub,
            description=f"Étape {level}",
            inputs=[TransformationInput(current, site, None, 4_000 - level * 1000)],
            outputs=[(spec(f"Sauce niveau {level}", category="prepared"), 3_000 - level * 1000)],
        )
    movement_record(
        lot=current,
        kind="issue",
        quantity_g=500,
        from_site=site,
        recipient=tiny_network.agency_huntingdon,
    )
    down = trace_downstream([raw.pk])
    assert len(down.lots) == 4 and len(down.transformations) == 3
    assert tiny_network.agency_huntingdon in down.recipients
    up = trace_upstream(current.pk)
    assert raw in up.lots and tiny_network.farm in up.donors
    kinds = {m.kind for m in down.movements}
    assert {MovementKind.TRANSFORM_IN, MovementKind.TRANSFORM_OUT, MovementKind.ISSUE} <= kinds
    all_lots = Lot.objects.filter(pk__in=[lot.pk for lot in down.lots])
    assert reconcile(all_lots)["closes"]


def test_a_period_reconciliation_carries_the_opening_stock(tiny_network, hub_site):
    hub, site = hub_site
    t0 = timezone.now() - timedelta(days=10)
    lot = lot_receive(spec=spec(), quantity_g=5_000, hub=hub, site=site, at=t0)
    movement_record(
        lot=lot, kind="issue", quantity_g=1_000, from_site=site, at=t0 + timedelta(days=5)
    )
    result = reconcile(
        Lot.objects.filter(pk=lot.pk), start=t0 + timedelta(days=1), end=timezone.now()
    )
    assert (result["opening_g"], result["received_g"], result["closing_g"]) == (5_000, 0, 4_000)
    assert result["closes"]
