from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "bonnebouffe.inventory"
    label = "inventory"
    verbose_name = _("Stock ledger")

    def ready(self) -> None:
        from . import report_jobs, tasks  # noqa: F401  (register the job runners)
