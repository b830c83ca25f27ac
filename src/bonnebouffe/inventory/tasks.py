"""Job runners of the stock ledger."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from bonnebouffe.jobs.registry import ProgressFn, register
from bonnebouffe.jobs.services import JobFailed

from .labels import labels_pdf, lot_url
from .stock_queries import lots_by_ids

LABELS_JOB = "inventory.labels"


@register(LABELS_JOB)
def labels_job(params: dict[str, Any], progress: ProgressFn) -> dict[str, Any]:
    """Render many lot labels to MEDIA_ROOT/labels/<token>.pdf (the token is in the params).

    The scope was checked when the job was submitted; the lots are loaded again by id.
    """
    lots = lots_by_ids(lot_ids=params["lot_ids"])
    if not lots:
        raise JobFailed(_("None of these lots exists any more."))
    origin = str(params["origin"])
    with translation.override(params.get("language") or settings.LANGUAGE_CODE):
        pdf = labels_pdf(
            lots,
            url_for=lambda code: lot_url(origin, code),
            layout=str(params.get("layout") or "sheet"),
            progress=progress,
        )
    token = str(params["file_token"])
    name = default_storage.save(f"labels/{token}.pdf", ContentFile(pdf))
    return {
        "file": name,
        "url": reverse("inventory:labels_download", args=[token]),
        "lots": len(lots),
    }
