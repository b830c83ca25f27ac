from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroceryConfig(AppConfig):
    name = "bonnebouffe.grocery"
    label = "grocery"
    verbose_name = _("Community grocery")

    def ready(self) -> None:
        from bonnebouffe.inventory.recipients import recipient_provider_register

        from . import tasks  # noqa: F401  (registers the job runners)
        from .lot_buyers import KEY, lot_buyers

        # The households that bought a traced lot, in traces and recall notices.
        recipient_provider_register(KEY, lot_buyers)
