"""Demo stock for the food-rescue story: weeks of offers, receptions, stock, temperatures and
disposals across the hubs, built with the ledger, rescue and cold-chain services.

Historic offers are written as rows (their notifications would be weeks old); receptions,
stock movements, disposals and today's open offers go through the same services as the app.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from bonnebouffe.accounts.selectors import Scope
from bonnebouffe.coldchain.models import ColdUnit, ReadingSource, TemperatureReading, UnitKind
from bonnebouffe.coldchain.services import excursion_review, reading_record
from bonnebouffe.inventory.errors import LedgerError
from bonnebouffe.inventory.ledger_guard import ledger_purge
from bonnebouffe.inventory.models import Balance, StorageLocation
from bonnebouffe.inventory.services import lot_dispose, movement_record
from bonnebouffe.network.models import Organisation, OrganisationKind, Site
from bonnebouffe.rescue.models import (
    Acceptance,
    AcceptanceLine,
    CascadeStage,
    Handover,
    Offer,
    OfferItem,
    OfferStatus,
)
from bonnebouffe.rescue.services import OfferItemSpec, ReceptionLine, offer_create, reception_record

SYSTEM = Scope(user_id=None, is_superuser=True)

# (product, category, storage class, date kind, shelf life in days, typical kg, unit weight g)
PRODUCTS = [
    ("Carottes", "vegetables_fruits", "ambient", "best_before", 21, 40, None),
    ("Pommes Cortland", "vegetables_fruits", "ambient", "best_before", 30, 60, None),
    ("Laitue romaine", "vegetables_fruits", "refrigerated", "best_before", 6, 15, 450),
    ("Courges musquées", "vegetables_fruits", "ambient", "best_before", 45, 80, None),
    ("Pain de blé entier", "whole_grains", "ambient", "best_before", 4, 20, 675),
    ("Bagels", "bakery", "ambient", "best_before", 3, 10, 85),
    ("Yogourt nature", "dairy", "refrigerated", "best_before", 12, 25, 750),
    ("Lait 2 %", "dairy", "refrigerated", "best_before", 9, 30, 2000),
    ("Poulet entier congelé", "protein", "frozen", "best_before", 180, 35, 1800),
    ("Œufs (douzaine)", "protein", "refrigerated", "best_before", 25, 12, 700),
    ("Lentilles sèches", "dry_goods", "ambient", "best_before", 365, 25, 900),
    ("Soupe aux légumes préparée", "prepared", "refrigerated", "packaged_on", 0, 12, 1000),
    ("Repas surgelés", "prepared", "frozen", "best_before", 90, 18, 400),
    ("Préparation pour nourrissons", "infant", "ambient", "use_by", 120, 4, 900),
]
ALLERGENS = {
    "Pain de blé entier": ["wheat_triticale"],
    "Bagels": ["wheat_triticale", "sesame"],
    "Yogourt nature": ["milk"],
    "Lait 2 %": ["milk"],
    "Œufs (douzaine)": ["eggs"],
    "Préparation pour nourrissons": ["milk", "soy"],
    "Soupe aux légumes préparée": ["mustard"],
}


@dataclass
class StockSummary:
    offers: int = 0
    receptions: int = 0
    lots: int = 0
    readings: int = 0


def _at(day: datetime, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day.date(), time(hour, minute)))


@dataclass
class HubSetup:
    site: Site
    units: dict[str, ColdUnit]
    locations: dict[str, StorageLocation]


def _hub_setup(hub: Organisation) -> HubSetup:
    site = hub.sites.get()
    units = {
        "fridge": ColdUnit.objects.create(
            site=site, name="Chambre froide", kind=UnitKind.FRIDGE, storage_class="refrigerated"
        ),
        "freezer": ColdUnit.objects.create(
            site=site, name="Congélateur 1", kind=UnitKind.FREEZER, storage_class="frozen"
        ),
        "truck": ColdUnit.objects.create(
            site=site, name="Camion réfrigéré", kind=UnitKind.TRUCK, storage_class="refrigerated"
        ),
    }
    locations = {
        "ambient": StorageLocation.objects.create(
            site=site, name="Étagères sèches", storage_class="ambient"
        ),
        "refrigerated": StorageLocation.objects.create(
            site=site,
            name="Chambre froide",
            storage_class="refrigerated",
            cold_unit=units["fridge"],
        ),
        "frozen": StorageLocation.objects.create(
            site=site, name="Congélateur 1", storage_class="frozen", cold_unit=units["freezer"]
        ),
    }
    return HubSetup(site=site, units=units, locations=locations)


def demo_stock_generate(*, rng: random.Random, weeks: int = 4) -> StockSummary:
    """Weeks of rescue activity at every hub of the demo network, ending today."""
    summary = StockSummary()
    hubs = list(Organisation.objects.filter(kind=OrganisationKind.HUB).order_by("pk"))
    donors_by_hub: dict[int, list[Organisation]] = {}
    for donor in Organisation.objects.filter(
        kind__in=[
            OrganisationKind.FARM,
            OrganisationKind.GROCERY,
            OrganisationKind.RESTAURANT,
            OrganisationKind.LOCAL_SHOP,
            OrganisationKind.SCHOOL,
        ],
        hub__isnull=False,
    ).prefetch_related("sites"):
        donors_by_hub.setdefault(donor.hub_id, []).append(donor)  # type: ignore[arg-type]
    agencies_by_hub: dict[int, list[Organisation]] = {}
    for agency in Organisation.objects.filter(hub__isnull=False).exclude(
        kind__in=[OrganisationKind.FARM, OrganisationKind.GROCERY, OrganisationKind.RESTAURANT]
    ):
        agencies_by_hub.setdefault(agency.hub_id, []).append(agency)  # type: ignore[arg-type]
    now = timezone.now()
    today = timezone.localdate()
    for hub in hubs:
        if hub.pk not in donors_by_hub:
            continue
        setup = _hub_setup(hub)
        site, units, locations = setup.site, setup.units, setup.locations
        readings = []
        for back in range(weeks * 7, 0, -1):
            day = now - timedelta(days=back)
            for unit in units.values():
                limit = Decimal("4") if unit.storage_class == "refrigerated" else Decimal("-18")
                value = limit - Decimal(rng.randint(5, 30)) / 10
                readings.append(
                    TemperatureReading(
                        unit=unit,
                        at=_at(day, 7, 45),
                        temperature_c=value,
                        source=ReadingSource.MANUAL,
                        within_limit=True,
                    )
                )
        TemperatureReading.objects.bulk_create(readings)
        summary.readings += len(readings)
        for back in range(weeks * 7, 0, -1):
            day = now - timedelta(days=back)
            if day.weekday() >= 5:
                continue
            for _n in range(rng.choice([1, 2, 2, 3])):
                donor = rng.choice(donors_by_hub[hub.pk])
                chosen = rng.sample(PRODUCTS, k=rng.choice([1, 2, 3]))
                offer = Offer.objects.create(
                    donor=donor,
                    handover=Handover.PICKUP,
                    pickup_site=donor.sites.first(),
                    window_start=_at(day, 9),
                    window_end=_at(day, 15),
                    home_hub=hub,
                    status=OfferStatus.RECEIVED,
                    stage=CascadeStage.DONE,
                )
                Offer.objects.filter(pk=offer.pk).update(created_at=_at(day, 8))
                acceptance = Acceptance.objects.create(offer=offer, taker=hub)
                lines = []
                for name, category, cls, date_kind, life, typical_kg, unit_g in chosen:
                    qty_g = int(typical_kg * 1000 * rng.uniform(0.5, 1.5))
                    date_value = (
                        (day.date() + timedelta(days=life))
                        if life or date_kind == "packaged_on"
                        else None
                    )
                    item = OfferItem.objects.create(
                        offer=offer,
                        product_name=name,
                        category=category,
                        quantity_g=qty_g,
                        unit_weight_g=unit_g,
                        storage_class=cls,
                        date_kind=date_kind,
                        date_value=date_value,
                        allergens=ALLERGENS.get(name, []),
                        accepted_g=qty_g,
                    )
                    AcceptanceLine.objects.create(
                        acceptance=acceptance, item=item, quantity_g=qty_g
                    )
                    warm = cls != "ambient" and rng.random() < 0.06
                    damaged = rng.random() < 0.04
                    class_limit = {"refrigerated": Decimal("4"), "frozen": Decimal("-18")}.get(cls)
                    temperature = (
                        None
                        if class_limit is None
                        else (
                            class_limit + Decimal("3.5") if warm else class_limit - Decimal("1.5")
                        )
                    )
                    accepted = not (warm or damaged)
                    lines.append(
                        ReceptionLine(
                            product_name=name,
                            category=category,
                            storage_class=cls,
                            date_kind=date_kind,
                            date_value=date_value,
                            weight_g=int(qty_g * rng.uniform(0.95, 1.02)),
                            packaging_intact=not damaged,
                            label_present=True,
                            accepted=accepted,
                            temperature_c=temperature,
                            allergens=ALLERGENS.get(name, []),
                            unit_weight_g=unit_g,
                            refusal_reason=""
                            if accepted
                            else (
                                "Température trop élevée à l'arrivée"
                                if warm
                                else "Emballage endommagé"
                            ),
                            destination="" if accepted else rng.choice(["compost", "animal_feed"]),
                            location_id=locations[cls].pk if accepted else None,
                            offer_item_id=item.pk,
                        )
                    )
                reception = reception_record(
                    scope=SYSTEM,
                    site=site,
                    lines=lines,
                    acceptance=acceptance,
                    at=_at(day, 11, rng.randint(0, 59)),
                )
                summary.offers += 1
                summary.receptions += 1
                summary.lots += reception.items.count()
            # Deliveries to agencies (FEFO through the day), and food that spoiled.
            balances = list(
                Balance.objects.filter(site=site, quantity_g__gt=0)
                .select_related("lot", "location")
                .order_by("lot__date_value")
            )
            for balance in balances[: rng.randint(6, 12)]:
                lot = balance.lot
                try:
                    if (
                        lot.date_value
                        and lot.date_value < day.date()
                        and lot.date_kind != "best_before"
                    ):
                        lot_dispose(
                            lot=lot,
                            site=site,
                            location=balance.location,
                            quantity_g=balance.quantity_g,
                            destination=rng.choice(["compost", "animal_feed"]),
                            reason="Date dépassée",
                            at=_at(day, 16),
                        )
                    else:
                        share = max(1, int(balance.quantity_g * rng.uniform(0.5, 1.0)))
                        movement_record(
                            lot=lot,
                            kind="issue",
                            quantity_g=share,
                            from_site=site,
                            from_location=balance.location,
                            recipient=rng.choice(agencies_by_hub[hub.pk]),
                            at=_at(day, 14),
                        )
                except LedgerError:
                    continue
    # One excursion today at the first hub's fridge, still under review, and one reviewed.
    first = ColdUnit.objects.filter(kind=UnitKind.FRIDGE).order_by("pk").first()
    if first is not None:
        old = reading_record(
            unit=first,
            temperature_c=Decimal("7.5"),
            source=ReadingSource.MANUAL,
            actor=None,
            at=now - timedelta(days=3, hours=2),
        )
        excursion = old.excursion
        excursion_review(
            excursion=excursion,
            decision="release",
            notes="Porte mal fermée 20 minutes; produits vérifiés.",
            actor=None,
        )
        reading_record(
            unit=first,
            temperature_c=Decimal("6.8"),
            source=ReadingSource.MANUAL,
            actor=None,
            at=now - timedelta(minutes=30),
        )
    # Today's open offers, through the real service (the hubs are notified).
    for hub in hubs[:5]:
        donors = donors_by_hub.get(hub.pk)
        if not donors:
            continue
        donor = rng.choice(donors)
        name, category, cls, date_kind, life, typical_kg, unit_g = rng.choice(PRODUCTS[:8])
        offer_create(
            scope=SYSTEM,
            donor=donor,
            handover=Handover.PICKUP,
            pickup_site=donor.sites.first(),
            window_start=now + timedelta(hours=2),
            window_end=now + timedelta(hours=26),
            items=[
                OfferItemSpec(
                    product_name=name,
                    category=category,
                    storage_class=cls,
                    date_kind=date_kind,
                    date_value=today + timedelta(days=max(life, 2)),
                    allergens=ALLERGENS.get(name, []),
                    quantity_kg=Decimal(typical_kg),
                )
            ],
            notes="Offre de démonstration",
        )
        summary.offers += 1
    return summary


def demo_stock_reset(organisations: QuerySet[Organisation]) -> None:
    """Delete the demo's rescue, stock and cold-chain rows (the ledger is append-only in the
    app and in the database; only the demo generator removes it, to start over)."""
    from bonnebouffe.allocation.models import (
        AgencyNeed,
        AllocationPolicy,
        AllocationRun,
        BoxAssembly,
        BoxComposition,
    )
    from bonnebouffe.coldchain.models import Excursion
    from bonnebouffe.core.models import Notification
    from bonnebouffe.inventory.models import (
        Lot,
        Movement,
        StockCount,
        StockCountLine,
        Transformation,
    )
    from bonnebouffe.logistics.models import DeliveryRequest, Driver, RoutePlan, Shift, Vehicle
    from bonnebouffe.rescue.models import Reception, ReceptionItem

    Notification.objects.filter(organisation__in=organisations).delete()
    RoutePlan.objects.filter(network__organisations__in=organisations).distinct().delete()
    DeliveryRequest.objects.filter(hub__in=organisations).delete()
    Shift.objects.filter(vehicle__hub__in=organisations).delete()
    Vehicle.objects.filter(hub__in=organisations).delete()
    Driver.objects.filter(hub__in=organisations).delete()
    AllocationRun.objects.filter(network__organisations__in=organisations).distinct().delete()
    BoxAssembly.objects.filter(site__organisation__in=organisations).delete()
    BoxComposition.objects.filter(network__organisations__in=organisations).distinct().delete()
    AgencyNeed.objects.filter(agency__in=organisations).delete()
    AllocationPolicy.objects.filter(network__organisations__in=organisations).delete()
    ReceptionItem.objects.filter(reception__site__organisation__in=organisations).delete()
    Reception.objects.filter(site__organisation__in=organisations).delete()
    AcceptanceLine.objects.filter(acceptance__taker__in=organisations).delete()
    Acceptance.objects.filter(taker__in=organisations).delete()
    OfferItem.objects.filter(offer__donor__in=organisations).delete()
    Offer.objects.filter(donor__in=organisations).delete()
    lots = Lot.objects.filter(hub__in=organisations)
    StockCountLine.objects.filter(lot__in=lots).delete()
    StockCount.objects.filter(site__organisation__in=organisations).delete()
    Balance.objects.filter(lot__in=lots).delete()
    with ledger_purge():  # the database refuses it otherwise (inventory.ledger_guard)
        Movement.objects.filter(lot__in=lots).delete()
    Excursion.objects.filter(unit__site__organisation__in=organisations).delete()
    lots.filter(source_transformation__isnull=False).update(source_transformation=None)
    Transformation.objects.filter(site__organisation__in=organisations).delete()
    lots.delete()
    StorageLocation.objects.filter(site__organisation__in=organisations).delete()
    ColdUnit.objects.filter(site__organisation__in=organisations).delete()
