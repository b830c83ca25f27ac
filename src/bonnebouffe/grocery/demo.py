"""Demo grocery: the community grocery of Salaberry-de-Valleyfield with its tiers and
catalogue, a partner pickup site, home delivery, a mobile unit touring rural Haut-Saint-Laurent
and Jardins-de-Napierville, order windows, and households holding cards in every tier.

No real person: households are references; the MBM figure is a labelled demo value that an
administrator replaces with the current Statistics Canada table.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from bonnebouffe.households.models import Household
from bonnebouffe.inventory.models import DateKind, FoodCategory, StorageClass
from bonnebouffe.network.models import Network, Organisation, Site
from bonnebouffe.territory.models import Municipality

from .models import (
    MemberCard,
    MobileStop,
    MobileTrip,
    MobileUnit,
    OrderWindow,
    PointKind,
    PointOfSale,
    PriceTier,
    Product,
    ProductSource,
    ProofKind,
)
from .services import card_issue, grocery_setup, product_stock_receive

GROCERY_NAME = "Épicerie solidaire de Valleyfield"
# (name, category, storage, sold by, unit weight g, regular price cents, allergens, source)
PRODUCTS = [
    ("Pommes Cortland", "vegetables_fruits", "ambient", "kg", None, 329, [], "rescued"),
    ("Carottes", "vegetables_fruits", "ambient", "kg", None, 219, [], "rescued"),
    ("Pommes de terre jaunes", "vegetables_fruits", "ambient", "kg", None, 199, [], "rescued"),
    ("Oignons", "vegetables_fruits", "ambient", "kg", None, 249, [], "purchased"),
    ("Brocoli", "vegetables_fruits", "refrigerated", "unit", 450, 299, [], "rescued"),
    ("Laitue romaine", "vegetables_fruits", "refrigerated", "unit", 600, 279, [], "rescued"),
    ("Courge butternut", "vegetables_fruits", "ambient", "kg", None, 259, [], "rescued"),
    ("Bleuets surgelés", "vegetables_fruits", "frozen", "unit", 600, 549, [], "purchased"),
    (
        "Soupe aux légumes (cuisine partagée)",
        "prepared",
        "frozen",
        "unit",
        500,
        450,
        ["wheat_triticale"],
        "transformed",
    ),
    ("Sauce tomate maison", "prepared", "refrigerated", "unit", 750, 399, [], "transformed"),
    ("Lentilles vertes sèches", "protein", "ambient", "unit", 900, 389, [], "purchased"),
    ("Pois chiches en conserve", "protein", "ambient", "unit", 540, 169, [], "purchased"),
    ("Œufs (douzaine)", "protein", "refrigerated", "unit", 700, 449, ["eggs"], "purchased"),
    ("Tofu ferme", "protein", "refrigerated", "unit", 454, 349, ["soy"], "purchased"),
    ("Poitrines de poulet", "protein", "frozen", "kg", None, 1399, [], "rescued"),
    ("Beurre d'arachide naturel", "protein", "ambient", "unit", 500, 499, ["peanuts"], "purchased"),
    ("Lait 2 %", "dairy", "refrigerated", "unit", 2000, 549, ["milk"], "purchased"),
    ("Yogourt nature", "dairy", "refrigerated", "unit", 750, 399, ["milk"], "rescued"),
    ("Fromage cheddar", "dairy", "refrigerated", "unit", 400, 699, ["milk"], "rescued"),
    ("Flocons d'avoine", "whole_grains", "ambient", "unit", 1000, 349, [], "purchased"),
    ("Riz brun", "whole_grains", "ambient", "unit", 2000, 549, [], "purchased"),
    (
        "Pâtes de blé entier",
        "whole_grains",
        "ambient",
        "unit",
        900,
        249,
        ["wheat_triticale"],
        "purchased",
    ),
    (
        "Pain de blé entier",
        "bakery",
        "ambient",
        "unit",
        675,
        349,
        ["wheat_triticale", "sesame"],
        "rescued",
    ),
    ("Bagels", "bakery", "ambient", "unit", 600, 299, ["wheat_triticale", "sesame"], "rescued"),
    ("Tomates en dés (conserve)", "dry_goods", "ambient", "unit", 796, 189, [], "purchased"),
    ("Thon pâle en conserve", "protein", "ambient", "unit", 170, 199, ["fish"], "purchased"),
    ("Jus de pomme", "beverages", "ambient", "unit", 1890, 299, [], "rescued"),
]
# Rural stops of the mobile unit: (municipality, place, weekday, start hour)
MOBILE_STOPS = [
    ("Ormstown", "Stationnement de l'aréna", 1, 10),
    ("Saint-Chrysostome", "Parvis de l'église", 1, 14),
    ("Franklin", "Salle municipale", 3, 10),
    ("Hemmingford (village)", "Centre récréatif", 3, 14),
    ("Sainte-Clotilde", "Bibliothèque", 4, 10),
    ("Saint-Patrice-de-Sherrington", "Hôtel de ville", 4, 14),
]
DEMO_MBM_FAMILY_OF_4_CENTS = 5_200_000
DEMO_MBM_LABEL = "Valeur de démonstration (à remplacer par le tableau 11-10-0066-01)"


def _at(day: datetime, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day.date(), time(hour, minute)))


def _site(org: Organisation, name: str, town: Municipality, address: str) -> Site:
    site, _created = Site.objects.get_or_create(
        organisation=org,
        name=name,
        defaults={
            "address": address,
            "municipality": town,
            "latitude": town.latitude,
            "longitude": town.longitude,
            "storage_ambient_kg": 800,
            "storage_refrigerated_kg": 300,
            "storage_frozen_kg": 150,
        },
    )
    return site


@transaction.atomic
def demo_grocery_generate(
    *, rng: random.Random, network: Network, n_products: int | None = None
) -> dict[str, int]:
    """Create the demo grocery (products: the list above, or `n_products` generated ones)."""
    grocery = Organisation.objects.get(network=network, name=GROCERY_NAME)
    grocery_setup(
        network=network,
        mbm_family_of_4_cents=DEMO_MBM_FAMILY_OF_4_CENTS,
        mbm_label=DEMO_MBM_LABEL,
        funder_name="Fonds régional de solidarité alimentaire (démo)",
    )
    towns = {m.name: m for m in Municipality.objects.all()}
    store_site = grocery.sites.filter(is_primary=True).first() or grocery.sites.first()
    assert store_site is not None
    store = PointOfSale.objects.create(
        grocery=grocery,
        name="Épicerie solidaire — magasin",
        kind=PointKind.STORE,
        stock_site=store_site,
        sale_site=store_site,
        municipality=store_site.municipality,
        address=store_site.address,
    )
    home = PointOfSale.objects.create(
        grocery=grocery,
        name="Livraison à domicile (Beauharnois-Salaberry)",
        kind=PointKind.HOME_DELIVERY,
        stock_site=store_site,
        sale_site=store_site,
        municipality=store_site.municipality,
    )
    partner_org = (
        Organisation.objects.filter(network=network, municipality__name="Beauharnois")
        .exclude(pk=grocery.pk)
        .exclude(kind="hub")
        .order_by("pk")
        .first()
    )
    points = [store, home]
    if partner_org is not None:
        points.append(
            PointOfSale.objects.create(
                grocery=grocery,
                name=f"Point de cueillette — {partner_org.name}",
                kind=PointKind.PARTNER_SITE,
                stock_site=store_site,
                sale_site=store_site,
                municipality=partner_org.municipality,
                address=getattr(partner_org.sites.first(), "address", ""),
            )
        )
    vehicle_site = _site(
        grocery, "Unité mobile (camion-épicerie)", store_site.municipality, store_site.address
    )
    unit = MobileUnit.objects.create(
        grocery=grocery, name="L'Épicerie roulante", site=vehicle_site, home_site=store_site
    )
    stops = []
    for town_name, place, weekday, hour in MOBILE_STOPS:
        town = towns[town_name]
        point = PointOfSale.objects.create(
            grocery=grocery,
            name=f"Unité mobile — {town.name}",
            kind=PointKind.MOBILE_STOP,
            stock_site=store_site,
            sale_site=vehicle_site,
            municipality=town,
            address=place,
        )
        stops.append(
            MobileStop.objects.create(
                unit=unit,
                point=point,
                place_name=place,
                weekday=weekday,
                starts_at=time(hour),
                ends_at=time(hour + 2, 30),
                latitude=town.latitude,
                longitude=town.longitude,
            )
        )

    # Products and their stock, as lots of the ledger at the store's site.
    today = timezone.localdate()
    specs = list(PRODUCTS)
    if n_products is not None and n_products > len(specs):
        base = list(PRODUCTS)
        specs = [
            (f"{b[0]} — format {i // len(base) + 1}", *b[1:])
            for i, b in enumerate(base * (n_products // len(base) + 1))
        ][:n_products]
    products = Product.objects.bulk_create(
        Product(
            network=network,
            sku=f"P{i + 1:05d}",
            name=name,
            category=category,
            storage_class=storage,
            source=source,
            sold_by=sold_by,
            unit_weight_g=unit_g,
            regular_price_cents=price,
            allergens=allergens,
        )
        for i, (name, category, storage, sold_by, unit_g, price, allergens, source) in enumerate(
            specs
        )
    )
    donors = list(Organisation.objects.filter(network=network, kind__in=["farm", "grocery"]))
    stocked = products if n_products is None else products[:: max(len(products) // 300, 1)]
    for product in stocked:
        per_unit = product.unit_weight_g or 1000
        quantity = per_unit * rng.randint(8, 40)
        kind = DateKind.BEST_BEFORE
        if product.storage_class == StorageClass.REFRIGERATED:
            when = today + timedelta(days=rng.randint(3, 12))
        elif product.category == FoodCategory.VEGETABLES_FRUITS:
            when = today + timedelta(days=rng.randint(5, 20))
        else:
            when = today + timedelta(days=rng.randint(30, 300))
        product_stock_receive(
            product=product,
            site=store_site,
            quantity_g=quantity,
            date_kind=kind,
            date_value=when,
            donor=rng.choice(donors)
            if product.source == ProductSource.RESCUED and donors
            else None,
        )

    # Order windows: this week's pickups at every point, open from yesterday until the eve.
    now = timezone.now()
    windows = 0
    for offset in range(1, 8):
        day = now + timedelta(days=offset)
        for point in (store, home, *points[2:]):
            if point.kind == PointKind.STORE or day.weekday() in (2, 5):
                OrderWindow.objects.create(
                    point=point,
                    opens_at=now - timedelta(days=1),
                    closes_at=_at(day - timedelta(days=1), 20),
                    pickup_starts_at=_at(day, 13),
                    pickup_ends_at=_at(day, 18),
                )
                windows += 1
        for stop in stops:
            if stop.weekday == day.weekday():
                OrderWindow.objects.create(
                    point=stop.point,
                    opens_at=now - timedelta(days=1),
                    closes_at=_at(day - timedelta(days=1), 20),
                    pickup_starts_at=_at(day, stop.starts_at.hour),
                    pickup_ends_at=_at(day, stop.ends_at.hour, stop.ends_at.minute),
                )
                MobileTrip.objects.get_or_create(unit=unit, date=day.date())
                windows += 1

    # Households holding a card in every tier (references only).
    tiers = list(PriceTier.objects.filter(network=network).order_by("position"))
    households = list(Household.objects.filter(agency__network=network).order_by("reference")[:40])
    cards = 0
    for i, household in enumerate(households):
        tier = tiers[1] if i == 0 else tiers[i % len(tiers)]
        proof = (
            ProofKind.NONE
            if tier.kind == "regular"
            else rng.choice(
                [ProofKind.SELF_DECLARED, ProofKind.DOCUMENT_SEEN, ProofKind.AGENCY_REFERRAL]
            )
        )
        if tier.kind == "pay_forward":
            proof = ProofKind.SELF_DECLARED
        card = card_issue(household=household, tier=tier, proof_kind=proof, actor=None, today=today)
        if i % 3 == 0:
            MemberCard.objects.filter(pk=card.pk).update(prepaid_cents=rng.choice([2000, 5000]))
        cards += 1
    return {
        "products": len(products),
        "points": len(points) + len(stops),
        "windows": windows,
        "cards": cards,
        "stops": len(stops),
    }


@transaction.atomic
def demo_grocery_reset(*, network: Network) -> None:
    """Remove a network's grocery records (before its lots and sites are removed)."""
    from .models import (
        Funder,
        GroceryPolicy,
        Order,
        ProductLot,
        ProductStock,
        Sale,
        SaleLine,
        SaleLineLot,
        SubsidyEntry,
    )

    SubsidyEntry.objects.filter(network=network).delete()
    SaleLineLot.objects.filter(line__sale__point__grocery__network=network).delete()
    SaleLine.objects.filter(sale__point__grocery__network=network).delete()
    Sale.objects.filter(point__grocery__network=network).delete()
    Order.objects.filter(window__point__grocery__network=network).delete()
    OrderWindow.objects.filter(point__grocery__network=network).delete()
    MobileTrip.objects.filter(unit__grocery__network=network).delete()
    MobileStop.objects.filter(unit__grocery__network=network).delete()
    MobileUnit.objects.filter(grocery__network=network).delete()
    PointOfSale.objects.filter(grocery__network=network).delete()
    ProductStock.objects.filter(product__network=network).delete()
    ProductLot.objects.filter(product__network=network).delete()
    Product.objects.filter(network=network).delete()
    MemberCard.objects.filter(tier__network=network).delete()
    PriceTier.objects.filter(network=network).delete()
    Funder.objects.filter(network=network).delete()
    GroceryPolicy.objects.filter(network=network).delete()
