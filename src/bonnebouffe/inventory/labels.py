"""Lot labels as PDF: a US Letter sheet of 4" x 2" labels (Avery 5163 layout, 2 x 5) or one
4" x 2" (102 x 51 mm) thermal-printer label per page.

A label carries what Québec asks of donated food (quebec.ca "Dons d'aliments": product name,
date, storage instructions), Health Canada's priority allergens, the lot code, and a QR code
that opens the lot's page. The 4" x 2" size was chosen over Avery 5160 (2-5/8" x 1") because
the QR code and six lines of text do not fit legibly in 1" of height.

The text follows the active language: render inside `translation.override(...)`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import segno
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from .models import Allergen, DateKind, Lot, StorageClass
from .selectors import safety_policy

SHEET = "sheet"
THERMAL = "thermal"
LAYOUTS = (SHEET, THERMAL)
LABELS_PER_SHEET = 10
# Up to this many labels are rendered in the request; more go to a background job.
DIRECT_MAX_LOTS = 50
# A job renders at most this many labels (about 100 sheets), in chunks for its progress bar.
JOB_MAX_LOTS = 1000
CHUNK_LOTS = 50

LotUrl = Callable[[str], str]
ProgressFn = Callable[[int, str], None]  # a job's progress callback (percent, message)


def lot_qr_url(request: HttpRequest, code: str) -> str:
    """The absolute URL of a lot's page, as its QR code encodes it."""
    return request.build_absolute_uri(reverse("inventory:lot_detail", args=[code]))


def lot_url(origin: str, code: str) -> str:
    """The same URL outside a request (a background job), from the site's origin."""
    return origin.rstrip("/") + reverse("inventory:lot_detail", args=[code])


def qr_svg_data_uri(url: str) -> str:
    """A QR code (never a Micro QR; error correction M, about 15 %) as an SVG data URI.

    The SVG keeps the 4-module quiet zone that scanners need and has no fixed size: the
    label's CSS sets it.
    """
    qr = segno.make(url, micro=False, error="m", boost_error=False)
    return str(qr.svg_data_uri(border=4, omitsize=True, dark="#000", light="#fff"))


def _degrees(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text.replace("-", "\u2212")  # a real minus sign, as printed on food labels


def storage_instructions(storage_class: str) -> str:
    """What the label says about keeping the food (thresholds from the safety policy)."""
    policy = safety_policy()
    if storage_class == StorageClass.REFRIGERATED:
        return _("Keep cold, %(t)s °C or less") % {"t": _degrees(policy.refrigerated_max_c)}
    if storage_class == StorageClass.FROZEN:
        return _("Keep frozen, %(t)s °C or less") % {"t": _degrees(policy.frozen_max_c)}
    return _("Store in a cool, dry place")


def date_line(lot: Lot) -> str:
    """The lot's date with its kind, e.g. "Best before: 2026-11-28" (ISO dates, unambiguous)."""
    if lot.date_value is None or lot.date_kind == DateKind.NONE:
        return _("No date")
    day = lot.date_value.isoformat()
    if lot.date_kind == DateKind.USE_BY:
        return _("Expiry date: %(date)s") % {"date": day}
    if lot.date_kind == DateKind.PACKAGED_ON:
        return _("Packaged on: %(date)s") % {"date": day}
    return _("Best before: %(date)s") % {"date": day}


def allergen_labels(allergens: Sequence[str]) -> list[str]:
    """Translated names of the lot's priority allergens (unknown codes shown as stored)."""
    labels = dict(Allergen.choices)
    return [str(labels.get(a, a)) for a in allergens]


def allergens_line(allergens: Sequence[str]) -> str:
    names = allergen_labels(allergens)
    if not names:
        return _("Allergens: none declared")
    return _("Contains: %(allergens)s") % {"allergens": ", ".join(names)}


@dataclass(frozen=True)
class LabelContent:
    code: str
    product_name: str
    date_line: str
    storage_line: str
    allergens_line: str
    hub_name: str
    url: str
    qr_data_uri: str
    storage_class: str


def label_content(lot: Lot, url: str) -> LabelContent:
    return LabelContent(
        code=lot.code,
        product_name=lot.product_name,
        date_line=date_line(lot),
        storage_line=storage_instructions(lot.storage_class),
        allergens_line=allergens_line(lot.allergens or []),
        hub_name=lot.hub.name,
        url=url,
        qr_data_uri=qr_svg_data_uri(url),
        storage_class=lot.storage_class,
    )


def labels_html(lots: Sequence[Lot], *, url_for: LotUrl, layout: str = SHEET) -> str:
    if layout not in LAYOUTS:
        raise ValueError(f"unknown label layout {layout!r}")
    labels = [label_content(lot, url_for(lot.code)) for lot in lots]
    pages: list[list[LabelContent]]
    if layout == SHEET:
        pages = [labels[i : i + LABELS_PER_SHEET] for i in range(0, len(labels), LABELS_PER_SHEET)]
    else:
        pages = [[label] for label in labels]
    context: dict[str, Any] = {"pages": pages, "layout": layout}
    return render_to_string("inventory/labels/labels.html", context)


def labels_pdf(
    lots: Sequence[Lot],
    *,
    url_for: LotUrl,
    layout: str = SHEET,
    progress: ProgressFn | None = None,
) -> bytes:
    """Render the labels of `lots` to one PDF, in chunks so a job can report its progress."""
    from weasyprint import HTML  # heavy import: only when a PDF is actually made

    if not lots:
        raise ValueError("no lot to label")
    documents = []
    for start in range(0, len(lots), CHUNK_LOTS):
        chunk = lots[start : start + CHUNK_LOTS]
        html = labels_html(chunk, url_for=url_for, layout=layout)
        documents.append(HTML(string=html).render())
        if progress is not None:
            done = min(start + CHUNK_LOTS, len(lots))
            progress(int(90 * done / len(lots)), _("%(n)s labels ready") % {"n": done})
    first = documents[0]
    pages = [page for document in documents for page in document.pages]
    return bytes(first.copy(pages).write_pdf())
