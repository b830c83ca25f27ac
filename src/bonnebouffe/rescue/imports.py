"""Bulk import of offers from a CSV or Excel (.xlsx) file: every row is checked first, then
every offer is created in one transaction — all rows or none.

One row per item; rows sharing the same `offer` value form one offer. Column names may be
given in English or French (`COLUMNS`); choice values may be the code, or the English or
French label (e.g. `refrigerated`, `réfrigéré`). Offer columns (handover, pickup place,
window, notes) are read from an offer's first row; later rows may leave them empty.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bonnebouffe.accounts.selectors import Scope
from bonnebouffe.inventory.models import Allergen, DateKind, FoodCategory, StorageClass
from bonnebouffe.network.models import Organisation, Site

from .models import Handover, Offer
from .services import OfferItemSpec, offer_create, offer_validate

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 2000
DEFAULT_WINDOW_HOURS = 48


@dataclass(frozen=True)
class Column:
    key: str
    aliases: tuple[str, ...]
    required: bool
    help: Any


COLUMNS = (
    Column(
        "offer",
        ("offre", "offer_key", "cle"),
        True,
        gettext_lazy("Any text or number; rows with the same value form one offer."),
    ),
    Column("product", ("produit", "product_name"), True, gettext_lazy("Product name.")),
    Column(
        "category",
        ("categorie",),
        True,
        gettext_lazy("Food category: code or name (e.g. dairy, vegetables_fruits, bakery)."),
    ),
    Column(
        "quantity_kg",
        ("quantite_kg", "kg"),
        False,
        gettext_lazy(
            "Quantity in kg (comma or point for decimals), or use units and unit_weight_g."
        ),
    ),
    Column("units", ("unites",), False, gettext_lazy("Number of units.")),
    Column(
        "unit_weight_g", ("poids_unitaire_g",), False, gettext_lazy("Weight of one unit in grams.")
    ),
    Column(
        "storage",
        ("conservation", "storage_class"),
        False,
        gettext_lazy("ambient, refrigerated or frozen (empty: ambient)."),
    ),
    Column(
        "date_kind",
        ("type_date",),
        False,
        gettext_lazy(
            "best_before, use_by (date limite d'utilisation), packaged_on or none "
            "(empty: best_before when a date is given, none otherwise)."
        ),
    ),
    Column("date", ("date_value",), False, gettext_lazy("The date on the product, YYYY-MM-DD.")),
    Column(
        "allergens",
        ("allergenes",),
        False,
        gettext_lazy("Allergens separated by ; (e.g. milk; eggs; wheat_triticale)."),
    ),
    Column(
        "handover",
        ("remise",),
        False,
        gettext_lazy("pickup (at your place, the default) or dropoff (you bring it to a hub)."),
    ),
    Column(
        "pickup_site",
        ("lieu", "site"),
        False,
        gettext_lazy("Name of one of your sites (empty: your main site)."),
    ),
    Column(
        "window_start",
        ("debut",),
        False,
        gettext_lazy("Available from, YYYY-MM-DD HH:MM (empty: now)."),
    ),
    Column(
        "window_end",
        ("fin",),
        False,
        gettext_lazy("Available until, YYYY-MM-DD HH:MM (empty: 48 hours after the start)."),
    ),
    Column("notes", ("remarques",), False, gettext_lazy("Notes for the hub.")),
)
OFFER_COLUMNS = ("handover", "pickup_site", "window_start", "window_end", "notes")
# Which column a service field error belongs to.
FIELD_COLUMN = {
    "product_name": "product",
    "category": "category",
    "quantity_kg": "quantity_kg",
    "units": "units",
    "unit_weight_g": "unit_weight_g",
    "storage_class": "storage",
    "date_kind": "date_kind",
    "date_value": "date",
    "allergens": "allergens",
    "handover": "handover",
    "pickup_site": "pickup_site",
    "dropoff_hub": "handover",
    "window_start": "window_start",
    "window_end": "window_end",
    "notes": "notes",
    "items": "offer",
    "donor": "offer",
    "kind": "offer",
    "estimated_kg": "offer",
}
# French words donors type, as well as the codes and labels (product data, not UI strings).
EXTRA_ALIASES: dict[str, dict[str, str]] = {
    "storage": {
        "ambiant": StorageClass.AMBIENT,
        "sec": StorageClass.AMBIENT,
        "refrigere": StorageClass.REFRIGERATED,
        "frigo": StorageClass.REFRIGERATED,
        "congele": StorageClass.FROZEN,
        "surgele": StorageClass.FROZEN,
    },
    "date_kind": {
        "meilleur_avant": DateKind.BEST_BEFORE,
        "ma": DateKind.BEST_BEFORE,
        "dlu": DateKind.USE_BY,
        "date_limite_d_utilisation": DateKind.USE_BY,
        "emballe_le": DateKind.PACKAGED_ON,
        "date_d_emballage": DateKind.PACKAGED_ON,
        "aucune": DateKind.NONE,
        "aucun": DateKind.NONE,
    },
    "allergens": {
        "arachides": Allergen.PEANUTS,
        "noix": Allergen.TREE_NUTS,
        "lait": Allergen.MILK,
        "oeufs": Allergen.EGGS,
        "poisson": Allergen.FISH,
        "crustaces": Allergen.CRUSTACEANS_MOLLUSCS,
        "mollusques": Allergen.CRUSTACEANS_MOLLUSCS,
        "soya": Allergen.SOY,
        "soja": Allergen.SOY,
        "ble": Allergen.WHEAT_TRITICALE,
        "sesame": Allergen.SESAME,
        "moutarde": Allergen.MUSTARD,
        "sulfites": Allergen.SULPHITES,
    },
    "handover": {
        "cueillette": Handover.PICKUP,
        "ramassage": Handover.PICKUP,
        "depot": Handover.DROPOFF,
        "livraison": Handover.DROPOFF,
    },
}
CHOICES: dict[str, Any] = {
    "category": FoodCategory,
    "storage": StorageClass,
    "date_kind": DateKind,
    "allergens": Allergen,
    "handover": Handover,
}


@dataclass(frozen=True)
class RowError:
    """One problem in the file: its line (the header is line 1), column and message."""

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
    """Raised when any row is wrong: nothing was created."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} errors")
        self.errors = errors


