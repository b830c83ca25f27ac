from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AllocationConfig(AppConfig):
    name = "bonnebouffe.allocation"
    label = "allocation"
    verbose_name = _("Fair allocation")

    def ready(self) -> None:
        from . import tasks  # noqa: F401  (registers the job runners)
