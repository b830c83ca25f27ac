"""Job runners of the allocation app."""

from __future__ import annotations

from typing import Any

from bonnebouffe.jobs.registry import ProgressFn, register
from bonnebouffe.jobs.services import JobFailed

from .errors import AllocationFailed
from .services import run_execute


@register("allocation.solve")
def solve_job(params: dict[str, Any], progress: ProgressFn) -> dict[str, Any]:
    """Gather, solve (pure engine), validate and store one allocation run."""
    try:
        return run_execute(run_id=int(params["run_id"]), progress=progress)
    except AllocationFailed as exc:
        raise JobFailed(exc.message, exc.details) from None
