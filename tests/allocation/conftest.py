"""A tiny network with stock at both hubs and declared needs for one week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from bonnebouffe.allocation.models import AllocationRun
from bonnebouffe.allocation.selectors import period_bounds, period_of
from bonnebouffe.allocation.services import need_save, run_start
from bonnebouffe.inventory.models import Lot
from bonnebouffe.inventory.services import LotSpec, lot_receive
from bonnebouffe.network.models import Site


@dataclass
class Stocked:
    net: object
    period: str
    lots: dict[str, Lot]


def receive(hub, name, category, qty_g, *, storage="ambient", kind="best_before", days=30):  # type: ignore[no-untyped-def]
    site = Site.objects.filter(organisation=hub).first()
    return lot_receive(
        spec=LotSpec(
            product_name=name,
            category=category,
            storage_class=storage,
            date_kind=kind,
            date_value=timezone.localdate() + timedelta(days=days),
        ),
        quantity_g=qty_g,
        hub=hub,
        site=site,
    )


@pytest.fixture
def stocked(tiny_network):  # type: ignore[no-untyped-def]
    from bonnebouffe.accounts.selectors import scope_for

    net = tiny_network
    period = period_of(timezone.localdate())
    lots = {
        "carrots": receive(net.hub_roussillon, "Carottes", "vegetables_fruits", 120_000),
        "pasta": receive(net.hub_roussillon, "Pâtes", "dry_goods", 80_000),
        "beans": receive(net.hub_hsl, "Haricots", "protein", 60_000),
    }
    admin = scope_for(net.users["admin"])
    for agency, people in (
        (net.agency_chateauguay, 200),
        (net.agency_mercier, 100),
        (net.agency_huntingdon, 150),
        (net.agency_ormstown, 50),
    ):
        need_save(scope=admin, agency_id=agency.pk, period=period, people_served=people)
    return Stocked(net, period, lots)


def run_now(django_capture_on_commit_callbacks, user, period, hub=None):  # type: ignore[no-untyped-def]
    from bonnebouffe.accounts.selectors import scope_for

    with django_capture_on_commit_callbacks(execute=True):
        run = run_start(
            scope=scope_for(user), user=user, period=period, hub_id=hub.pk if hub else None
        )
    run.refresh_from_db()
    return run


__all__ = ["AllocationRun", "period_bounds", "receive", "run_now"]
