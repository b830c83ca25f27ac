"""A tiny grocery: one store with stock, a mobile stop, tiers, a household with a card."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta

import pytest
from django.utils import timezone

from bonnebouffe.accounts.models import Role
from bonnebouffe.accounts.services import membership_create, user_create
from bonnebouffe.grocery.models import (
    MemberCard,
    MobileStop,
    MobileTrip,
    MobileUnit,
    OrderWindow,
    PointKind,
    PointOfSale,
    PriceTier,
    Product,
    ProofKind,
)
from bonnebouffe.grocery.services import card_issue, grocery_setup, product_stock_receive
from bonnebouffe.households.models import Household
from bonnebouffe.network.models import OrganisationKind, Site
from bonnebouffe.network.services import organisation_create


@dataclass
class TinyGrocery:
    tn: object
    store: PointOfSale
    stop: MobileStop
    unit: MobileUnit
    window: OrderWindow
    stop_window: OrderWindow
    trip: MobileTrip
    apples: Product
    milk: Product
    tiers: dict[str, PriceTier]
    household: Household
    card: MemberCard
    staff: object


@pytest.fixture
def tiny_grocery(tiny_network) -> TinyGrocery:  # type: ignore[no-untyped-def]
    tn = tiny_network
    network = tn.network
    grocery_setup(
        network=network, mbm_family_of_4_cents=5_000_000, mbm_label="test", funder_name="Fonds"
    )
    tiers = {t.code: t for t in PriceTier.objects.filter(network=network)}
    town = tn.hub_roussillon.municipality
    org = organisation_create(
        scope=None,
        network=network,
        name="Épicerie test",
        kind=OrganisationKind.SOCIAL_ECONOMY,
        municipality=town,
        hub=tn.hub_roussillon,
    )
    site = Site.objects.create(
        organisation=org,
        name="Magasin",
        address="2, rue Test",
        municipality=town,
        latitude=town.latitude,
        longitude=town.longitude,
        storage_ambient_kg=500,
        is_primary=True,
    )
    truck = Site.objects.create(
        organisation=org,
        name="Camion",
        address="2, rue Test",
        municipality=town,
        latitude=town.latitude,
        longitude=town.longitude,
    )
    store = PointOfSale.objects.create(
        grocery=org,
        name="Magasin",
        kind=PointKind.STORE,
        stock_site=site,
        sale_site=site,
        municipality=town,
    )
    unit = MobileUnit.objects.create(grocery=org, name="Camion", site=truck, home_site=site)
    tomorrow = timezone.localdate() + timedelta(days=1)
    stop_point = PointOfSale.objects.create(
        grocery=org,
        name="Arrêt Huntingdon",
        kind=PointKind.MOBILE_STOP,
        stock_site=site,
        sale_site=truck,
        municipality=tn.hub_hsl.municipality,
    )
    stop = MobileStop.objects.create(
        unit=unit,
        point=stop_point,
        place_name="Aréna",
        weekday=tomorrow.weekday(),
        starts_at=time(10),
        ends_at=time(12),
        latitude=town.latitude,
        longitude=town.longitude,
    )
    now = timezone.now()

    def window(point: PointOfSale) -> OrderWindow:
        return OrderWindow.objects.create(
            point=point,
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(hours=5),
            pickup_starts_at=timezone.make_aware(timezone.datetime.combine(tomorrow, time(10))),
            pickup_ends_at=timezone.make_aware(timezone.datetime.combine(tomorrow, time(12))),
        )

    apples = Product.objects.create(
        network=network,
        sku="A1",
        name="Pommes",
        category="vegetables_fruits",
        storage_class="ambient",
        source="rescued",
        sold_by="kg",
        regular_price_cents=300,
    )
    milk = Product.objects.create(
        network=network,
        sku="M1",
        name="Lait",
        category="dairy",
        storage_class="refrigerated",
        source="purchased",
        sold_by="unit",
        unit_weight_g=2000,
        regular_price_cents=500,
        allergens=["milk"],
    )
    product_stock_receive(
        product=apples,
        site=site,
        quantity_g=20_000,
        date_kind="best_before",
        date_value=tomorrow + timedelta(days=10),
    )
    product_stock_receive(
        product=milk,
        site=site,
        quantity_g=2000 * 50,
        date_kind="best_before",
        date_value=tomorrow + timedelta(days=5),
    )
    household = Household.objects.create(
        agency=org,
        reference="G-0001",
        size=3,
        municipality=town,
        email="g1@example.org",
    )
    card = card_issue(
        household=household,
        tier=tiers["privilege"],
        proof_kind=ProofKind.DOCUMENT_SEEN,
        actor=None,
    )
    staff = user_create(username="caisse", password="not-used-here-123")
    membership_create(user=staff, organisation_id=org.pk, role=Role.GROCERY_STAFF)
    hh_user = user_create(username="menage_g", password="not-used-here-123")
    membership_create(user=hh_user, organisation_id=org.pk, role=Role.HOUSEHOLD)
    Household.objects.filter(pk=household.pk).update(user=hh_user)
    household.refresh_from_db()
    tn.users["caisse"] = staff
    tn.users["menage_g"] = hh_user
    trip = MobileTrip.objects.create(unit=unit, date=tomorrow)
    return TinyGrocery(
        tn=tn,
        store=store,
        stop=stop,
        unit=unit,
        window=window(store),
        stop_window=window(stop_point),
        trip=trip,
        apples=apples,
        milk=milk,
        tiers=tiers,
        household=household,
        card=card,
        staff=staff,
    )
