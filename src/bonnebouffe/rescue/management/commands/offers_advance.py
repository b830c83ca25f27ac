from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from bonnebouffe.rescue.services import offers_advance


class Command(BaseCommand):
    help = (
        "Move surplus offers down the cascade (home hub, every hub, open board) when their "
        "stage ends, and close offers whose window ended with nobody taking them. Run it from "
        "cron every 10 to 15 minutes; running it twice changes nothing more."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = offers_advance()
        self.stdout.write(f"{result.advanced} offers moved on, {result.closed} closed.")
