"""Report builders: the trace as CSV (one row per movement) and the recall notice as PDF.

A recall (MAPAQ, CFIA or voluntary) needs, per lot: name, format, production or packaging
date, shelf life, lot number, quantities received and distributed, and the current lists of
suppliers and recipients (see docs/guide/11-tracabilite-et-rappels.md).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from .report_queries import TraceReport, grams_to_kg

CSV_BOM = "\ufeff"  # spreadsheets then read the accents right


def _local(when: datetime | None) -> str:
    return timezone.localtime(when).strftime("%Y-%m-%d %H:%M") if when else ""


def trace_csv(report: TraceReport) -> str:
    """The trace as CSV: one row per movement, quantities in grams and in kilograms; for a
    role that may see households, the household of each sale movement in four more columns."""
    out = io.StringIO()
    out.write(CSV_BOM)
    writer = csv.writer(out)
    # Households only for a role that may see them (the rows come audit-logged).
    with_people = any(g.names_allowed for g in report.people)
    people = report.people_by_movement
    writer.writerow(
        [
            _("Lot code"),
            _("Product"),
            _("Food category"),
            _("Date kind"),
            _("Date"),
            _("Unit weight (g)"),
            _("Hub"),
            _("Donors"),
            _("Movement date"),
            _("Movement"),
            _("Quantity (g)"),
            _("Quantity (kg)"),
            _("From"),
            _("To"),
            _("Recipient organisation"),
            _("Destination"),
            _("Transformation"),
            _("Reason"),
        ]
        + ([_("Member card"), _("Household"), _("Name used"), _("Contact")] if with_people else [])
    )
    by_lot = {lt.lot.pk: lt for lt in report.lots}
    for m in report.movements:
        lt = by_lot[m.lot_id]
        lot = lt.lot
        person = people.get(m.pk)
        buyer = (
            [
                person.card_number,
                person.reference,
                person.name,
                " ".join(x for x in (person.email, person.phone) if x),
            ]
            if person
            else ["", "", "", ""]
        )
        writer.writerow(
            [
                lot.code,
                lot.product_name,
                lot.get_category_display(),
                lot.get_date_kind_display(),
                lot.date_value.isoformat() if lot.date_value else "",
                lot.unit_weight_g or "",
                lot.hub.name,
                "; ".join(d.name for d in lt.donors),
                _local(m.at),
                m.get_kind_display(),
                m.quantity_g,
                f"{grams_to_kg(m.quantity_g):.3f}",
                report.place(m.from_site_id),
                report.place(m.to_site_id),
                m.recipient.name if m.recipient else "",
                m.get_destination_display() if m.destination else "",
                report.transformation_name(m.transformation_id),
                m.reason,
            ]
            + (buyer if with_people else [])
        )
    return out.getvalue()


def recall_context(report: TraceReport, *, criteria: str) -> dict[str, Any]:
    return {
        "report": report,
        "criteria": criteria,
        "generated_at": timezone.localtime(),
    }


def recall_pdf(report: TraceReport, *, criteria: str) -> bytes:
    """The recall notice ("Avis de rappel / Recall notice") as PDF bytes, in the active
    language. Rendering a few hundred lots takes seconds: run it in a background job."""
    from weasyprint import HTML  # heavy import, only where a PDF is made

    html = render_to_string(
        "inventory/reports/recall_pdf.html", recall_context(report, criteria=criteria)
    )
    return bytes(HTML(string=html).write_pdf())
