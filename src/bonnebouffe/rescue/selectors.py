"""Reads of offers, acceptances and receptions, always through the user's scope.

Who sees an offer (`offer_scope_q`):
- the donor organisation's own members (and whoever takes part of it);
- the coordinators of its home hub, at every stage; the coordinators of the MRC the donor is
  in (the records of their territory);
- the coordinators of every hub of the network once the offer reached the network stage;
- agency staff of the network once it reached the open board;
- network administrators: every offer of their networks.
Which organisation may take it (`offer_takers`) follows the cascade stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from bonnebouffe.accounts.models import Role
from bonnebouffe.accounts.selectors import Scope
from bonnebouffe.domain.food_safety import StorageClass as SafetyClass
from bonnebouffe.domain.food_safety import days_to_date, temperature_ok, urgency_score
from bonnebouffe.inventory.models import DateKind, StorageLocation
from bonnebouffe.inventory.selectors import safety_policy
from bonnebouffe.network.models import Organisation, OrganisationKind, Site

from .models import (
    Acceptance,
    AcceptanceLine,
    CascadeStage,
    Offer,
    OfferItem,
    OfferStatus,
    Reception,
    ReceptionItem,
)

ACTIVE_STATUSES = (OfferStatus.OPEN, OfferStatus.PARTLY_TAKEN)
BOARD_STAGES = (CascadeStage.HOME_HUB, CascadeStage.NETWORK, CascadeStage.OPEN_BOARD)
# Members of these roles may declare surplus for their own organisation.
DONOR_ROLES = frozenset({Role.DONOR, Role.GROCERY_STAFF, Role.KITCHEN_MANAGER})
# Members of these roles are told by email about offers to their organisation.
NOTIFIED_ROLES = (
    Role.NETWORK_ADMIN,
    Role.HUB_COORDINATOR,
    Role.DONOR,
    Role.GROCERY_STAFF,
    Role.KITCHEN_MANAGER,
    Role.AGENCY_STAFF,
)
# Dates that are an expiry: a packaging date says nothing about how long food keeps.
EXPIRY_DATE_KINDS = (DateKind.BEST_BEFORE, DateKind.USE_BY)


def donor_org_ids(scope: Scope) -> frozenset[int]:
    return frozenset(org for org, _name, role in scope.memberships if role in DONOR_ROLES)


def agency_org_ids(scope: Scope) -> frozenset[int]:
    return frozenset(org for org, _name, role in scope.memberships if role == Role.AGENCY_STAFF)


def offer_scope_q(scope: Scope, prefix: str = "") -> Q:
    """The offers a scope may see (see the module docstring)."""
    if scope.is_superuser:
        return Q()
    p = prefix
    q = Q(pk__in=[])
    if scope.admin_network_ids:
        q |= Q(**{f"{p}home_hub__network_id__in": scope.admin_network_ids})
    takers = scope.own_org_ids | scope.coordinator_hub_ids
    if takers:
        taken = Acceptance.objects.filter(taker_id__in=takers).values("offer_id")
        q |= Q(**{f"{p}donor_id__in": scope.own_org_ids}) | Q(**{f"{p}pk__in": taken})
    if scope.coordinator_hub_ids:
        hubs = scope.coordinator_hub_ids
        q |= Q(**{f"{p}home_hub_id__in": hubs}) | Q(**{f"{p}dropoff_hub_id__in": hubs})
        q |= Q(
            **{
                f"{p}donor__mrc_id__in": scope.coordinator_mrc_ids,
                f"{p}donor__network_id__in": scope.network_ids,
            }
        )
        q |= Q(
            **{
                f"{p}stage__in": (CascadeStage.NETWORK, CascadeStage.OPEN_BOARD),
                f"{p}home_hub__network_id__in": scope.network_ids,
            }
        )
    if agency_org_ids(scope):
        q |= Q(
            **{
                f"{p}stage": CascadeStage.OPEN_BOARD,
                f"{p}home_hub__network_id__in": scope.network_ids,
            }
        )
    return q


def _offers() -> QuerySet[Offer]:
    return Offer.objects.select_related(
        "donor", "donor__municipality", "home_hub", "pickup_site", "dropoff_hub"
    ).prefetch_related(Prefetch("items", queryset=OfferItem.objects.order_by("pk")))


def offer_list(
    *,
    scope: Scope,
    status: str = "",
    stage: str = "",
    donor_ids: frozenset[int] | None = None,
) -> QuerySet[Offer]:
    qs = _offers().filter(offer_scope_q(scope))
    if status:
        qs = qs.filter(status=status)
    if stage:
        qs = qs.filter(stage=stage)
    if donor_ids is not None:
        qs = qs.filter(donor_id__in=donor_ids)
    return qs.order_by("-created_at")


def offer_get(*, scope: Scope, pk: int) -> Offer | None:
    return (
        _offers()
        .filter(offer_scope_q(scope), pk=pk)
        .prefetch_related(
            Prefetch(
                "acceptances",
                queryset=Acceptance.objects.select_related("taker")
                .prefetch_related(
                    Prefetch("lines", queryset=AcceptanceLine.objects.select_related("item"))
                )
                .order_by("at"),
            )
        )
        .first()
    )


def my_offers(*, scope: Scope) -> QuerySet[Offer]:
    """Offers of the organisations the user declares surplus for, or that the user declared."""
    return _offers().filter(
        Q(donor_id__in=donor_org_ids(scope)) | Q(created_by_id=scope.user_id),
        offer_scope_q(scope),
    )


def offer_remaining_g(offer: Offer) -> int:
    """Grams still to take (gleaning with no item: the estimate, until someone accepts)."""
    items = list(offer.items.all())
    if items:
        return sum(i.remaining_g for i in items)
    if offer.status in ACTIVE_STATUSES and offer.estimated_kg:
        return int(offer.estimated_kg * 1000)
    return 0


def offer_total_g(offer: Offer) -> int:
    items = list(offer.items.all())
    if items:
        return sum(int(i.quantity_g) for i in items)
    return int((offer.estimated_kg or 0) * 1000)


def offer_urgency(offer: Offer, *, today: date) -> Decimal:
    """Sum over what remains of kg / days left (domain.food_safety.urgency_score).

    Days left for an item: to its best-before or use-by date, but never later than the end
    of the pickup window — after it the food is lost to the network anyway.
    """
    window_days = (timezone.localtime(offer.window_end).date() - today).days
    items = [i for i in offer.items.all() if i.remaining_g > 0]
    if not items:
        kg = Decimal(offer_remaining_g(offer)) / 1000
        return urgency_score(kg, window_days)
    total = Decimal(0)
    for item in items:
        days = days_to_date(item.date_value, today) if item.date_kind in EXPIRY_DATE_KINDS else None
        days = window_days if days is None else min(days, window_days)
        total += urgency_score(Decimal(item.remaining_g) / 1000, days)
    return total


@dataclass
class BoardRow:
    offer: Offer
    urgency: Decimal
    remaining_g: int
    total_g: int
    soonest_date: date | None


def offer_board(*, scope: Scope, stage: str = "", now: datetime | None = None) -> list[BoardRow]:
    """Open offers the scope sees, most urgent first (big and soon before small and later)."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    qs = offer_list(scope=scope, stage=stage).filter(
        status__in=ACTIVE_STATUSES, stage__in=BOARD_STAGES, window_end__gt=now
    )
    rows = []
    for offer in qs:
        dates = [i.date_value for i in offer.items.all() if i.date_value and i.remaining_g > 0]
        rows.append(
            BoardRow(
                offer=offer,
                urgency=offer_urgency(offer, today=today),
                remaining_g=offer_remaining_g(offer),
                total_g=offer_total_g(offer),
                soonest_date=min(dates) if dates else None,
            )
        )
    rows.sort(key=lambda r: (-r.urgency, r.offer.window_end, r.offer.pk))
    return rows


