"""Cold-chain scenario: a walk-in cooler at the Roussillon hub, a freezer at the HSL hub,
a fridge at an agency, storage locations that follow them, and lots stored in them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone, translation

import bonnebouffe.coldchain.tasks  # noqa: F401  (registers the job runners, as AppConfig.ready would)
from bonnebouffe.coldchain.models import ColdUnit
from bonnebouffe.coldchain.services import unit_create
from bonnebouffe.inventory.models import Lot, StorageLocation
from bonnebouffe.inventory.services import LotSpec, lot_receive, movement_record
from bonnebouffe.network.models import Site


def spec(name: str = "Yogourt", cls: str = "refrigerated") -> LotSpec:
    return LotSpec(
        product_name=name,
        category="dairy",
        storage_class=cls,
        date_kind="best_before",
        date_value=timezone.localdate() + timedelta(days=10),
    )


def french(msgid: str) -> str:
    """The French of a message, checked to differ from the English."""
    with translation.override("fr-ca"):
        text = translation.gettext(msgid)
    assert text != msgid
    return text


@dataclass
class Cold:
    site_r: Site
    site_h: Site
    cooler: ColdUnit  # Roussillon hub, refrigerated
    freezer: ColdUnit  # HSL hub, frozen
    agency_fridge: ColdUnit  # Comptoir Châteauguay (Roussillon), refrigerated
    loc_cooler: StorageLocation
    loc_shelf: StorageLocation
    loc_freezer: StorageLocation
    lot_in_cooler: Lot
    lot_split: Lot  # half in the cooler, half on an ambient shelf
    lot_on_shelf: Lot  # never in the cooler
    lot_in_freezer: Lot


@pytest.fixture
def cold(tiny_network) -> Cold:  # type: ignore[no-untyped-def]
    t = tiny_network
    site_r = t.hub_roussillon.sites.get()
    site_h = t.hub_hsl.sites.get()
    cooler = unit_create(
        scope=None, site=site_r, name="Chambre froide", kind="fridge", storage_class="refrigerated"
    )
    freezer = unit_create(
        scope=None, site=site_h, name="Congélateur 1", kind="freezer", storage_class="frozen"
    )
    agency_fridge = unit_create(
        scope=None,
        site=t.agency_chateauguay.sites.get(),
        name="Frigo du comptoir",
        kind="fridge",
        storage_class="refrigerated",
    )
    loc_cooler = StorageLocation.objects.create(
        site=site_r, name="Chambre froide", storage_class="refrigerated", cold_unit=cooler
    )
    loc_shelf = StorageLocation.objects.create(
        site=site_r, name="Étagère A", storage_class="ambient"
    )
    loc_freezer = StorageLocation.objects.create(
        site=site_h, name="Congélateur", storage_class="frozen", cold_unit=freezer
    )

    def receive(name: str, grams: int, location: StorageLocation, cls: str) -> Lot:
        return lot_receive(
            spec=spec(name, cls),
            quantity_g=grams,
            hub=location.site.organisation,
            site=location.site,
            location=location,
        )

    lot_split = receive("Fromage", 4_000, loc_cooler, "refrigerated")
    movement_record(
        lot=lot_split,
        kind="transfer",
        quantity_g=1_500,
        from_site=site_r,
        from_location=loc_cooler,
        to_site=site_r,
        to_location=loc_shelf,
    )
    return Cold(
        site_r=site_r,
        site_h=site_h,
        cooler=cooler,
        freezer=freezer,
        agency_fridge=agency_fridge,
        loc_cooler=loc_cooler,
        loc_shelf=loc_shelf,
        loc_freezer=loc_freezer,
        lot_in_cooler=receive("Yogourt", 12_000, loc_cooler, "refrigerated"),
        lot_split=lot_split,
        lot_on_shelf=receive("Pâtes", 9_000, loc_shelf, "ambient"),
        lot_in_freezer=receive("Pois surgelés", 5_000, loc_freezer, "frozen"),
    )
