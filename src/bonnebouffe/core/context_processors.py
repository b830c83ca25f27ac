"""Navigation by role: each user sees only the sections their scope opens."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bonnebouffe.accounts.selectors import scope_for

from .selectors import notification_unread_count


def navigation(request: HttpRequest) -> dict[str, Any]:
    scope = scope_for(getattr(request, "user", None))
    items: list[tuple[str, Any]] = []
    if scope.user_id is not None:
        items.append((reverse("core:home"), _("Home")))
        if scope.sees_aggregates:
            items.append((reverse("territory:map"), _("Territory")))
            items.append((reverse("network:overview"), _("Network at a glance")))
            items.append((reverse("inventory:reconciliation"), _("Valorisation")))
        if scope.sees_records:
            items.append((reverse("network:organisation_list"), _("Organisations")))
        if scope.has_role("network_admin", "hub_coordinator", "agency_staff"):
            items.append((reverse("rescue:offer_list"), _("Offers")))
        if scope.has_role("donor", "grocery_staff", "kitchen_manager"):
            items.append((reverse("rescue:my_offers"), _("My offers")))
        if scope.has_role("network_admin", "hub_coordinator"):
            items.append((reverse("allocation:run_list"), _("Fair allocation")))
        elif scope.has_role("agency_staff"):
            items.append((reverse("allocation:my_lines"), _("My allocations")))
        if scope.has_role("network_admin", "hub_coordinator"):
            items.append((reverse("logistics:plan_list"), _("Routes")))
        if scope.has_role("driver"):
            items.append((reverse("logistics:driver_today"), _("My route today")))
        if scope.has_role("grocery_staff", "network_admin"):
            items.append((reverse("grocery:staff_home"), _("Grocery counter")))
            items.append((reverse("grocery_mobile:trip_list"), _("Mobile unit trips")))
        if scope.is_household:
            items.append((reverse("grocery:shop"), _("Grocery")))
            items.append((reverse("grocery:my_orders"), _("My orders")))
            items.append((reverse("grocery:my_card"), _("My card")))
            items.append((reverse("grocery_mobile:timetable"), _("Mobile unit")))
        items.append((reverse("education:recipe_list"), _("Recipes and workshops")))
        if scope.is_household or scope.has_role("agency_staff"):
            items.append((reverse("education:survey"), _("Needs survey")))
        if scope.has_role("network_admin", "hub_coordinator", "evaluator"):
            items.append((reverse("education:survey_results"), _("Needs survey results")))
        if scope.sees_records:
            items.append((reverse("inventory:home"), _("Stock")))
            items.append((reverse("inventory:trace"), _("Traceability")))
            items.append((reverse("coldchain:unit_list"), _("Cold chain")))
        if scope.sees_directory:
            items.append((reverse("partners:directory"), _("Partner directory")))
            items.append((reverse("partners:project_list"), _("Collective projects")))
        if scope.has_role("network_admin", "agency_staff") or scope.is_household:
            items.append((reverse("households:list"), _("Households")))
        if scope.is_staff_member:
            items.append((reverse("jobs:list"), _("Background jobs")))
        if scope.is_admin:
            items.append((reverse("accounts:audit_log"), _("Audit log")))
    unread = notification_unread_count(user=request.user) if scope.user_id is not None else 0
    return {
        "unread_notifications": unread,
        "nav_items": items,
        "scope": scope,
        "demo_mode": settings.DEMO_MODE,
        "privacy_contact": settings.PRIVACY_OFFICER_CONTACT,
        "tile_config": json.dumps(
            {"url": settings.MAP_TILE_URL, "attribution": settings.MAP_TILE_ATTRIBUTION}
            if settings.MAP_TILE_URL
            else None
        ),
    }