def offer_place(offer: Offer) -> tuple[Decimal, Decimal]:
    """(latitude, longitude) of where the food is: pickup site, drop-off hub or donor."""
    if offer.pickup_site is not None:
        return offer.pickup_site.latitude, offer.pickup_site.longitude
    municipality = offer.donor.municipality
    return municipality.latitude, municipality.longitude


def offer_map_features(rows: list[BoardRow]) -> dict[str, Any]:
    features = []
    for row in rows:
        lat, lon = offer_place(row.offer)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [float(lon), float(lat)]},
                "properties": {
                    "id": row.offer.pk,
                    "name": row.offer.donor.name,
                    "kind": row.offer.stage,
                    "kind_label": str(row.offer.get_stage_display()),
                    "kg": float(Decimal(row.remaining_g) / 1000),
                    "urgency": float(row.urgency),
                    "is_hub": False,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def home_hub_for(donor: Organisation) -> Organisation | None:
    """The donor's hub; else the hub serving its MRC; else the network's first hub."""
    if donor.hub_id and donor.hub is not None and donor.hub.is_active:
        return donor.hub
    if donor.is_hub:
        return donor
    hubs = Organisation.objects.filter(
        network_id=donor.network_id, kind=OrganisationKind.HUB, is_active=True
    ).order_by("pk")
    return hubs.filter(served_mrcs=donor.mrc_id).first() or hubs.first()


def network_hubs(network_id: int) -> QuerySet[Organisation]:
    return Organisation.objects.filter(
        network_id=network_id, kind=OrganisationKind.HUB, is_active=True
    ).order_by("name")


def network_agencies(network_id: int) -> QuerySet[Organisation]:
    """Organisations of the network with agency staff: they see the open board."""
    return (
        Organisation.objects.filter(
            network_id=network_id, is_active=True, memberships__role=Role.AGENCY_STAFF
        )
        .exclude(kind=OrganisationKind.HUB)
        .distinct()
        .order_by("name")
    )


def stage_recipient_ids(offer: Offer, stage: str) -> list[int]:
    """Organisations to tell when an offer reaches a stage."""
    network_id = offer.home_hub.network_id
    if stage == CascadeStage.HOME_HUB:
        return [offer.home_hub_id]
    if stage == CascadeStage.NETWORK:
        return [h.pk for h in network_hubs(network_id) if h.pk != offer.home_hub_id]
    if stage == CascadeStage.OPEN_BOARD:
        return [a.pk for a in network_agencies(network_id) if a.pk != offer.donor_id]
    return []


def notification_users(organisation_ids: list[int]) -> QuerySet[Any]:
    """Active members (staff roles) with an email address of these organisations."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__organisation_id__in=organisation_ids,
            memberships__role__in=NOTIFIED_ROLES,
        )
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def offer_takers(*, scope: Scope, offer: Offer) -> list[Organisation]:
    """Organisations the user may accept this offer for, at its current stage."""
    if offer.status not in ACTIVE_STATUSES or offer.stage not in BOARD_STAGES:
        return []
    network_id = offer.home_hub.network_id
    admin = scope.is_superuser or network_id in scope.admin_network_ids
    if offer.stage == CascadeStage.HOME_HUB:
        hubs = [offer.home_hub] if admin or offer.home_hub_id in scope.coordinator_hub_ids else []
        return hubs
    hubs = [h for h in network_hubs(network_id) if admin or h.pk in scope.coordinator_hub_ids]
    if offer.stage == CascadeStage.OPEN_BOARD:
        agencies = agency_org_ids(scope)
        hubs += [
            a
            for a in Organisation.objects.filter(
                pk__in=agencies, network_id=network_id, is_active=True
            ).order_by("name")
            if a.pk != offer.donor_id
        ]
    return hubs


def offer_closable(*, scope: Scope, offer: Offer) -> bool:
    """The donor, the home hub's coordinators or the network's administrators may close it."""
    if offer.status not in ACTIVE_STATUSES:
        return False
    return (
        scope.is_superuser
        or offer.home_hub.network_id in scope.admin_network_ids
        or offer.home_hub_id in scope.coordinator_hub_ids
        or offer.donor_id in scope.own_org_ids
    )


def offer_donor_options(*, scope: Scope) -> QuerySet[Organisation]:
    """Organisations the user may declare surplus for: their own (donor roles), and for
    coordinators and administrators the organisations of their territory (a phone call)."""
    q = Q(pk__in=donor_org_ids(scope))
    if scope.is_superuser:
        q = Q()
    else:
        q |= Q(network_id__in=scope.admin_network_ids)
        q |= Q(mrc_id__in=scope.coordinator_mrc_ids, network_id__in=scope.network_ids)
    return (
        Organisation.objects.filter(q, is_active=True)
        .exclude(kind=OrganisationKind.HUB)
        .select_related("network")
        .order_by("name")
    )


def donor_sites(donor_ids: list[int]) -> QuerySet[Site]:
    return (
        Site.objects.filter(organisation_id__in=donor_ids)
        .select_related("organisation")
        .order_by("organisation__name", "-is_primary", "name")
    )


def acceptance_get(*, scope: Scope, pk: int) -> Acceptance | None:
    return (
        Acceptance.objects.filter(offer_scope_q(scope, "offer__"), pk=pk)
        .select_related("offer", "offer__donor", "offer__home_hub", "taker")
        .prefetch_related(
            Prefetch("lines", queryset=AcceptanceLine.objects.select_related("item").order_by("pk"))
        )
        .first()
    )


def acceptances_to_receive(*, scope: Scope) -> QuerySet[Acceptance]:
    """Acceptances of the user's organisations not yet received."""
    takers = scope.coordinator_hub_ids | agency_org_ids(scope)
    q = Q(taker_id__in=takers)
    if scope.is_superuser:
        q = Q()
    elif scope.admin_network_ids:
        q |= Q(taker__network_id__in=scope.admin_network_ids)
    return (
        Acceptance.objects.filter(q, received=False)
        .select_related("offer", "offer__donor", "taker")
        .order_by("at")
    )


def reception_sites(*, scope: Scope, walk_in: bool = False) -> QuerySet[Site]:
    """Sites where the user may record a reception: their hubs' (coordinators), their
    network's hubs' (administrators); agency staff their own sites, for what they took."""
    hub_sites = Q(organisation__kind=OrganisationKind.HUB)
    if scope.is_superuser:
        q = hub_sites if walk_in else Q()
    else:
        q = Q(organisation_id__in=scope.coordinator_hub_ids)
        q |= hub_sites & Q(organisation__network_id__in=scope.admin_network_ids)
        if not walk_in:
            q |= Q(organisation_id__in=agency_org_ids(scope))
    return (
        Site.objects.filter(q, organisation__is_active=True)
        .select_related("organisation")
        .order_by("organisation__name", "-is_primary", "name")
    )


def walk_in_donor_options(*, network_ids: list[int]) -> QuerySet[Organisation]:
    return (
        Organisation.objects.filter(network_id__in=network_ids, is_active=True)
        .exclude(kind=OrganisationKind.HUB)
        .order_by("name")
    )


def storage_locations(*, site_id: int) -> QuerySet[StorageLocation]:
    return StorageLocation.objects.filter(site_id=site_id).order_by("name")


def reception_get(*, scope: Scope, pk: int) -> Reception | None:
    sites = reception_sites(scope=scope).values("pk")
    return (
        Reception.objects.filter(pk=pk, site_id__in=sites)
        .select_related("site", "site__organisation", "donor", "acceptance")
        .prefetch_related(
            Prefetch("items", queryset=ReceptionItem.objects.select_related("lot").order_by("pk"))
        )
        .first()
    )


def refusal_suggestion(
    *, storage_class: str, temperature_c: Decimal | None, packaging_intact: bool
) -> str:
    """Why an item should be refused at reception ('' when nothing is wrong).

    Fridges ≤ 4 °C and freezers ≤ -18 °C (quebec.ca, inventory.selectors.safety_policy);
    dented or opened packages are refused (Moisson Sud-Ouest practice).
    """
    policy = safety_policy()
    cls = SafetyClass(storage_class)
    if not temperature_ok(cls, temperature_c, policy):
        limit = policy.max_temperature_c(cls)
        if temperature_c is None:
            return _("No temperature measured for chilled or frozen food.")
        return _("Temperature above the limit of %(limit)s °C.") % {"limit": limit}
    if not packaging_intact:
        return _("Packaging dented or opened.")
    return ""


def temperature_limits() -> dict[str, float | None]:
    policy = safety_policy()
    return {
        cls.value: (float(v) if (v := policy.max_temperature_c(cls)) is not None else None)
        for cls in SafetyClass
    }
