"""A delivery of confirmed fair-allocation lines, marked delivered by the driver, issues
their lots from the hub's stock to the agency (once), and the next plan no longer has it."""

from __future__ import annotations

import uuid

from bonnebouffe.allocation.models import AllocationLine, AllocationRun, LineStatus, RunStatus
from bonnebouffe.allocation.selectors import period_of
from bonnebouffe.inventory.models import Balance, Movement
from bonnebouffe.inventory.services import LotSpec, lot_receive
from bonnebouffe.logistics.models import RoutePlan, RouteStop
from bonnebouffe.logistics.services import stop_update_apply

from .conftest import hub_plan


def _plan(tiny_network, plan_day) -> RoutePlan:  # type: ignore[no-untyped-def]
    return hub_plan(tiny_network, plan_day)


def test_a_delivered_allocation_leaves_the_hub_stock_once(tiny_network, plan_day):
    hub_site = tiny_network.hub_roussillon.sites.get()
    lot = lot_receive(
        spec=LotSpec(
            product_name="Lentilles sèches",
            category="dry_goods",
            storage_class="ambient",
            date_kind="none",
            date_value=None,
        ),
        quantity_g=80_000,
        hub=tiny_network.hub_roussillon,
        site=hub_site,
    )
    run = AllocationRun.objects.create(
        network=tiny_network.network,
        period=period_of(plan_day.date),
        hub=tiny_network.hub_roussillon,
        delta=0.1,
        status=RunStatus.PUBLISHED,
    )
    line = AllocationLine.objects.create(
        run=run,
        agency=tiny_network.agency_chateauguay,
        lot=lot,
        site=hub_site,
        quantity_g=30_000,
        status=LineStatus.CONFIRMED,
    )
    plan = _plan(tiny_network, plan_day)
    ref = f"alloc-{tiny_network.hub_roussillon.pk}-{tiny_network.agency_chateauguay.pk}"
    stop = RouteStop.objects.get(route__plan=plan, ref_id=ref)
    key = str(uuid.uuid4())
    for _twice in range(2):
        stop_update_apply(stop=stop, key=key, action="delivered")
    issues = Movement.objects.filter(kind="issue", lot=lot)
    assert [(m.quantity_g, m.recipient) for m in issues] == [
        (30_000, tiny_network.agency_chateauguay)
    ]
    assert Balance.objects.get(lot=lot, site=hub_site).quantity_g == 50_000
    line.refresh_from_db()
    assert line.status == LineStatus.DELIVERED
    again = _plan(tiny_network, plan_day)
    assert ref not in {s["id"] for s in again.problem_json["stops"]}
