"""Job runners of the territory."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from bonnebouffe.jobs.registry import ProgressFn, register
from bonnebouffe.jobs.services import JobFailed

from .services import ImportRejected, territory_figures_import


@register("territory.figures_import")
def figures_import_job(params: dict[str, Any], progress: ProgressFn) -> dict[str, Any]:
    try:
        result = territory_figures_import(
            content=params["content"], kind=params["kind"], progress=progress
        )
    except ImportRejected as exc:
        raise JobFailed(
            _("%(n)s rows are wrong; nothing was changed.") % {"n": len(exc.errors)},
            [str(e) for e in exc.errors],
        ) from exc
    return {"created": result.created, "updated": result.updated}
