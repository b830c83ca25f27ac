"""Job runners of the cold chain: excursion emails and the daily "not checked" reminder."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from bonnebouffe.jobs.registry import ProgressFn, register

from .services import ALERT_JOB, REMINDER_JOB, excursion_alert_send, reminders_send


@register(ALERT_JOB)
def alert_job(params: dict[str, Any], progress: ProgressFn) -> dict[str, Any]:
    progress(10, _("Sending the alert emails"))
    return {"emails": excursion_alert_send(excursion_id=int(params["excursion_id"]))}


@register(REMINDER_JOB)
def reminders_job(params: dict[str, Any], progress: ProgressFn) -> dict[str, Any]:
    day = date.fromisoformat(params["day"]) if params.get("day") else None
    progress(10, _("Looking for units not checked today"))
    return reminders_send(on=day)
