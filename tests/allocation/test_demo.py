from __future__ import annotations

import random

import pytest

from bonnebouffe.allocation.demo import demo_allocation_generate
from bonnebouffe.allocation.models import RunStatus


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
def test_the_demo_opens_one_pooled_round_with_two_lots_and_shares_for_the_hubs():
    from bonnebouffe.allocation.models import BiddingRound, RoundStatus, ShareAccount
    from bonnebouffe.demo.services import demo_generate

    demo_generate(scale="region", seed=42, with_stock=True)
    rnd = BiddingRound.objects.get()
    assert rnd.status == RoundStatus.OPEN
    assert rnd.lots.count() == 2
    assert {p.lot.category for p in rnd.lots.select_related("lot")} == {"prepared"}
    assert ShareAccount.objects.filter(period=rnd.period, balance__gt=0).count() >= 3
