from __future__ import annotations

import random

import pytest

from bonnebouffe.allocation.demo import demo_allocation_generate
from bonnebouffe.allocation.models import AllocationRun, RunStatus


@pytest.mark.django_db
def test_the_demo_allocates_the_regional_network_stock_to_its_agencies():
    from bonnebouffe.demo.services import demo_generate

    demo_generate(scale="region", seed=42, with_stock=True)
    runs = demo_allocation_generate(rng=random.Random(42))
    assert runs
    run = runs[0]
    assert run.status == RunStatus.DRAFT, run.error
    assert run.lines.count() > 10
    assert run.metrics["plan"]["distributed_kg"] > 0
    assert run.lines.values("agency__mrc").distinct().count() >= 3


@pytest.mark.django_db
def test_the_demo_has_a_published_week_with_a_refusal_and_family_boxes():
    from bonnebouffe.allocation.models import BoxAssembly, LineStatus
    from bonnebouffe.allocation.selectors import period_current, period_shift
    from bonnebouffe.demo.services import demo_generate

    demo_generate(scale="region", seed=42, with_stock=True)
    published = AllocationRun.objects.get(
        status=RunStatus.PUBLISHED, period=period_shift(period_current(), -1)
    )
    assert published.lines.filter(status=LineStatus.REFUSED).count() == 1
    assert published.lines.filter(status=LineStatus.CONFIRMED).exists()
    assert AllocationRun.objects.filter(status=RunStatus.DRAFT, period=period_current()).exists()
    assembly = BoxAssembly.objects.get(composition__name="Panier famille 4 personnes")
    assert assembly.count >= 1
    draft = AllocationRun.objects.get(status=RunStatus.DRAFT, period=period_current())
    offered = {lot["lot_id"].split("-")[0] for lot in draft.problem["lots"]}
    assert str(assembly.box_lot_id) in offered


@pytest.mark.django_db
def test_the_demo_opens_one_pooled_round_with_two_lots_and_shares_for_the_hubs():
    from bonnebouffe.allocation.models import BiddingRound, RoundStatus, ShareAccount
    from bonnebouffe.demo.services import demo_generate

    demo_generate(scale="region", seed=42, with_stock=True)
    rnd = BiddingRound.objects.get()
    assert rnd.status == RoundStatus.OPEN
    assert rnd.lots.count() == 2
    assert {p.lot.category for p in rnd.lots.select_related("lot")} == {"prepared"}
    assert ShareAccount.objects.filter(period=rnd.period, balance__gt=0).count() >= 3
