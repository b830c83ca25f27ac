from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ColdchainConfig(AppConfig):
    name = "bonnebouffe.coldchain"
    label = "coldchain"
    verbose_name = _("Cold chain")

    def ready(self) -> None:
        from . import tasks  # noqa: F401  (registers the job runners)
