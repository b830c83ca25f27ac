"""The database itself refuses to change or delete a ledger movement (migration 0005)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from bonnebouffe.accounts.services import user_create
from bonnebouffe.inventory.ledger_guard import ledger_purge
from bonnebouffe.inventory.models import Lot, Movement
from bonnebouffe.inventory.services import LotSpec, lot_receive, movement_record


@pytest.fixture
def received(tiny_network) -> Lot:
    hub = tiny_network.hub_roussillon
    return lot_receive(
        spec=LotSpec(
            product_name="Carottes",
            category="vegetables_fruits",
            storage_class="ambient",
            date_kind="best_before",
            date_value=timezone.localdate() + timedelta(days=9),
        ),
        quantity_g=5_000,
        hub=hub,
        site=hub.sites.get(),
    )


def _snapshot(lot: Lot) -> list[tuple]:
    return list(
        Movement.objects.filter(lot=lot)
        .order_by("pk")
        .values_list("pk", "kind", "quantity_g", "destination", "reason", "at", "actor_id")
    )


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda m: Movement.objects.filter(pk=m.pk).update(quantity_g=1), id="update"),
        pytest.param(
            lambda m: Movement.objects.filter(pk=m.pk).update(reason="oops", actor=None),
            id="update-with-actor-null",
        ),
        pytest.param(lambda m: (setattr(m, "quantity_g", 4_999), m.save()), id="save"),
        pytest.param(lambda m: m.delete(), id="delete"),
        pytest.param(lambda m: Movement.objects.filter(pk=m.pk).delete(), id="queryset-delete"),
    ],
)
def test_changing_or_deleting_a_movement_through_the_orm_is_refused_and_changes_nothing(
    received, change
):
    movement = Movement.objects.get(lot=received)
    before = _snapshot(received)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        change(movement)
    assert _snapshot(received) == before


def test_raw_sql_is_refused_too(received):
    before = _snapshot(received)
    table = Movement._meta.db_table
    for sql in (f"UPDATE {table} SET quantity_g = 1", f"DELETE FROM {table}"):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert _snapshot(received) == before


def test_deleting_a_user_forgets_the_actor_of_their_movements(tiny_network, received):
    clerk = user_create(username="commis", password="not-used-here-123")
    hub = tiny_network.hub_roussillon
    moved = movement_record(
        lot=received,
        kind="loss",
        quantity_g=10,
        from_site=hub.sites.get(),
        reason="échappé",
        actor=clerk,
    )
    clerk.delete()  # on_delete=SET_NULL: the only UPDATE the database allows
    moved.refresh_from_db()
    assert moved.actor_id is None and moved.quantity_g == 10 and moved.reason == "échappé"


def test_the_purge_switch_lets_the_demo_generator_delete_and_ends_with_its_block(received):
    with ledger_purge():
        Movement.objects.filter(lot=received).delete()
    assert not Movement.objects.filter(lot=received).exists()
    again = Movement.objects.create(
        lot=received, kind="adjust_up", quantity_g=3, at=timezone.now(), reason="test"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        again.delete()
    assert Movement.objects.filter(pk=again.pk).exists()


def test_a_flush_deletes_the_ledger_only_with_the_purge_switch_on_sqlite(received):
    """SQLite's flush deletes row by row. PostgreSQL's is a TRUNCATE, which fires no row
    trigger: the transactional tests of test_ledger_concurrency flush movements after each
    test there (a TRUNCATE cannot run inside this test's transaction)."""
    from django.core.management import CommandError, call_command

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL flushes with TRUNCATE (see test_ledger_concurrency)")

    def flush() -> None:
        call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)

    with pytest.raises(CommandError), transaction.atomic():
        flush()
    assert Movement.objects.filter(lot=received).exists()
    with ledger_purge():
        flush()
    assert not Movement.objects.exists()
