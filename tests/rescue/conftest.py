"""Helpers for the rescue tests: emails on the tiny network's users, quick offers."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from bonnebouffe.accounts.selectors import scope_for
from bonnebouffe.network.models import Organisation
from bonnebouffe.network.services import organisation_create, site_save
from bonnebouffe.rescue.models import Offer
from bonnebouffe.rescue.services import OfferItemSpec, offer_create
from bonnebouffe.territory.models import Municipality


def item(
    name: str = "Yogourt",
    *,
    kg: str | None = "10",
    units: int | None = None,
    unit_weight_g: int | None = None,
    days: int | None = 5,
    storage: str = "refrigerated",
    category: str = "dairy",
    date_kind: str = "best_before",
    allergens: tuple[str, ...] = (),
) -> OfferItemSpec:
    return OfferItemSpec(
        product_name=name,
        category=category,
        storage_class=storage,
        date_kind=date_kind if days is not None else "none",
        date_value=timezone.localdate() + timedelta(days=days) if days is not None else None,
        allergens=allergens,
        quantity_kg=Decimal(kg) if kg is not None else None,
        units=units,
        unit_weight_g=unit_weight_g,
    )


@pytest.fixture
def net(tiny_network):  # type: ignore[no-untyped-def]
    """The tiny network with an email address on every staff user."""
    for name, user in tiny_network.users.items():
        user.email = f"{name}@example.org"
        user.save(update_fields=["email"])
    return tiny_network


def make_offer(
    net: Any,
    *items: OfferItemSpec,
    donor: Organisation | None = None,
    user: str = "donor",
    now: datetime | None = None,
    hours: int = 48,
    **kwargs: Any,
) -> Offer:
    now = now or timezone.now()
    donor = donor or net.farm
    kwargs.setdefault("handover", "pickup")
    if kwargs["handover"] == "pickup":
        kwargs.setdefault("pickup_site", donor.sites.get())
    return offer_create(
        scope=scope_for(net.users[user]),
        donor=donor,
        window_start=now,
        window_end=now + timedelta(hours=hours),
        items=list(items) or [item()],
        actor=net.users[user],
        now=now,
        **kwargs,
    )


def grocery_in_chateauguay(net: Any) -> Organisation:
    """A grocery in Roussillon attached to the Roussillon hub."""
    town = Municipality.objects.get(name="Châteauguay")
    org = organisation_create(
        scope=None,
        network=net.network,
        name="Épicerie Châteauguay",
        kind="grocery",
        municipality=town,
        hub=net.hub_roussillon,
    )
    site_save(
        scope=None,
        organisation=org,
        name="Magasin",
        address="5, boul. d'Anjou",
        municipality=town,
        latitude=town.latitude,
        longitude=town.longitude,
        is_primary=True,
        opening_hours=[],
    )
    return org
