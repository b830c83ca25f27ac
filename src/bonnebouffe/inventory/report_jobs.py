"""Background runners of the stock reports (bonnebouffe.jobs).

The runners register when this module is imported; InventoryConfig.ready() imports it.
A recall can reach hundreds of lots: its PDF is made here, never inside a request.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from bonnebouffe.accounts.models import AuditAction
from bonnebouffe.accounts.selectors import scope_for
from bonnebouffe.jobs.models import Job
from bonnebouffe.jobs.registry import ProgressFn, register
from bonnebouffe.jobs.services import JobFailed
from bonnebouffe.jobs.tasks import job_submit
from bonnebouffe.network.models import Organisation

from .report_queries import trace_report, trace_start_lots
from .reports import recall_pdf
from .services import trace_people_open

RECALL_REPORT = "inventory.recall_report"


def trace_criteria_text(*, lot_code: str, donor_id: int | None, product: str) -> str:
    """The trace criteria in a sentence, in the active language (the report's header)."""
    parts = []
    if lot_code:
        parts.append(_("lot code %(code)s") % {"code": lot_code})
    if donor_id:
        donor = Organisation.objects.filter(pk=donor_id).values_list("name", flat=True).first()
        parts.append(_("donor %(name)s") % {"name": donor or donor_id})
    if product:
        parts.append(_("product containing “%(text)s”") % {"text": product})
    return "; ".join(parts)


def recall_report_file(params: dict[str, Any]) -> str:
    """Where the PDF goes in the default storage: MEDIA_ROOT/reports/<job id>.pdf."""
    key = params.get("job_id") or params["report_id"]
    return f"reports/{uuid.UUID(str(key))}.pdf"


def recall_report_submit(
    *, user: Any, lot_code: str = "", donor_id: int | None = None, product: str = ""
) -> Job:
    """Queue a recall notice for the lots a user may trace with these criteria."""
    criteria = trace_criteria_text(lot_code=lot_code, donor_id=donor_id, product=product)
    return job_submit(
        kind=RECALL_REPORT,
        title=(_("Recall notice: %(criteria)s") % {"criteria": criteria})[:200],
        owner=user,
        params={
            "user_id": user.pk,
            "lot_code": lot_code,
            "donor_id": donor_id,
            "product": product,
            "language": get_language() or settings.LANGUAGE_CODE,
            # The file name, known before the job row exists (runners get no job id).
            "report_id": str(uuid.uuid4()),
        },
    )


@register(RECALL_REPORT)
def recall_report(params: dict[str, Any], progress: ProgressFn) -> dict[str, Any]:
    """Trace the lots again with the owner's scope (it may have changed) and write the PDF."""
    with translation.override(params.get("language") or settings.LANGUAGE_CODE):
        user = get_user_model().objects.filter(pk=params["user_id"], is_active=True).first()
        if user is None:
            raise JobFailed(_("The account that asked for this report is no longer active."))
        scope = scope_for(user)
        progress(5, _("Finding the lots"))
        lot_code = str(params.get("lot_code") or "")
        donor_id = params.get("donor_id") or None
        product = str(params.get("product") or "")
        start = trace_start_lots(scope=scope, lot_code=lot_code, donor_id=donor_id, product=product)
        lot_ids = list(start.values_list("pk", flat=True))
        if not lot_ids:
            raise JobFailed(_("No lot of your territory matches these criteria."))
        progress(20, _("Following the lots through transformations and deliveries"))
        report = trace_report(scope=scope, lot_ids=lot_ids)
        trace_people_open(
            scope=scope,
            actor=user,
            report=report,
            action=AuditAction.EXPORT,
            channel="job",
            detail="recall pdf",
        )
        progress(50, _("Writing the PDF"))
        criteria = trace_criteria_text(lot_code=lot_code, donor_id=donor_id, product=product)
        pdf = recall_pdf(report, criteria=criteria)
        progress(90, _("Saving the PDF"))
        name = recall_report_file(params)
        if default_storage.exists(name):  # a rerun replaces its own file
            default_storage.delete(name)
        saved = default_storage.save(name, ContentFile(pdf))
    return {
        "file": saved,
        "lots": len(report.lots),
        "movements": len(report.movements),
        "recipients": len(report.recipients),
        "bytes": len(pdf),
    }
