"""Runs turn the LP's quantities into whole lots by FEFO (docs/allocation.md)."""

from __future__ import annotations

from collections import defaultdict

from bonnebouffe.accounts.selectors import scope_for
from bonnebouffe.allocation.services import run_publish
from bonnebouffe.inventory.models import Balance

from .conftest import receive, run_now


def test_every_published_line_is_a_whole_lot_or_whole_units_of_a_lot(
    stocked, django_capture_on_commit_callbacks
):
    net = stocked.net
    # 40 cans of 500 g: divisible in whole cans; the other lots have no unit weight.
    cans = receive(net.hub_roussillon, "Conserves de pois", "dry_goods", 20_000)
    cans.unit_weight_g = 500
    cans.save(update_fields=["unit_weight_g"])
    free = {
        (b.lot_id, b.site_id, b.location_id): int(b.quantity_g)
        for b in Balance.objects.filter(quantity_g__gt=0)
    }
    run = run_now(django_capture_on_commit_callbacks, net.users["admin"], stocked.period)
    assert run.metrics["method"] == "whole_lots"
    run_publish(scope=scope_for(net.users["admin"]), run_id=run.pk)
    lines = list(run.lines.filter(quantity_g__gt=0).select_related("lot"))
    assert lines
    per_lot: dict[tuple[int, int, int | None], int] = defaultdict(int)
    for line in lines:
        key = (line.lot_id, line.site_id, line.location_id)
        per_lot[key] += line.quantity_g
        if line.lot.unit_weight_g:
            assert line.quantity_g % line.lot.unit_weight_g == 0
        else:
            assert line.quantity_g == free[key]  # the whole lot to one agency
    for key, grams in per_lot.items():
        assert grams <= free[key]
