from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TerritoryConfig(AppConfig):
    name = "bonnebouffe.territory"
    label = "territory"
    verbose_name = _("Territory")

    def ready(self) -> None:
        from . import tasks  # noqa: F401  (registers the job runners)