def _norm(text: Any) -> str:
    plain = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", plain.lower()).strip("_")


def _choice_lookup(key: str) -> dict[str, str]:
    choices = CHOICES[key]
    lookup: dict[str, str] = {}
    for language in ("en", "fr-ca"):
        with translation.override(language):
            for value, label in choices.choices:
                lookup[_norm(label)] = value
    for value in choices.values:
        lookup[_norm(value)] = value
    lookup.update(EXTRA_ALIASES.get(key, {}))
    return lookup


@dataclass
class _Row:
    line: int
    cells: dict[str, Any]
    headers: dict[str, str]  # canonical key -> header as written in the file

    def column(self, key: str) -> str:
        return self.headers.get(key, key)


@dataclass
class _Group:
    key: str
    rows: list[_Row] = field(default_factory=list)


def _read_rows(content: bytes, filename: str) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    """(header, [(line, cells)]) from an .xlsx or a CSV (comma, semicolon or tab)."""
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:
            raise ImportRejected(
                [RowError(1, "-", _("This is not a readable .xlsx file."))]
            ) from exc
        sheet = book.worksheets[0]
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        book.close()
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = content.decode("cp1252", errors="replace")
        first = text.split("\n", 1)[0]
        delimiter = max((",", ";", "\t"), key=first.count)
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not rows:
        raise ImportRejected([RowError(1, "-", _("The file is empty."))])
    header = ["" if h is None else str(h).strip() for h in rows[0]]
    body = [
        (index + 2, r)
        for index, r in enumerate(rows[1:])
        if any(c not in (None, "") and str(c).strip() for c in r)
    ]
    return header, body


def _map_header(header: Sequence[str]) -> tuple[dict[int, str], dict[str, str], list[RowError]]:
    by_alias = {}
    for col in COLUMNS:
        for name in (col.key, *col.aliases):
            by_alias[_norm(name)] = col.key
    positions: dict[int, str] = {}
    written: dict[str, str] = {}
    errors = []
    for index, name in enumerate(header):
        key = by_alias.get(_norm(name))
        if key is None:
            if name:
                errors.append(RowError(1, name, _("Unknown column.")))
            continue
        if key in written:
            errors.append(RowError(1, name, _("This column appears twice.")))
            continue
        positions[index] = key
        written[key] = name
    for col in COLUMNS:
        if col.required and col.key not in written:
            errors.append(RowError(1, col.key, _("This required column is missing.")))
    return positions, written, errors


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _decimal(value: Any) -> Decimal | None:
    text = _text(value).replace(" ", "").replace("\u00a0", "").replace(",", ".")
    if not text:
        return None
    return Decimal(text)


