"""Reads of jobs: a user sees their own jobs; administrators see all."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from bonnebouffe.accounts.selectors import scope_for

from .models import Job


def job_list(*, user: Any) -> QuerySet[Job]:
    if scope_for(user).is_admin:
        return Job.objects.all()
    return Job.objects.filter(owner=user)


def job_get(*, user: Any, pk: Any) -> Job | None:
    return job_list(user=user).filter(pk=pk).first()
