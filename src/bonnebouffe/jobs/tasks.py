"""The one task every job goes through; it takes an id and is idempotent."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django_tasks import task

from .models import Job
from .registry import runner_for
from .services import job_run


@task()
def run_job(job_id: str) -> str:
    return job_run(job_id=job_id)


def job_submit(
    *, kind: str, title: str, owner: Any, params: dict[str, Any], backend: str = "default"
) -> Job:
    """Record a job and enqueue it once the surrounding transaction commits."""
    runner_for(kind)  # unknown kinds fail here, before anything is stored
    job = Job.objects.create(
        kind=kind,
        title=title,
        owner=owner if owner and owner.is_authenticated else None,
        params=params,
        backend=backend,
    )

    def enqueue() -> None:
        result = run_job.using(backend=backend).enqueue(str(job.pk))
        Job.objects.filter(pk=job.pk).update(task_result_id=str(result.id))

    transaction.on_commit(enqueue)
    return job
