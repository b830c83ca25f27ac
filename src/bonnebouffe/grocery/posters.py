"""Posters of the mobile unit's stops: one US Letter page (WeasyPrint) to put up at the stop
— the place, its weekday and hours, the next dates, and a QR code to the public timetable.

The text follows the active language: render inside `translation.override(...)`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import segno
from django.template.loader import render_to_string
from django.utils.dates import WEEKDAYS

from .models import MobileStop


def _qr_svg_data_uri(url: str) -> str:
    # Same settings as the lot labels (inventory.labels): a full QR code, error correction M,
    # the 4-module quiet zone kept, no fixed size (the poster's CSS sets it). Not imported
    # from there: apps touch each other only through services and selectors.
    qr = segno.make(url, micro=False, error="m", boost_error=False)
    return str(qr.svg_data_uri(border=4, omitsize=True, dark="#000", light="#fff"))


def stop_poster_pdf(*, stop: MobileStop, next_dates: list[date], timetable_url: str) -> bytes:
    """The poster of one stop; `timetable_url` is absolute (it is printed and scanned)."""
    from weasyprint import HTML  # heavy import: only when a PDF is made

    context: dict[str, Any] = {
        "stop": stop,
        "weekday": WEEKDAYS[stop.weekday],
        "next_dates": next_dates,
        "timetable_url": timetable_url,
        "qr_data_uri": _qr_svg_data_uri(timetable_url),
    }
    html = render_to_string("grocery/mobile/poster.html", context)
    return bytes(HTML(string=html).write_pdf())
