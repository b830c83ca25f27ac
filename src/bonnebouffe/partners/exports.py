"""Directory exports: CSV for spreadsheets and Open Referral HSDS 3.0 JSON for other directories.

HSDS (https://docs.openreferral.org/en/latest/hsds/) describes organizations, the services they
offer and the locations they serve from. Here each partner is an organization; each of its
contributions is a service (the project and contribution type in its name, the offer as
description, the MRC as service area); each site is a physical location.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from bonnebouffe.network.models import Organisation

HSDS_VERSION = "3.0"
WEEKDAY_CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def directory_csv(organisations: Iterable[Organisation]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            _("Organisation"),
            _("Kind"),
            _("Municipality"),
            _("MRC"),
            _("Project"),
            _("Contribution type"),
            _("Contribution MRC"),
            _("What it offers"),
            _("Website"),
            _("General email"),
        ]
    )
    for org in organisations:
        for c in getattr(org, "shown_contributions", []):
            writer.writerow(
                [
                    org.name,
                    org.get_kind_display(),
                    org.municipality.name,
                    org.mrc.name,
                    c.project.name,
                    c.get_kind_display(),
                    c.mrc.name,
                    c.offer,
                    org.website,
                    org.public_email,
                ]
            )
    return out.getvalue()


def _uid(kind: str, pk: Any) -> str:
    return f"bonnebouffe:{kind}:{pk}"


def directory_hsds(organisations: Iterable[Organisation]) -> dict[str, Any]:
    """The directory as one HSDS 3.0 document: organizations with nested services and locations."""
    result = []
    for org in organisations:
        locations = []
        for site in org.sites.all():
            locations.append(
                {
                    "id": _uid("location", site.pk),
                    "location_type": "physical",
                    "name": site.name,
                    "latitude": float(site.latitude),
                    "longitude": float(site.longitude),
                    "addresses": [
                        {
                            "id": _uid("address", site.pk),
                            "address_type": "physical",
                            "address_1": site.address,
                            "city": site.municipality.name,
                            "region": org.mrc.name,
                            "state_province": "QC",
                            "postal_code": site.postal_code,
                            "country": "CA",
                        }
                    ],
                    "accessibility": (
                        [
                            {
                                "id": _uid("accessibility", site.pk),
                                "description": site.accessibility_notes,
                            }
                        ]
                        if site.accessibility_notes
                        else []
                    ),
                    "schedules": [
                        {
                            "id": _uid("schedule", h.pk),
                            "freq": "WEEKLY",
                            "byday": WEEKDAY_CODES[h.weekday],
                            "opens_at": h.opens.strftime("%H:%M"),
                            "closes_at": h.closes.strftime("%H:%M"),
                        }
                        for h in site.opening_hours.all()
                    ],
                }
            )
        services = [
            {
                "id": _uid("service", c.pk),
                "organization_id": _uid("organization", org.pk),
                "name": f"{c.project.name} — {c.get_kind_display()}",
                "description": c.offer,
                "status": "active",
                "service_areas": [
                    {
                        "id": _uid("area", f"{c.pk}-{c.mrc_id}"),
                        "name": c.mrc.name,
                        "extent_type": "text",
                        "extent": c.mrc.name,
                    }
                ],
                "attributes": [
                    {
                        "id": _uid("attr", c.pk),
                        "taxonomy_term": {
                            "id": f"bonnebouffe:contribution:{c.kind}",
                            "code": c.kind,
                            "name": str(c.get_kind_display()),
                            "taxonomy": "bonnebouffe-contribution-types",
                        },
                    }
                ],
            }
            for c in getattr(org, "shown_contributions", [])
        ]
        result.append(
            {
                "id": _uid("organization", org.pk),
                "name": org.name,
                "description": org.description or str(org.get_kind_display()),
                "website": org.website or None,
                "email": org.public_email or None,
                "phones": [{"id": _uid("phone", org.pk), "number": org.public_phone}]
                if org.public_phone
                else [],
                "services": services,
                "locations": locations,
            }
        )
    return {"hsds_version": HSDS_VERSION, "organizations": result}
