from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bonnebouffe.territory.services import IMPORT_KINDS, ImportRejected, territory_figures_import


class Command(BaseCommand):
    help = (
        "Import or update census figures from a CSV: population by municipality "
        "(csd_code,population[,year,material_quintile,social_quintile]) or dissemination areas "
        "(dauid,csd_code,population[,material_quintile,social_quintile]). Every row is checked "
        "first; if any row is bad nothing changes and every bad row is listed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--kind", choices=sorted(IMPORT_KINDS), default="municipalities")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            content = options["path"].read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {options['path']}: {exc}") from exc
        try:
            result = territory_figures_import(content=content, kind=options["kind"])
        except ImportRejected as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(exc.errors)} bad rows; nothing was changed.") from exc
        self.stdout.write(f"{result.kind}: {result.created} created, {result.updated} updated.")
