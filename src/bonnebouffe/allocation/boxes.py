"""Portioned boxes: standard compositions, assembled from lots into box lots.

Assembling N boxes at a hub site takes, for every line of the composition, N x grams of
distributable lots of that category, first expired first out, and records one inventory
transformation: TRANSFORM_IN of each input, TRANSFORM_OUT of one box lot of N x the box
weight. The box lot is an ordinary lot (with a unit weight of one box), so the allocation
runs pick it up like any product and split it in whole boxes; the trace upstream of the box
lot lists its inputs.

What the box lot inherits (docs/allocation.md, "Portioned boxes"):
* category: the line with the most grams (ties: the order of `FoodCategory`); the engine
  groups supply by category for the fair shares, and a box counts where most of it belongs;
* allergens: the union of the inputs' allergens (Health Canada priority allergens: a box may
  contain anything any input contains);
* date: the strictest kind among the inputs (use-by, then best-before, then packaging date,
  then none) and the earliest date of that kind, so the box never outlives a use-by date.

Reads and writes of boxes live here together (a small topic; the app's layered modules are
shared with the pooling mode).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bonnebouffe.accounts.selectors import Scope
from bonnebouffe.inventory.errors import LedgerError
from bonnebouffe.inventory.models import DateKind, FoodCategory, Lot, StorageClass
from bonnebouffe.inventory.selectors import pick_list_fefo
from bonnebouffe.inventory.services import LotSpec, TransformationInput, transformation_record
from bonnebouffe.network.models import Network, Organisation, OrganisationKind, Site

from .errors import AllocationFailed
from .models import BoxAssembly, BoxComposition, BoxCompositionLine
from .selectors import reserved_g

MAX_BOXES = 1_000
# Food that may go into a box kept in each storage class: ambient food may be kept cold, but
# refrigerated food never goes into an ambient box, and nothing is frozen by assembling.
INPUT_CLASSES = {
    StorageClass.AMBIENT: {StorageClass.AMBIENT},
    StorageClass.REFRIGERATED: {StorageClass.AMBIENT, StorageClass.REFRIGERATED},
    StorageClass.FROZEN: {StorageClass.FROZEN},
}
# Strictest first: a use-by date is a safety limit, a best-before date only a quality one.
DATE_STRICTNESS = (
    DateKind.USE_BY,
    DateKind.BEST_BEFORE,
    DateKind.PACKAGED_ON,
    DateKind.NONE,
)


# ---------------------------------------------------------------- reads


def box_can_manage(scope: Scope) -> bool:
    """Hub coordinators and network administrators."""
    return scope.is_admin or bool(scope.coordinator_hub_ids)


def box_networks(scope: Scope) -> QuerySet[Network]:
    qs = Network.objects.all()
    if scope.is_superuser:
        return qs
    ids = set(scope.admin_network_ids) | set(
        Organisation.objects.filter(pk__in=scope.coordinator_hub_ids).values_list(
            "network_id", flat=True
        )
    )
    return qs.filter(pk__in=ids)


def box_composition_list(*, scope: Scope) -> QuerySet[BoxComposition]:
    return (
        BoxComposition.objects.filter(network__in=box_networks(scope))
        .select_related("network")
        .prefetch_related(Prefetch("lines", queryset=BoxCompositionLine.objects.all()))
    )


def box_sites(scope: Scope) -> QuerySet[Site]:
    """Hub sites where the scope may assemble boxes."""
    qs = Site.objects.filter(
        organisation__kind=OrganisationKind.HUB, organisation__is_active=True
    ).select_related("organisation")
    if scope.is_superuser:
        return qs.order_by("organisation__name", "name")
    q = Q(organisation__network_id__in=scope.admin_network_ids) | Q(
        organisation_id__in=scope.coordinator_hub_ids
    )
    return qs.filter(q).order_by("organisation__name", "name")


def box_assembly_list(*, scope: Scope) -> QuerySet[BoxAssembly]:
    return BoxAssembly.objects.filter(site__in=box_sites(scope)).select_related(
        "composition", "site", "site__organisation", "box_lot"
    )


def box_assembly_get(*, scope: Scope, pk: int) -> BoxAssembly | None:
    return box_assembly_list(scope=scope).filter(pk=pk).first()


# ---------------------------------------------------------------- writes


@transaction.atomic
def box_composition_create(
    *,
    scope: Scope,
    network: Network,
    name: str,
    description: str = "",
    storage_class: str = StorageClass.AMBIENT,
    lines: dict[str, int],
) -> BoxComposition:
    """Create a composition; `lines` maps food categories to grams per box (zeros dropped).

    Raises PermissionDenied, AllocationFailed (translated).
    """
    if not box_can_manage(scope) or not box_networks(scope).filter(pk=network.pk).exists():
        raise PermissionDenied
    grams = {c: int(q) for c, q in lines.items() if q}
    known = {c.value for c in FoodCategory}
    if any(c not in known for c in grams):
        raise AllocationFailed(_("Unknown food category."))
    if not grams:
        raise AllocationFailed(_("A box needs at least one food category."))
    if BoxComposition.objects.filter(network=network, name=name.strip()).exists():
        raise AllocationFailed(_("A box with this name already exists."))
    composition = BoxComposition(
        network=network,
        name=name.strip(),
        description=description.strip(),
        storage_class=storage_class,
    )
    try:
        composition.full_clean()
        built = [
            BoxCompositionLine(composition=composition, category=c, quantity_g=q)
            for c, q in sorted(grams.items())
        ]
        for line in built:
            line.full_clean(exclude=["composition"])
    except ValidationError as exc:
        raise AllocationFailed(_("The box is not valid."), [str(m) for m in exc.messages]) from None
    composition.save()
    BoxCompositionLine.objects.bulk_create(built)
    return composition


@dataclass(frozen=True)
class Shortfall:
    category: str
    needed_g: int
    available_g: int


def _dominant_category(lines: list[BoxCompositionLine]) -> str:
    order = {c.value: i for i, c in enumerate(FoodCategory)}
    return min(lines, key=lambda line: (-line.quantity_g, order[line.category])).category


def _box_date(inputs: list[Lot]) -> tuple[str, date | None]:
    for kind in DATE_STRICTNESS:
        dated = [lot for lot in inputs if lot.date_kind == kind]
        if dated:
            days = [lot.date_value for lot in dated if lot.date_value is not None]
            return kind, min(days) if days else None
    return DateKind.NONE, None


def _picks(
    *, site: Site, line: BoxCompositionLine, needed_g: int, classes: set[StorageClass], on: date
) -> tuple[list[tuple[int, int | None, int]], int]:
    """(lot, location, grams) to take for one line, FEFO, and the grams available in all."""
    rows = [
        p
        for p in pick_list_fefo(site_id=site.pk, category=line.category, on=on, limit=500)
        if p.available_g > 0
    ]
    lots = {
        lot.pk: lot
        for lot in Lot.objects.filter(pk__in=[p.lot_id for p in rows]).only("storage_class")
    }
    rows = [p for p in rows if lots[p.lot_id].storage_class in classes]
    # Stock promised to agencies by published runs is not free for boxes.
    held = reserved_g([(p.lot_id, site.pk, p.location_id) for p in rows])
    taken: list[tuple[int, int | None, int]] = []
    available = 0
    remaining = needed_g
    for p in rows:
        free = p.available_g - held.get((p.lot_id, site.pk, p.location_id), 0)
        if free <= 0:
            continue
        available += free
        if remaining > 0:
            take = min(free, remaining)
            taken.append((p.lot_id, p.location_id, take))
            remaining -= take
    return taken, available


@transaction.atomic
def box_assemble(
    *, composition: BoxComposition, site: Site, count: int, actor: Any, scope: Scope | None = None
) -> BoxAssembly:
    """Assemble `count` boxes at a hub site: all lines covered, or nothing is consumed.

    Raises PermissionDenied (scope given and not allowed here), AllocationFailed (translated;
    details list each category short of stock).
    """
    if scope is not None and not box_sites(scope).filter(pk=site.pk).exists():
        raise PermissionDenied
    if site.organisation.kind != OrganisationKind.HUB:
        raise AllocationFailed(_("Boxes are assembled at a hub site."))
    if site.organisation.network_id != composition.network_id:
        raise AllocationFailed(_("This box belongs to another network."))
    if not composition.is_active:
        raise AllocationFailed(_("This box is no longer in use."))
    if not isinstance(count, int) or not 1 <= count <= MAX_BOXES:
        raise AllocationFailed(
            _("The number of boxes must be between 1 and %(max)s.") % {"max": MAX_BOXES}
        )
    lines = list(composition.lines.all())
    if not lines:
        raise AllocationFailed(_("A box needs at least one food category."))
    today = timezone.localdate()
    classes = INPUT_CLASSES[StorageClass(composition.storage_class)]
    takes: dict[tuple[int, int | None], int] = defaultdict(int)
    short: list[Shortfall] = []
    for line in lines:
        needed = line.quantity_g * count
        taken, available = _picks(site=site, line=line, needed_g=needed, classes=classes, on=today)
        if available < needed:
            short.append(Shortfall(line.category, needed, available))
        for lot_id, location_id, grams in taken:
            takes[(lot_id, location_id)] += grams
    if short:
        labels = dict(FoodCategory.choices)
        raise AllocationFailed(
            _("Not enough stock at this site for %(count)s boxes; nothing was assembled.")
            % {"count": count},
            [
                _("%(category)s: %(needed)s kg needed, %(free)s kg free.")
                % {
                    "category": labels[s.category],
                    "needed": f"{s.needed_g / 1000:.3f}",
                    "free": f"{s.available_g / 1000:.3f}",
                }
                for s in short
            ],
        )
    lots = Lot.objects.in_bulk([k[0] for k in takes])
    locations = {loc.pk: loc for loc in site.locations.all()}
    inputs = [
        TransformationInput(
            lot=lots[lot_id],
            site=site,
            location=locations.get(location_id) if location_id else None,
            quantity_g=grams,
        )
        for (lot_id, location_id), grams in sorted(takes.items(), key=lambda kv: kv[0][0])
    ]
    used = list(lots.values())
    kind, day = _box_date(used)
    box_g = sum(line.quantity_g for line in lines)
    spec = LotSpec(
        product_name=composition.name[:200],
        category=_dominant_category(lines),
        storage_class=composition.storage_class,
        date_kind=kind,
        date_value=day,
        allergens=sorted({a for lot in used for a in (lot.allergens or [])}),
        unit_weight_g=box_g,
    )
    when = timezone.now()
    try:
        transformation, produced = transformation_record(
            site=site,
            hub=site.organisation,
            description=ngettext("%(count)s box: %(box)s", "%(count)s boxes: %(box)s", count)
            % {"count": count, "box": composition.name},
            inputs=inputs,
            outputs=[(spec, box_g * count)],
            actor=actor,
            at=when,
        )
    except LedgerError as exc:
        # The stock moved between the pick and the lock: the transaction is rolled back.
        raise AllocationFailed(
            _("The stock changed while assembling; nothing was assembled. Please try again."),
            [str(exc.message)],
        ) from None
    return BoxAssembly.objects.create(
        composition=composition,
        site=site,
        count=count,
        transformation=transformation,
        box_lot=produced[0],
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        at=when,
    )
