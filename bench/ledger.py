"""Stock-ledger benchmark on PostgreSQL (DATABASE_URL): 1,000,000 movements over 100,000 lots.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bonnebouffe_bench python bench/ledger.py

Builds the ledger once (migrate, demo network, lots and movements in bulk, consistent
balances) and reuses it on later runs. Then measures, as medians of repeated calls:
- onhand_ms: on hand at a site by food category and storage class;
- fefo_ms: the FEFO pick list of a site for 50 kg of vegetables and fruits;
- recall_ms: the full downstream trace of a lot through 3 levels of transformation;
- receive_ms: one reception end to end (`rescue.services.reception_record` for a walk-in
  donation of three items, one refused: scope check, validation, two lots with their receipt
  and balance locks, the refused lot sent down the valorisation scale),
  in the server process (no HTTP).
Last line: `ledger: onhand_ms=<p50> fefo_ms=<p50> recall_ms=<p50> receive_ms=<p50>`.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from datetime import timedelta
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from bonnebouffe.inventory.models import Balance, Lot, Movement  # noqa: E402
from bonnebouffe.inventory.selectors import onhand_by_category, pick_list_fefo, trace_downstream  # noqa: E402
from bonnebouffe.inventory.services import (  # noqa: E402
    LotSpec,
    TransformationInput,
    lot_receive,
    transformation_record,
)
from bonnebouffe.network.models import Organisation, OrganisationKind  # noqa: E402

LOTS = 100_000
PER_LOT = 10  # 1 receipt + 9 other movements
CHAINS = 200
CATEGORIES = [
    "vegetables_fruits",
    "protein",
    "dairy",
    "whole_grains",
    "bakery",
    "prepared",
    "dry_goods",
]


def p50(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 2)


def build() -> None:
    rng = random.Random(2026)
    call_command("migrate", verbosity=0)
    call_command("demo_generate", "--if-empty", verbosity=0)
    hubs = list(Organisation.objects.filter(kind=OrganisationKind.HUB).prefetch_related("sites"))
    sites = [h.sites.first() for h in hubs]
    agencies = list(
        Organisation.objects.exclude(kind=OrganisationKind.HUB).values_list("pk", flat=True)
    )
    now = timezone.now()
    today = timezone.localdate()
    t0 = time.perf_counter()
    print(f"building {LOTS} lots and {LOTS * PER_LOT} movements…", flush=True)
    batch = 5_000
    for start in range(0, LOTS, batch):
        lots = []
        for i in range(start, min(start + batch, LOTS)):
            h = i % len(hubs)
            lots.append(
                Lot(
                    code=f"B{i:07d}",
                    product_name=f"Produit banc {i % 500}",
                    category=CATEGORIES[i % len(CATEGORIES)],
                    storage_class="ambient",
                    date_kind="best_before",
                    date_value=today + timedelta(days=rng.randint(-30, 200)),
                    hub=hubs[h],
                )
            )
        Lot.objects.bulk_create(lots, batch_size=batch)
        moves, balances = [], []
        for lot in lots:
            h = int(lot.code[1:]) % len(hubs)
            a, b = sites[h], sites[(h + 1) % len(sites)]
            at = now - timedelta(days=rng.randint(1, 365))
            mk = partial(Movement, lot=lot, at=at)
            issue = partial(mk, kind="issue", destination="food")
            moves += [
                mk(kind="receipt", quantity_g=20_000, to_site=a),
                mk(kind="transfer", quantity_g=1_000, from_site=a, to_site=b),
                mk(kind="transfer", quantity_g=1_000, from_site=a, to_site=b),
                mk(kind="transfer", quantity_g=1_000, from_site=a, to_site=b),
                issue(quantity_g=1_000, from_site=a, recipient_id=rng.choice(agencies)),
                issue(quantity_g=1_000, from_site=a, recipient_id=rng.choice(agencies)),
                issue(quantity_g=1_000, from_site=a, recipient_id=rng.choice(agencies)),
                issue(quantity_g=500, from_site=b, recipient_id=rng.choice(agencies)),
                mk(kind="disposal", quantity_g=500, from_site=b, destination="compost", reason="b"),
                mk(kind="loss", quantity_g=100, from_site=a, destination="loss", reason="b"),
            ]
            extra = {"category": lot.category, "storage_class": lot.storage_class}
            balances += [
                Balance(lot=lot, site=a, quantity_g=13_900, **extra),
                Balance(lot=lot, site=b, quantity_g=2_000, **extra),
            ]
        Movement.objects.bulk_create(moves, batch_size=batch)
        Balance.objects.bulk_create(balances, batch_size=batch)
        print(f"  {start + len(lots)} lots", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"built in {time.perf_counter() - t0:.0f} s", flush=True)


def chains() -> list[int]:
    """Lots with 3 levels of transformation below them (built once)."""
    roots = list(
        Lot.objects.filter(product_name="Banc racine 3 niveaux").values_list("pk", flat=True)
    )
    if roots:
        return roots
    hub = Organisation.objects.filter(kind=OrganisationKind.HUB).first()
    assert hub is not None
    site = hub.sites.first()
    today = timezone.localdate()
    for _i in range(CHAINS):
        root = lot_receive(
            spec=LotSpec(
                "Banc racine 3 niveaux",
                "vegetables_fruits",
                "ambient",
                "best_before",
                today + timedelta(days=10),
            ),
            quantity_g=30_000,
            hub=hub,
            site=site,
        )
        current = [root]
        for level in range(3):
            produced = []
            for lot in current:
                _t, outs = transformation_record(
                    site=site,
                    hub=hub,
                    description=f"banc niveau {level}",
                    inputs=[TransformationInput(lot, site, None, 1_000)],
                    outputs=[
                        (
                            LotSpec(
                                f"Banc niveau {level}",
                                "prepared",
                                "frozen",
                                "use_by",
                                today + timedelta(days=60),
                            ),
                            1_500,
                        )
                    ]
                    * 2,
                )
                produced += outs
            current = produced
        roots.append(root.pk)
    return roots


def main() -> None:
    if connection.vendor != "postgresql":
        print("warning: this benchmark is meant for PostgreSQL (set DATABASE_URL)", flush=True)
    call_command("migrate", verbosity=0)
    if Movement.objects.filter(lot__code__startswith="B").count() < LOTS * PER_LOT:
        build()
    roots = chains()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # fresh statistics and visibility map
            cursor.execute("VACUUM ANALYZE inventory_balance")
    total = Movement.objects.count()
    print(f"ledger: {Lot.objects.count()} lots, {total} movements", flush=True)
    hub_sites = list(
        Organisation.objects.filter(kind=OrganisationKind.HUB).values_list("sites", flat=True)
    )
    onhand, fefo, recall, receive = [], [], [], []
    for i in range(50):
        site_id = hub_sites[i % len(hub_sites)]
        t = time.perf_counter()
        onhand_by_category(site_id=site_id)
        onhand.append(time.perf_counter() - t)
        t = time.perf_counter()
        pick_list_fefo(site_id=site_id, category="vegetables_fruits", quantity_g=50_000)
        fefo.append(time.perf_counter() - t)
    for root in roots[:50]:
        t = time.perf_counter()
        trace = trace_downstream([root])
        recall.append(time.perf_counter() - t)
        assert len(trace.lots) == 15, len(trace.lots)
    # One reception end to end: rescue.services.reception_record, as the reception page calls
    # it (scope check, validation of every line, one lot and receipt per accepted item with
    # its balance lock, the refused item as a refused lot sent down the valorisation scale),
    # for a walk-in donation of three items, one refused.
    from decimal import Decimal

    from bonnebouffe.accounts.selectors import Scope
    from bonnebouffe.rescue.services import ReceptionLine, reception_record

    hub = Organisation.objects.filter(kind=OrganisationKind.HUB).first()
    assert hub is not None
    site = hub.sites.first()
    assert site is not None
    donor = Organisation.objects.filter(network_id=hub.network_id, kind="farm").first()
    coordinator = Scope(
        user_id=None,
        roles=frozenset({"hub_coordinator"}),
        network_ids=frozenset({hub.network_id}),
        coordinator_hub_ids=frozenset({hub.pk}),
        coordinator_mrc_ids=frozenset(hub.served_mrcs.values_list("pk", flat=True)),
    )
    soon = timezone.localdate() + timedelta(days=7)
    items = [
        ("Banc yogourt", "dairy", "refrigerated", soon, 9_870, Decimal("3.5"), True),
        ("Banc carottes", "vegetables_fruits", "ambient", None, 18_000, None, True),
        ("Banc poulet", "protein", "frozen", soon, 6_020, Decimal("-9"), False),
    ]
    lines = [
        ReceptionLine(
            product_name=name,
            category=category,
            storage_class=storage,
            date_kind="best_before" if when else "none",
            date_value=when,
            weight_g=grams,
            packaging_intact=True,
            label_present=True,
            accepted=accepted,
            temperature_c=temperature,
            refusal_reason="" if accepted else "Décongelé",
            destination="" if accepted else "animal_feed",
        )
        for name, category, storage, when, grams, temperature, accepted in items
    ]
    for _i in range(50):
        t = time.perf_counter()
        reception_record(scope=coordinator, site=site, lines=lines, donor=donor)
        receive.append(time.perf_counter() - t)
    print(f"onhand p50 {p50(onhand)} ms, p95 {round(sorted(onhand)[47] * 1000, 2)} ms")
    print(
        f"fefo p50 {p50(fefo)} ms, recall p50 {p50(recall)} ms (15 lots, 3 levels), "
        f"receive p50 {p50(receive)} ms"
    )
    print(
        f"ledger: onhand_ms={p50(onhand)} fefo_ms={p50(fefo)} "
        f"recall_ms={p50(recall)} receive_ms={p50(receive)}"
    )


if __name__ == "__main__":
    main()