def _int(value: Any) -> int | None:
    number = _decimal(value)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise ValueError
    return int(number)


def _date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    return date.fromisoformat(text) if text else None


def _datetime(value: Any, *, end_of_day: bool) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time(23, 59) if end_of_day else time(0, 0))
    else:
        text = _text(value).replace("T", " ")
        if not text:
            return None
        if len(text) == 10:
            moment = datetime.combine(
                date.fromisoformat(text), time(23, 59) if end_of_day else time(0, 0)
            )
        else:
            moment = datetime.fromisoformat(text)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


@dataclass
class ImportResult:
    offers: list[Offer]

    @property
    def item_count(self) -> int:
        return sum(len(o.items.all()) for o in self.offers)


def offers_import(
    *,
    scope: Scope,
    donor: Organisation,
    content: bytes,
    filename: str,
    actor: Any = None,
    now: datetime | None = None,
) -> ImportResult:
    """Check every row, then create every offer at once. Raises ImportRejected (every error,
    nothing created) or PermissionDenied (not allowed to declare for this donor)."""
    now = now or timezone.now()
    if len(content) > MAX_IMPORT_BYTES:
        raise ImportRejected([RowError(1, "-", _("The file is larger than 5 MB."))])
    header, body = _read_rows(content, filename)
    positions, written, errors = _map_header(header)
    if errors:
        raise ImportRejected(errors)
    if not body:
        raise ImportRejected([RowError(2, "-", _("The file has no data rows."))])
    if len(body) > MAX_IMPORT_ROWS:
        raise ImportRejected(
            [RowError(1, "-", _("At most %(n)s rows per file.") % {"n": MAX_IMPORT_ROWS})]
        )
    groups: dict[str, _Group] = {}
    for line, cells in body:
        values = {key: cells[i] if i < len(cells) else None for i, key in positions.items()}
        row = _Row(line=line, cells=values, headers=written)
        key = _text(values.get("offer"))
        if not key:
            errors.append(RowError(line, row.column("offer"), _("Give the offer this row is in.")))
            continue
        groups.setdefault(key, _Group(key=key)).rows.append(row)
    sites = {_norm(s.name): s for s in donor.sites.all()}
    primary = next((s for s in donor.sites.all() if s.is_primary), None) or next(
        iter(sites.values()), None
    )
    lookups = {k: _choice_lookup(k) for k in CHOICES}
    planned: list[dict[str, Any]] = []
    for group in groups.values():
        offer_args = _offer_args(group, lookups, sites, primary, now, errors)
        items = [_item_spec(row, lookups, errors) for row in group.rows]
        if offer_args is None or any(i is None for i in items):
            continue
        args = {**offer_args, "items": [i for i in items if i is not None]}
        try:
            offer_validate(scope=scope, donor=donor, now=now, **args)
        except ValidationError as exc:
            errors.extend(_service_errors(exc, group))
            continue
        planned.append(args)
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: (e.line, e.column)))
    with transaction.atomic():
        offers = [
            offer_create(scope=scope, donor=donor, actor=actor, now=now, **args) for args in planned
        ]
    return ImportResult(offers=offers)


def _parse(
    row: _Row,
    key: str,
    errors: list[RowError],
    parse: Callable[[Any], Any],
    message: str,
) -> Any:
    try:
        return parse(row.cells.get(key))
    except (ValueError, InvalidOperation, TypeError):
        errors.append(RowError(row.line, row.column(key), message))
        raise


def _choice(row: _Row, key: str, lookups: dict[str, dict[str, str]], errors: list[RowError]):  # type: ignore[no-untyped-def]
    text = _text(row.cells.get(key))
    if not text:
        return None
    value = lookups[key].get(_norm(text))
    if value is None:
        errors.append(
            RowError(
                row.line,
                row.column(key),
                _("“%(value)s” is not one of the allowed values.") % {"value": text},
            )
        )
        raise ValueError
    return value


