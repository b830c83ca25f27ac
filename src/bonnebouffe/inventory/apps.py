from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "bonnebouffe.inventory"
    label = "inventory"
    verbose_name = _("Stock ledger")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from . import report_jobs, tasks  # noqa: F401  (register the job runners)
        from .ledger_guard import sqlite_register

        # The SQLite side of the append-only ledger triggers (ledger_guard, migration 0005).
        connection_created.connect(sqlite_register, dispatch_uid="inventory.ledger_guard")
