"""Route sheets: one PDF per route for its driver (WeasyPrint), stops in order."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from .models import Route
from .presenters import route_rows


def route_sheet_pdf(route: Route) -> bytes:
    """The driver's sheet: stops in order, addresses, windows, items with kg, cold needs,
    and the contact role of each site. Render inside ``translation.override``."""
    from weasyprint import HTML  # heavy import: only when a PDF is made

    context: dict[str, Any] = {"route": route, "rows": route_rows(route)}
    html = render_to_string("logistics/route_sheet.html", context)
    return bytes(HTML(string=html).write_pdf())
