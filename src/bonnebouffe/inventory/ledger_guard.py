"""The database refuses to change or delete a ledger movement (migration 0005's triggers).

`Movement` rows are append-only: every correction is a new movement. The services never
update or delete one; the triggers make the database refuse it too, whoever asks (the ORM,
the admin, a shell, raw SQL), with an IntegrityError:

- UPDATE is refused, except setting `actor_id` to NULL and nothing else: that is what
  `on_delete=SET_NULL` does when a user account is deleted (the movement stays, the person
  is forgotten).
- DELETE is refused unless the caller opened `ledger_purge()`: only the demo generator does,
  to start its demo network over, and the SQLite test flush (browser tests). On PostgreSQL
  Django's `flush` uses TRUNCATE, which fires no row trigger.

How the purge switch reaches the trigger: on PostgreSQL a transaction-local setting
(`bonnebouffe.ledger_purge`); on SQLite, which has no session variables, an application
function `bb_ledger_purge()` registered on every connection (`sqlite_register`, connected in
InventoryConfig.ready()), reading a context variable. A SQLite client without the function
(the sqlite3 shell) fails on "no such function": the delete is refused there too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import connection, transaction

PURGE_SETTING = "bonnebouffe.ledger_purge"  # the same names as in migration 0005
SQLITE_FUNCTION = "bb_ledger_purge"

_purging: ContextVar[bool] = ContextVar("bb_ledger_purge", default=False)


def sqlite_register(sender: Any, connection: Any, **kwargs: Any) -> None:
    """connection_created receiver: give SQLite connections the purge switch function."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            SQLITE_FUNCTION, 0, lambda: 1 if _purging.get() else 0
        )


@contextmanager
def ledger_purge() -> Iterator[None]:
    """Allow deleting movements inside this block (demo reset, test flush). Never for a
    correction: a wrong movement is answered by a new one."""
    token = _purging.set(True)
    try:
        if connection.vendor == "postgresql":
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config(%s, 'on', true)", [PURGE_SETTING])
                try:
                    yield
                finally:
                    if not connection.needs_rollback:
                        with connection.cursor() as cursor:
                            cursor.execute("SELECT set_config(%s, 'off', true)", [PURGE_SETTING])
        else:
            yield
    finally:
        _purging.reset(token)
