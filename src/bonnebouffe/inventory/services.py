"""Writes to the stock ledger. Every change of stock goes through `movement_record`.

Concurrency (Saleor's lock_objects): the balance rows a movement touches are locked with
SELECT ... FOR UPDATE in primary-key order, then changed with F() expressions; a check
constraint on Balance forbids negative stock at the database level as a last guard. Never
check-then-act without the lock.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bonnebouffe.accounts.models import AuditAction
from bonnebouffe.accounts.selectors import Scope
from bonnebouffe.accounts.services import audit_record_many
from bonnebouffe.core.services import notification_send
from bonnebouffe.network.models import Organisation, Site

from .errors import LedgerError, LedgerErrorCode
from .models import (
    Balance,
    Destination,
    Lot,
    Movement,
    MovementKind,
    StockCount,
    StockCountLine,
    StorageLocation,
    Transformation,
)
from .recipients import RecipientGroup, people_downstream
from .report_queries import TraceReport, recall_notice_organisations
from .selectors import DISTRIBUTION_KINDS, lot_hold_reasons

OUTFLOW_DESTINATION = {
    MovementKind.ISSUE: Destination.FOOD,
    MovementKind.SALE: Destination.FOOD,
    MovementKind.TRANSFORM_IN: Destination.TRANSFORMED,
    MovementKind.ADJUST_DOWN: Destination.LOSS,
    MovementKind.LOSS: Destination.LOSS,
}
DISPOSAL_DESTINATIONS = (
    Destination.ANIMAL_FEED,
    Destination.COMPOST,
    Destination.DISPOSAL,
    Destination.FOOD,
    Destination.TRANSFORMED,
)
INFLOWS = (MovementKind.RECEIPT, MovementKind.TRANSFORM_OUT, MovementKind.ADJUST_UP)
LOT_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed


def lot_code_new(at: datetime | None = None) -> str:
    """A short unique lot code such as L261128-7KQ3M (date, then 5 random characters)."""
    day = (at or timezone.now()).strftime("%y%m%d")
    for _attempt in range(10):
        code = f"L{day}-" + "".join(secrets.choice(LOT_CODE_ALPHABET) for _ in range(5))
        if not Lot.objects.filter(code=code).exists():
            return code
    raise RuntimeError("could not find a free lot code")


def _check_location(site: Site | None, location: StorageLocation | None) -> None:
    if location is not None and (site is None or location.site_id != site.pk):
        raise LedgerError(LedgerErrorCode.WRONG_SITE)


def _lock_balances(
    keys: Sequence[tuple[int, int, int | None]], lot: Lot
) -> dict[tuple[int, int, int | None], Balance]:
    """Get or create the balance rows, then lock them in primary-key order."""
    rows = {}
    for lot_id, site_id, location_id in keys:
        balance = Balance.objects.filter(
            lot_id=lot_id, site_id=site_id, location_id=location_id
        ).first()
        if balance is None:
            try:
                with transaction.atomic():
                    balance = Balance.objects.create(
                        lot_id=lot_id,
                        site_id=site_id,
                        location_id=location_id,
                        quantity_g=0,
                        category=lot.category,
                        storage_class=lot.storage_class,
                    )
            except IntegrityError:  # created by a concurrent writer in the meantime
                balance = Balance.objects.get(
                    lot_id=lot_id, site_id=site_id, location_id=location_id
                )
        rows[(lot_id, site_id, location_id)] = balance
    pks = sorted(b.pk for b in rows.values())
    locked = {
        b.pk: b for b in Balance.objects.select_for_update().filter(pk__in=pks).order_by("pk")
    }
    return {k: locked[b.pk] for k, b in rows.items()}


@transaction.atomic
def movement_record(
    *,
    lot: Lot,
    kind: str,
    quantity_g: int,
    actor: Any = None,
    from_site: Site | None = None,
    from_location: StorageLocation | None = None,
    to_site: Site | None = None,
    to_location: StorageLocation | None = None,
    destination: str = "",
    recipient: Organisation | None = None,
    reason: str = "",
    transformation: Transformation | None = None,
    at: datetime | None = None,
    idempotency_key: str | None = None,
) -> Movement:
    """Append one movement and update the balances it touches, atomically.

    Raises LedgerError: INSUFFICIENT_STOCK, LOT_BLOCKED (issue, sale or transfer of a blocked
    lot), INVALID_QUANTITY, INVALID_MOVEMENT, WRONG_SITE, MISSING_DESTINATION. With an
    `idempotency_key` already used, returns the earlier movement and changes nothing.
    """
    if idempotency_key:
        existing = Movement.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    if not isinstance(quantity_g, int) or quantity_g <= 0:
        raise LedgerError(LedgerErrorCode.INVALID_QUANTITY)
    kind = MovementKind(kind)
    # Re-read the lot under a row lock: its hold flags may have changed since the caller
    # loaded it, and movements of one lot are serialised.
    lot = Lot.objects.select_for_update().get(pk=lot.pk)
    outflow = kind not in INFLOWS
    inflow = kind in INFLOWS or kind == MovementKind.TRANSFER
    if (outflow and from_site is None) or (inflow and to_site is None):
        raise LedgerError(LedgerErrorCode.INVALID_MOVEMENT, "site missing")
    if kind == MovementKind.TRANSFER and (from_site, from_location) == (to_site, to_location):
        raise LedgerError(LedgerErrorCode.INVALID_MOVEMENT, "same place")
    _check_location(from_site, from_location)
    _check_location(to_site, to_location)
    if kind == MovementKind.DISPOSAL:
        if destination not in DISPOSAL_DESTINATIONS:
            raise LedgerError(LedgerErrorCode.MISSING_DESTINATION)
    elif kind in OUTFLOW_DESTINATION:
        destination = OUTFLOW_DESTINATION[kind]
    else:
        destination = ""
    if kind in DISTRIBUTION_KINDS and lot_hold_reasons(lot):
        raise LedgerError(LedgerErrorCode.LOT_BLOCKED)
    keys: list[tuple[int, int, int | None]] = []
    source_key = target_key = None
    if outflow:
        assert from_site is not None
        source_key = (lot.pk, from_site.pk, from_location.pk if from_location else None)
        existing_source = Balance.objects.filter(
            lot_id=lot.pk, site_id=from_site.pk, location_id=source_key[2]
        ).exists()
        if not existing_source:
            raise LedgerError(LedgerErrorCode.INSUFFICIENT_STOCK)
        keys.append(source_key)
    if inflow:
        assert to_site is not None
        target_key = (lot.pk, to_site.pk, to_location.pk if to_location else None)
        keys.append(target_key)
    balances = _lock_balances(keys, lot)
    if source_key is not None:
        source = balances[source_key]
        if source.quantity_g < quantity_g:
            raise LedgerError(LedgerErrorCode.INSUFFICIENT_STOCK)
        Balance.objects.filter(pk=source.pk).update(quantity_g=F("quantity_g") - quantity_g)
    if target_key is not None:
        Balance.objects.filter(pk=balances[target_key].pk).update(
            quantity_g=F("quantity_g") + quantity_g
        )
    movement = Movement(
        lot=lot,
        kind=kind,
        quantity_g=quantity_g,
        from_site=from_site if outflow else None,
        from_location=from_location if outflow else None,
        to_site=to_site if inflow else None,
        to_location=to_location if inflow else None,
        destination=destination,
        recipient=recipient,
        reason=reason[:200],
        transformation=transformation,
        at=at or timezone.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        idempotency_key=idempotency_key or None,
    )
    movement.save()
    return movement


@dataclass(frozen=True)
class LotSpec:
    """What a new lot is: from a reception item, a transformation output or a box."""

    product_name: str
    category: str
    storage_class: str
    date_kind: str
    date_value: date | None
    allergens: Sequence[str] = ()
    unit_weight_g: int | None = None


@transaction.atomic
def lot_receive(
    *,
    spec: LotSpec,
    quantity_g: int,
    hub: Organisation,
    site: Site,
    location: StorageLocation | None = None,
    donor: Organisation | None = None,
    actor: Any = None,
    at: datetime | None = None,
    refused: bool = False,
    source_transformation: Transformation | None = None,
) -> Lot:
    """Create a lot and its first inflow (receipt, or transformation output)."""
    lot = Lot(
        code=lot_code_new(at),
        product_name=spec.product_name,
        category=spec.category,
        storage_class=spec.storage_class,
        date_kind=spec.date_kind,
        date_value=spec.date_value,
        allergens=sorted(set(spec.allergens)),
        unit_weight_g=spec.unit_weight_g,
        hub=hub,
        donor=donor,
        refused=refused,
        source_transformation=source_transformation,
    )
    # The related rows were passed in as objects and the fresh code was checked free by
    # lot_code_new (the unique index guards a race): skip their look-ups, check the rest.
    lot.full_clean(exclude=["hub", "donor", "source_transformation"], validate_unique=False)
    lot.save()
    movement_record(
        lot=lot,
        kind=MovementKind.TRANSFORM_OUT if source_transformation else MovementKind.RECEIPT,
        quantity_g=quantity_g,
        to_site=site,
        to_location=location,
        actor=actor,
        at=at,
        transformation=source_transformation,
    )
    return lot


@transaction.atomic
def lot_dispose(
    *,
    lot: Lot,
    site: Site,
    location: StorageLocation | None,
    quantity_g: int,
    destination: str,
    reason: str,
    actor: Any = None,
    at: datetime | None = None,
    idempotency_key: str | None = None,
) -> Movement:
    """Send food down the valorisation scale (animal feed, compost, disposal) with a reason."""
    return movement_record(
        lot=lot,
        kind=MovementKind.DISPOSAL,
        quantity_g=quantity_g,
        from_site=site,
        from_location=location,
        destination=destination,
        reason=reason,
        actor=actor,
        at=at,
        idempotency_key=idempotency_key,
    )


@dataclass(frozen=True)
class TransformationInput:
    lot: Lot
    site: Site
    location: StorageLocation | None
    quantity_g: int


@transaction.atomic
def transformation_record(
    *,
    site: Site,
    hub: Organisation,
    description: str,
    inputs: Sequence[TransformationInput],
    outputs: Sequence[tuple[LotSpec, int]],
    actor: Any = None,
    at: datetime | None = None,
    output_location: StorageLocation | None = None,
) -> tuple[Transformation, list[Lot]]:
    """Consume input lots and produce output lots in one step (all or nothing)."""
    if not inputs or not outputs:
        raise LedgerError(
            LedgerErrorCode.INVALID_MOVEMENT, "a transformation needs inputs and outputs"
        )
    when = at or timezone.now()
    transformation = Transformation.objects.create(
        site=site,
        description=description[:200],
        at=when,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    for item in sorted(inputs, key=lambda i: i.lot.pk):
        movement_record(
            lot=item.lot,
            kind=MovementKind.TRANSFORM_IN,
            quantity_g=item.quantity_g,
            from_site=item.site,
            from_location=item.location,
            transformation=transformation,
            actor=actor,
            at=when,
        )
    produced = [
        lot_receive(
            spec=spec,
            quantity_g=q,
            hub=hub,
            site=site,
            location=output_location,
            actor=actor,
            at=when,
            source_transformation=transformation,
        )
        for spec, q in outputs
    ]
    return transformation, produced


@transaction.atomic
def stock_count_record(
    *,
    site: Site,
    counted: Sequence[tuple[Lot, StorageLocation | None, int]],
    actor: Any = None,
    location: StorageLocation | None = None,
    at: datetime | None = None,
) -> StockCount:
    """Record a count; each variance becomes an adjustment movement (missing = recorded loss)."""
    when = at or timezone.now()
    count = StockCount.objects.create(
        site=site,
        location=location,
        started_at=when,
        closed_at=when,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    for lot, loc, counted_g in sorted(counted, key=lambda c: c[0].pk):
        if counted_g < 0:
            raise LedgerError(LedgerErrorCode.INVALID_QUANTITY)
        # Lock order as in movement_record: the lot row first, then its balances. Taking the
        # balance first (and the lot later, in movement_record) deadlocked against issuers.
        lot = Lot.objects.select_for_update().get(pk=lot.pk)
        balance = _lock_balances([(lot.pk, site.pk, loc.pk if loc else None)], lot)
        expected = next(iter(balance.values())).quantity_g
        StockCountLine.objects.create(
            count=count, lot=lot, expected_g=expected, counted_g=counted_g
        )
        if counted_g > expected:
            movement_record(
                lot=lot,
                kind=MovementKind.ADJUST_UP,
                quantity_g=counted_g - expected,
                to_site=site,
                to_location=loc,
                actor=actor,
                at=when,
                reason="count",
            )
        elif counted_g < expected:
            movement_record(
                lot=lot,
                kind=MovementKind.ADJUST_DOWN,
                quantity_g=expected - counted_g,
                from_site=site,
                from_location=loc,
                actor=actor,
                at=when,
                reason="count",
            )
    return count


def lot_flag_review(*, lot_ids: Sequence[int], under_review: bool) -> int:
    """Hold (or release) lots after a temperature excursion; returns how many changed."""
    return Lot.objects.filter(pk__in=list(lot_ids)).update(under_review=under_review)


def lot_recall(*, lot_ids: Sequence[int]) -> int:
    return Lot.objects.filter(pk__in=list(lot_ids)).update(recalled=True)


@transaction.atomic
def storage_location_create(
    *, site: Site, name: str, storage_class: str, cold_unit: Any = None
) -> StorageLocation:
    location = StorageLocation(
        site=site, name=name, storage_class=storage_class, cold_unit=cold_unit
    )
    location.full_clean()
    location.save()
    return location


class PickFailed(Exception):
    """One line of a pick list could not be issued; nothing of the list was."""

    def __init__(self, code: str, error: LedgerError) -> None:
        super().__init__(code)
        self.code = code
        self.error = error


@transaction.atomic
def pick_list_issue(
    *,
    site: Site,
    picks: Sequence[tuple[Lot, StorageLocation | None, int]],
    recipient: Organisation,
    actor: Any,
    key: str,
) -> list[Movement]:
    """Issue every pick in one transaction (all or nothing); key + "-<index>" per movement."""
    movements = []
    for index, (lot, location, quantity_g) in enumerate(picks):
        try:
            movements.append(
                movement_record(
                    lot=lot,
                    kind=MovementKind.ISSUE,
                    quantity_g=quantity_g,
                    from_site=site,
                    from_location=location,
                    recipient=recipient,
                    actor=actor,
                    idempotency_key=f"{key}-{index}",
                )
            )
        except LedgerError as exc:
            raise PickFailed(lot.code, exc) from exc
    return movements


@transaction.atomic
def lot_recall_notify(*, report: TraceReport, query: str) -> tuple[int, int]:
    """Mark the traced lots recalled (blocked from distribution) and tell the hubs, the sites
    still holding them and the recipient organisations. The ledger is not touched: the stock
    stays where it is until someone disposes of it. Returns (lots newly recalled, organisations
    told)."""
    todo = [lt.lot for lt in report.lots if not lt.lot.recalled]
    if not todo:
        return 0, 0
    lot_recall(lot_ids=[lot.pk for lot in todo])
    codes = [lot.code for lot in todo]
    products = sorted({lot.product_name for lot in todo})
    url = reverse("inventory:trace") + "?" + query
    # Read by several people: written in the network's language, like other notifications.
    with translation.override(settings.LANGUAGE_CODE):
        message = _(
            "Recall: %(count)s lots are recalled (%(products)s; lot codes %(codes)s). "
            "Stop distributing them and set them aside."
        ) % {
            "count": len(todo),
            "products": ", ".join(products[:3]) + (" …" if len(products) > 3 else ""),
            "codes": ", ".join(codes[:5]) + (" …" if len(codes) > 5 else ""),
        }
    orgs = recall_notice_organisations(report)
    notification_send(message=message, url=url[:300], organisation_ids=[o.pk for o in orgs])
    return len(todo), len(orgs)


@transaction.atomic
def trace_people_open(
    *,
    scope: Scope,
    actor: Any,
    report: TraceReport,
    action: str = AuditAction.VIEW,
    channel: str = "web",
    detail: str = "",
    ip_address: str | None = None,
) -> list[RecipientGroup]:
    """The people downstream of a trace (recipients.people_downstream), put on the report,
    with one audit entry per person whose information is shown (Québec Law 25). The only
    way pages, exports, the PDF and the API get names: nobody sees one unlogged."""
    groups = people_downstream(scope=scope, lot_ids=report.lot_ids)
    audit_record_many(
        actor=actor,
        action=action,
        subjects=[(p.audit_type, p.audit_id) for g in groups for p in g.people],
        channel=channel,
        detail=detail or f"trace of {len(report.lot_ids)} lots",
        ip_address=ip_address,
    )
    report.people = groups
    return groups
