"""Job runners of the grocery: the scheduled purge of inactive households' personal data."""

from __future__ import annotations

from typing import Any

from bonnebouffe.jobs.registry import ProgressFn, register

from .services import household_purge_inactive


@register("grocery.purge_inactive")
def purge_inactive_job(params: dict[str, Any], progress: ProgressFn) -> dict[str, Any]:
    """Anonymise households inactive longer than the network's retention period (Law 25)."""
    return {"anonymised": household_purge_inactive()}
