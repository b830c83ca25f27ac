"""The database refuses UPDATE and DELETE of ledger movements (inventory.ledger_guard).

Triggers, one SQL dialect per vendor; reversible. The SQLite UPDATE trigger names every
column of inventory_movement as of this migration: a migration adding a column must
recreate it.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION inventory_movement_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF coalesce(current_setting('bonnebouffe.ledger_purge', true), '') = 'on' THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'inventory_movement is append-only: DELETE refused (movement %)', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    -- A deleted user account (on_delete=SET_NULL) forgets the actor, nothing else changes.
    IF NEW.actor_id IS NULL AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'inventory_movement is append-only: UPDATE refused (movement %)', OLD.id
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER inventory_movement_append_only
    BEFORE UPDATE OR DELETE ON inventory_movement
    FOR EACH ROW EXECUTE FUNCTION inventory_movement_append_only();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS inventory_movement_append_only ON inventory_movement;
DROP FUNCTION IF EXISTS inventory_movement_append_only();
"""

_UNCHANGED = " AND ".join(
    f"NEW.{c} IS OLD.{c}"
    for c in (
        "id",
        "lot_id",
        "kind",
        "quantity_g",
        "from_site_id",
        "from_location_id",
        "to_site_id",
        "to_location_id",
        "destination",
        "recipient_id",
        "transformation_id",
        "reason",
        "at",
        "idempotency_key",
    )
)
SQLITE_FORWARD = [
    f"""
CREATE TRIGGER inventory_movement_no_update BEFORE UPDATE ON inventory_movement
WHEN NOT (NEW.actor_id IS NULL AND {_UNCHANGED})
BEGIN
    SELECT RAISE(ABORT, 'inventory_movement is append-only: UPDATE refused');
END;
""",
    """
CREATE TRIGGER inventory_movement_no_delete BEFORE DELETE ON inventory_movement
WHEN NOT bb_ledger_purge()
BEGIN
    SELECT RAISE(ABORT, 'inventory_movement is append-only: DELETE refused');
END;
""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS inventory_movement_no_update;",
    "DROP TRIGGER IF EXISTS inventory_movement_no_delete;",
]


def _run(schema_editor, statements) -> None:  # type: ignore[no-untyped-def]
    for sql in statements:
        schema_editor.execute(sql, params=None)


def forward(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, [PG_FORWARD])
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_FORWARD)


def backward(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, [PG_BACKWARD])
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("inventory", "0004_balance_category")]

    operations = [migrations.RunPython(forward, backward)]
