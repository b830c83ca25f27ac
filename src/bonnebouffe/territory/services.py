"""Writes to the territory: the shipped reference data and imports of official figures."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from .models import DisseminationArea, Municipality

MAX_IMPORT_ROWS = 100_000


@dataclass(frozen=True)
class RowError:
    """One bad row of an import: its line number in the file (header = line 1)."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("Line %(line)s, column “%(column)s”: %(message)s") % {
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }


class ImportRejected(Exception):
    """Raised when any row is bad: nothing was changed."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} bad rows")
        self.errors = errors


@dataclass(frozen=True)
class _Row:
    key: str
    csd: str
    population: int | None
    year: int | None
    material_quintile: int | None
    social_quintile: int | None


@dataclass(frozen=True)
class ImportResult:
    kind: str
    created: int
    updated: int


IMPORT_KINDS = {
    "municipalities": ["csd_code", "population"],
    "dissemination_areas": ["dauid", "csd_code", "population"],
}
OPTIONAL_COLUMNS = ["year", "material_quintile", "social_quintile"]


def _int_field(
    row: dict[str, str], column: str, line: int, errors: list[RowError], *, lo: int, hi: int
) -> int | None:
    raw = (row.get(column) or "").strip().replace("\u00a0", "").replace(" ", "")
    if raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        errors.append(
            RowError(line, column, _("“%(value)s” is not a whole number.") % {"value": raw})
        )
        return None
    if not lo <= value <= hi:
        errors.append(
            RowError(
                line,
                column,
                _("%(value)s is outside the allowed range %(lo)s to %(hi)s.")
                % {"value": value, "lo": lo, "hi": hi},
            )
        )
        return None
    return value


def territory_figures_import(
    *,
    content: str,
    kind: str,
    progress: Callable[[int, str], None] | None = None,
) -> ImportResult:
    """Validate every row of a census CSV, then apply all of it or nothing.

    kind "municipalities": columns csd_code, population [, year, material_quintile,
    social_quintile]. kind "dissemination_areas": dauid, csd_code, population
    [, material_quintile, social_quintile]. Raises ImportRejected listing every bad row.
    """
    if kind not in IMPORT_KINDS:
        raise ImportRejected([RowError(0, "kind", _("Unknown import kind."))])
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [c for c in IMPORT_KINDS[kind] if c not in header]
    if missing:
        raise ImportRejected(
            [RowError(1, c, _("This required column is missing from the header.")) for c in missing]
        )
    rows = list(reader)
    if not rows:
        raise ImportRejected([RowError(2, "-", _("The file has no data rows."))])
    if len(rows) > MAX_IMPORT_ROWS:
        raise ImportRejected(
            [RowError(2, "-", _("Too many rows (at most %(n)s).") % {"n": MAX_IMPORT_ROWS})]
        )
    municipalities = {m.csd_code: m for m in Municipality.objects.all()}
    errors: list[RowError] = []
    parsed: list[_Row] = []
    seen: set[str] = set()
    key_column = "csd_code" if kind == "municipalities" else "dauid"
    for index, row in enumerate(rows):
        line = index + 2
        key = (row.get(key_column) or "").strip()
        csd = (row.get("csd_code") or "").strip()
        if not key:
            errors.append(RowError(line, key_column, _("This value is required.")))
        elif key in seen:
            errors.append(RowError(line, key_column, _("This code appears twice in the file.")))
        seen.add(key)
        if not csd:
            errors.append(RowError(line, "csd_code", _("This value is required.")))
        elif csd not in municipalities:
            errors.append(
                RowError(line, "csd_code", _("Unknown census code “%(code)s”.") % {"code": csd})
            )
        population = _int_field(row, "population", line, errors, lo=0, hi=20_000_000)
        if population is None and not any(
            e.line == line and e.column == "population" for e in errors
        ):
            errors.append(RowError(line, "population", _("This value is required.")))
        record = _Row(
            key=key,
            csd=csd,
            population=population,
            year=_int_field(row, "year", line, errors, lo=1900, hi=2100),
            material_quintile=_int_field(row, "material_quintile", line, errors, lo=1, hi=5),
            social_quintile=_int_field(row, "social_quintile", line, errors, lo=1, hi=5),
        )
        parsed.append(record)
        if progress and index % 500 == 0:
            progress(int(50 * index / len(rows)), _("Checking rows"))
    if errors:
        raise ImportRejected(errors)
    created = updated = 0
    with transaction.atomic():
        for index, rec in enumerate(parsed):
            muni = municipalities[rec.csd]
            if kind == "municipalities":
                muni.population = rec.population
                muni.population_year = rec.year or muni.population_year
                if rec.material_quintile is not None:
                    muni.material_quintile = rec.material_quintile
                if rec.social_quintile is not None:
                    muni.social_quintile = rec.social_quintile
                muni.save()
                updated += 1
            else:
                _obj, was_created = DisseminationArea.objects.update_or_create(
                    dauid=rec.key,
                    defaults={
                        "municipality": muni,
                        "population": rec.population or 0,
                        "material_quintile": rec.material_quintile,
                        "social_quintile": rec.social_quintile,
                    },
                )
                created += int(was_created)
                updated += int(not was_created)
            if progress and index % 500 == 0:
                progress(50 + int(50 * index / len(parsed)), _("Saving rows"))
    return ImportResult(kind=kind, created=created, updated=updated)


def format_errors(errors: Iterable[RowError]) -> list[str]:
    return [str(e) for e in errors]
