"""`manage.py coldchain_reminders`: remind organisations of units not checked today (for cron)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bonnebouffe.coldchain.services import REMINDER_JOB
from bonnebouffe.coldchain.tasks import reminders_job  # noqa: F401  (registers the runner)
from bonnebouffe.jobs.services import job_run
from bonnebouffe.jobs.tasks import job_submit


class Command(BaseCommand):
    help = (
        "Send the daily cold-chain reminder: a notification and an email to each organisation "
        "with a fridge, freezer or truck that has no temperature reading today. Runs at once "
        "(the job is recorded on the background jobs page); --queue only submits it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", help="the day to check, YYYY-MM-DD (default: today)")
        parser.add_argument(
            "--queue", action="store_true", help="submit the job for the worker and return"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        day = date.fromisoformat(options["day"]) if options["day"] else timezone.localdate()
        with translation.override(settings.LANGUAGE_CODE):
            title = _("Temperature log reminders of %(day)s") % {"day": day.isoformat()}
        with transaction.atomic():
            job = job_submit(
                kind=REMINDER_JOB,
                title=title,
                owner=None,
                params={"day": day.isoformat()},
            )
        if not options["queue"]:
            job_run(job_id=job.pk)  # a no-op if the worker already took it
        job.refresh_from_db()
        self.stdout.write(f"{job.pk} {job.status} {job.result or ''}")
