from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import Http404, HttpRequest
from ninja import Router, Schema

from .selectors import job_get
from .services import job_cancel

router = Router(tags=["jobs"])


class JobOut(Schema):
    id: UUID
    kind: str
    title: str
    status: str
    progress: int
    message: str
    result: Any = None
    error: str
    created_at: datetime
    finished_at: datetime | None


@router.get("/{job_id}", response=JobOut)
def job(request: HttpRequest, job_id: UUID):  # type: ignore[no-untyped-def]
    found = job_get(user=request.user, pk=job_id)
    if found is None:
        raise Http404
    return found


@router.post("/{job_id}/cancel", response=JobOut)
def cancel(request: HttpRequest, job_id: UUID):  # type: ignore[no-untyped-def]
    found = job_get(user=request.user, pk=job_id)
    if found is None:
        raise Http404
    return job_cancel(job=found)
