from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LogisticsConfig(AppConfig):
    name = "bonnebouffe.logistics"
    label = "logistics"
    verbose_name = _("Routes and fleet")

    def ready(self) -> None:
        from . import tasks  # noqa: F401  (registers the job runners)