def _offer_args(
    group: _Group,
    lookups: dict[str, dict[str, str]],
    sites: dict[str, Site],
    primary: Site | None,
    now: datetime,
    errors: list[RowError],
) -> dict[str, Any] | None:
    first = group.rows[0]
    ok = True
    for row in group.rows[1:]:
        for key in OFFER_COLUMNS:
            value = _text(row.cells.get(key))
            if value and value != _text(first.cells.get(key)):
                errors.append(
                    RowError(
                        row.line,
                        row.column(key),
                        _("The rows of this offer disagree; give it on the offer's first row."),
                    )
                )
                ok = False
    try:
        handover = _choice(first, "handover", lookups, errors) or Handover.PICKUP
    except ValueError:
        return None
    site = None
    if handover == Handover.PICKUP:
        name = _text(first.cells.get("pickup_site"))
        site = sites.get(_norm(name)) if name else primary
        if site is None:
            errors.append(
                RowError(
                    first.line,
                    first.column("pickup_site"),
                    _("Unknown place: give the name of one of your sites."),
                )
            )
            ok = False
    try:
        start = _parse(
            first,
            "window_start",
            errors,
            lambda v: _datetime(v, end_of_day=False),
            _("Write the date and time as YYYY-MM-DD HH:MM."),
        )
        end = _parse(
            first,
            "window_end",
            errors,
            lambda v: _datetime(v, end_of_day=True),
            _("Write the date and time as YYYY-MM-DD HH:MM."),
        )
    except (ValueError, InvalidOperation, TypeError):
        return None
    start = start or now.replace(second=0, microsecond=0)
    end = end or start + timedelta(hours=DEFAULT_WINDOW_HOURS)
    if not ok:
        return None
    return {
        "handover": handover,
        "pickup_site": site,
        "window_start": start,
        "window_end": end,
        "notes": _text(first.cells.get("notes"))[:300],
    }


def _item_spec(
    row: _Row, lookups: dict[str, dict[str, str]], errors: list[RowError]
) -> OfferItemSpec | None:
    before = len(errors)
    values: dict[str, Any] = {}
    for key, parse, message in (
        ("quantity_kg", _decimal, _("Enter a number of kilograms.")),
        ("units", _int, _("Enter a whole number.")),
        ("unit_weight_g", _int, _("Enter a whole number of grams.")),
        ("date", _date, _("Write the date as YYYY-MM-DD.")),
    ):
        try:
            values[key] = _parse(row, key, errors, parse, message)
        except (ValueError, InvalidOperation, TypeError):
            values[key] = None
    for key in ("category", "storage", "date_kind"):
        try:
            values[key] = _choice(row, key, lookups, errors)
        except ValueError:
            values[key] = None
    allergens: list[str] = []
    for part in re.split(r"[;,/]", _text(row.cells.get("allergens"))):
        if not part.strip():
            continue
        code = lookups["allergens"].get(_norm(part))
        if code is None:
            errors.append(
                RowError(
                    row.line,
                    row.column("allergens"),
                    _("Unknown allergen: %(name)s.") % {"name": part.strip()},
                )
            )
        else:
            allergens.append(code)
    if len(errors) > before:
        return None
    date_kind = values["date_kind"] or (
        DateKind.BEST_BEFORE if values["date"] is not None else DateKind.NONE
    )
    return OfferItemSpec(
        product_name=_text(row.cells.get("product")),
        category=values["category"] or "",
        storage_class=values["storage"] or StorageClass.AMBIENT,
        date_kind=date_kind,
        date_value=values["date"],
        allergens=tuple(allergens),
        quantity_kg=values["quantity_kg"],
        units=values["units"],
        unit_weight_g=values["unit_weight_g"],
    )


def _service_errors(exc: ValidationError, group: _Group) -> Iterable[RowError]:
    first = group.rows[0]
    for key, messages in exc.message_dict.items():
        match = re.fullmatch(r"items\[(\d+)\]\.(\w+)", key)
        if match:
            row = group.rows[int(match.group(1))]
            column = row.column(FIELD_COLUMN.get(match.group(2), match.group(2)))
        else:
            row = first
            column = row.column(FIELD_COLUMN.get(key, "offer"))
        for message in messages:
            yield RowError(row.line, column, message)


def columns_help() -> list[tuple[str, str, bool, str]]:
    """(column, French alias, required, help) for the import page."""
    return [(c.key, c.aliases[0], c.required, str(c.help)) for c in COLUMNS]
