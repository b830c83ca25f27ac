from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RescueConfig(AppConfig):
    name = "bonnebouffe.rescue"
    label = "rescue"
    verbose_name = _("Food rescue")

    def ready(self) -> None:
        from . import tasks  # noqa: F401  (registers the job runners)
