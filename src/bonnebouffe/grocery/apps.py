from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroceryConfig(AppConfig):
    name = "bonnebouffe.grocery"
    label = "grocery"
    verbose_name = _("Community grocery")

    def ready(self) -> None:
        from . import tasks  # noqa: F401  (registers the job runners)
