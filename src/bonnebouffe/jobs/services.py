"""Writes to jobs: submit, run (called by the task backend), report progress, cancel."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import FINISHED_STATUSES, Job, JobStatus
from .registry import runner_for

logger = logging.getLogger(__name__)


class JobCancelled(Exception):
    """Raised inside a runner's progress callback once a cancel was requested."""


class JobFailed(Exception):
    """A runner raises this with a user-facing (already translated) message and details."""

    def __init__(self, message: str, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.details = details or []


def job_progress(*, job_id: Any, percent: int, message: str = "") -> None:
    """Store progress; raise JobCancelled when the user asked to stop."""
    percent = max(0, min(100, int(percent)))
    Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
        progress=percent, message=message[:200]
    )
    if Job.objects.filter(pk=job_id, cancel_requested=True).exists():
        raise JobCancelled


def job_run(*, job_id: Any) -> str:
    """Run a job's runner. Idempotent: a finished or already running job is left alone."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != JobStatus.QUEUED:
            return job.status if job else "missing"
        if job.cancel_requested:
            job.status = JobStatus.CANCELLED
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "finished_at"])
            return job.status
        job.status = JobStatus.RUNNING
        job.started_at = timezone.now()
        job.save(update_fields=["status", "started_at"])

    def progress(percent: int, message: str = "") -> None:
        job_progress(job_id=job.pk, percent=percent, message=message)

    fields: dict[str, Any] = {"finished_at": timezone.now()}
    try:
        result = runner_for(job.kind)({**job.params, "job_id": str(job.pk)}, progress)
        fields.update(status=JobStatus.SUCCEEDED, progress=100, result=result, message="")
    except JobCancelled:
        fields.update(status=JobStatus.CANCELLED, message=_("Cancelled at your request."))
    except JobFailed as exc:
        fields.update(status=JobStatus.FAILED, error=str(exc), result={"errors": exc.details})
    except Exception as exc:  # a crash is shown to the user as a failure, never lost
        logger.exception("job %s failed", job.pk)
        fields.update(status=JobStatus.FAILED, error=_("Unexpected error: %(e)s") % {"e": exc})
    fields["finished_at"] = timezone.now()
    Job.objects.filter(pk=job.pk).update(**fields)
    return str(fields["status"])


def job_cancel(*, job: Job) -> Job:
    """Ask a job to stop. A waiting job stops at once; a running one at its next progress."""
    if job.status in FINISHED_STATUSES:
        return job
    Job.objects.filter(pk=job.pk).update(cancel_requested=True)
    Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
        status=JobStatus.CANCELLED, finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job
