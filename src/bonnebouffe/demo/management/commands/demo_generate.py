from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bonnebouffe.demo.services import demo_generate, demo_reset


class Command(BaseCommand):
    help = "Generate the seeded demo network (west of Montérégie, or province scale)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=["region", "province"], default="region")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--reset", action="store_true", help="Remove the demo network first.")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if it exists.")
        parser.add_argument(
            "--no-stock",
            action="store_true",
            help="Skip the weeks of offers, receptions, stock and temperatures (region scale).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from bonnebouffe.demo.services import NETWORK_SLUG
        from bonnebouffe.network.models import Network

        if options["if_empty"] and Network.objects.filter(slug=NETWORK_SLUG).exists():
            self.stdout.write("Demo network already present.")
            return
        if options["reset"]:
            demo_reset()
        try:
            summary = demo_generate(
                scale=options["scale"],
                seed=options["seed"],
                with_stock=options["scale"] == "region" and not options["no_stock"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Demo network ({summary.scale}): {summary.organisations} organisations, "
            f"{summary.hubs} hubs, {summary.agencies} agencies, {summary.sites} sites, "
            f"{summary.contributions} contributions, {summary.households} households, "
            f"{summary.users} demo accounts; {summary.offers} offers, {summary.lots} lots, "
            f"{summary.readings} temperature readings; {summary.products} grocery products."
        )
