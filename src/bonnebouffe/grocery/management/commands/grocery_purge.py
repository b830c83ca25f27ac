from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from bonnebouffe.jobs.tasks import job_submit


class Command(BaseCommand):
    help = "Queue the purge of inactive households' personal data (run daily from cron)."

    def handle(self, *args: Any, **options: Any) -> None:
        job = job_submit(
            kind="grocery.purge_inactive",
            title="Purge of inactive households",
            owner=None,
            params={},
        )
        self.stdout.write(f"Queued job {job.pk}.")
