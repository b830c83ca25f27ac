"""Random sequences of ledger operations keep the books closed and stock non-negative."""

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bonnebouffe.inventory.errors import LedgerError
from bonnebouffe.inventory.models import Balance, Lot
from bonnebouffe.inventory.selectors import balance_rebuild_diff, reconcile
from bonnebouffe.inventory.services import (
    LotSpec,
    TransformationInput,
    lot_dispose,
    lot_receive,
    movement_record,
    stock_count_record,
    transformation_record,
)

operation = st.one_of(
    st.tuples(st.just("receive"), st.integers(1, 50_000)),
    st.tuples(st.just("issue"), st.integers(0, 9), st.integers(1, 20_000)),
    st.tuples(st.just("transfer"), st.integers(0, 9), st.integers(1, 20_000)),
    st.tuples(
        st.just("dispose"),
        st.integers(0, 9),
        st.integers(1, 20_000),
        st.sampled_from(["animal_feed", "compost", "disposal"]),
    ),
    st.tuples(st.just("loss"), st.integers(0, 9), st.integers(1, 5_000)),
    st.tuples(st.just("count"), st.integers(0, 9), st.integers(0, 30_000)),
    st.tuples(
        st.just("transform"), st.integers(0, 9), st.integers(1, 10_000), st.integers(1, 10_000)
    ),
)


@pytest.mark.django_db
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=st.lists(operation, min_size=1, max_size=25))
def test_any_sequence_of_operations_keeps_the_identity_and_non_negative_stock(tiny_network, ops):
    hub = tiny_network.hub_roussillon
    a, b = hub.sites.get(), tiny_network.hub_hsl.sites.get()
    spec = LotSpec(
        "Pommes",
        "vegetables_fruits",
        "ambient",
        "best_before",
        timezone.localdate() + timedelta(days=5),
    )
    lots: list[Lot] = []
    for op in ops:
        try:
            if op[0] == "receive":
                lots.append(
                    lot_receive(
                        spec=spec, quantity_g=op[1], hub=hub, site=a, donor=tiny_network.farm
                    )
                )
            elif not lots:
                continue
            elif op[0] == "issue":
                movement_record(
                    lot=lots[op[1] % len(lots)], kind="issue", quantity_g=op[2], from_site=a
                )
            elif op[0] == "transfer":
                movement_record(
                    lot=lots[op[1] % len(lots)],
                    kind="transfer",
                    quantity_g=op[2],
                    from_site=a,
                    to_site=b,
                )
            elif op[0] == "dispose":
                lot_dispose(
                    lot=lots[op[1] % len(lots)],
                    site=a,
                    location=None,
                    quantity_g=op[2],
                    destination=op[3],
                    reason="test",
                )
            elif op[0] == "loss":
                movement_record(
                    lot=lots[op[1] % len(lots)], kind="loss", quantity_g=op[2], from_site=a
                )
            elif op[0] == "count":
                stock_count_record(site=a, counted=[(lots[op[1] % len(lots)], None, op[2])])
            elif op[0] == "transform":
                _t, produced = transformation_record(
                    site=a,
                    hub=hub,
                    description="soupe",
                    inputs=[TransformationInput(lots[op[1] % len(lots)], a, None, op[2])],
                    outputs=[
                        (
                            LotSpec(
                                "Soupe",
                                "prepared",
                                "frozen",
                                "use_by",
                                timezone.localdate() + timedelta(days=90),
                            ),
                            op[3],
                        )
                    ],
                )
                lots.extend(produced)
        except LedgerError:
            pass  # refused operations must leave everything as it was: checked below
        assert not Balance.objects.filter(quantity_g__lt=0).exists()
        assert balance_rebuild_diff() == []
        if lots:
            assert reconcile(Lot.objects.filter(pk__in=[lot.pk for lot in lots]))["closes"]
