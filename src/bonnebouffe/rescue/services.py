"""Writes of food rescue: declare an offer, move it down the cascade, accept, close, receive.

Concurrency (Saleor's lock_objects): accepting locks the offer row, then its items in
primary-key order (SELECT ... FOR UPDATE), and adds to `accepted_g` with a conditional F()
update; the check constraint accepted_g <= quantity_g is the last guard. Two hubs accepting
at once can never take more than was offered.

Side effects (emails) are queued as a background job once the transaction commits.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from bonnebouffe.accounts.selectors import Scope
from bonnebouffe.core.models import Notification
from bonnebouffe.domain.food_safety import DateKind as SafetyDateKind
from bonnebouffe.domain.food_safety import HoldReason, date_hold
from bonnebouffe.domain.food_safety import StorageClass as SafetyClass
from bonnebouffe.domain.quantities import format_kg
from bonnebouffe.inventory.models import (
    Allergen,
    DateKind,
    Destination,
    FoodCategory,
    StorageClass,
    StorageLocation,
)
from bonnebouffe.inventory.selectors import safety_policy
from bonnebouffe.inventory.services import LotSpec, lot_dispose, lot_receive
from bonnebouffe.jobs.tasks import job_submit
from bonnebouffe.network.models import Organisation, OrganisationKind, Site

from .models import (
    Acceptance,
    AcceptanceLine,
    CascadeStage,
    Handover,
    Offer,
    OfferItem,
    OfferKind,
    OfferStatus,
    Reception,
    ReceptionItem,
)
from .selectors import (
    ACTIVE_STATUSES,
    BOARD_STAGES,
    donor_org_ids,
    home_hub_for,
    offer_closable,
    offer_remaining_g,
    offer_takers,
    reception_sites,
    refusal_suggestion,
    stage_recipient_ids,
)

# Stored in Offer.closed_reason and translated when shown ({% translate offer.closed_reason %}).
NO_TAKER_REASON = gettext_noop("No taker before the window ended.")
# Where refused food may go at reception (the lower rungs of the valorisation scale).
REFUSED_DESTINATIONS = (Destination.ANIMAL_FEED, Destination.COMPOST, Destination.DISPOSAL)
MAX_ITEMS_PER_OFFER = 50
MAX_PHOTO_BYTES = 5 * 1024 * 1024
PHOTO_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")


class OfferErrorCode(enum.StrEnum):
    NOT_OPEN = "not_open"
    WINDOW_ENDED = "window_ended"
    NOT_YOUR_STAGE = "not_your_stage"
    OVER_TAKEN = "over_taken"
    NOTHING_TO_ACCEPT = "nothing_to_accept"
    UNKNOWN_ITEM = "unknown_item"
    NOT_ALLOWED = "not_allowed"
    ALREADY_RECEIVED = "already_received"


OFFER_ERROR_MESSAGES = {
    OfferErrorCode.NOT_OPEN: gettext_lazy("This offer is no longer open."),
    OfferErrorCode.WINDOW_ENDED: gettext_lazy("The pickup window of this offer has ended."),
    OfferErrorCode.NOT_YOUR_STAGE: gettext_lazy(
        "This offer is not offered to your organisation at this stage of the cascade."
    ),
    OfferErrorCode.OVER_TAKEN: gettext_lazy(
        "You asked for more than what remains of an item; someone may have just taken part "
        "of it. Reload the page to see what remains."
    ),
    OfferErrorCode.NOTHING_TO_ACCEPT: gettext_lazy("Give a quantity for at least one item."),
    OfferErrorCode.UNKNOWN_ITEM: gettext_lazy("An item is not part of this offer."),
    OfferErrorCode.NOT_ALLOWED: gettext_lazy("You may not do this."),
    OfferErrorCode.ALREADY_RECEIVED: gettext_lazy("This acceptance was already received."),
}


class OfferError(Exception):
    """A refused action on an offer; `message` is the translated sentence."""

    def __init__(self, code: OfferErrorCode, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else str(code))
        self.code = code
        self.detail = detail

    @property
    def message(self) -> str:
        return str(OFFER_ERROR_MESSAGES[self.code])


def kg_to_g(kg: Decimal | int | float | str) -> int:
    """Kilograms (up to 3 decimals) to whole grams, half up."""
    return int((Decimal(str(kg)) * 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- Declaring an offer ---------------------------------------------------------------


@dataclass(frozen=True)
class OfferItemSpec:
    """One item as the donor gives it: a quantity in kg, or units times a unit weight."""

    product_name: str
    category: str
    storage_class: str
    date_kind: str
    date_value: date | None = None
    allergens: Sequence[str] = ()
    quantity_kg: Decimal | None = None
    units: int | None = None
    unit_weight_g: int | None = None


@dataclass
class OfferDraft:
    """A validated offer, ready to save."""

    offer: Offer
    items: list[OfferItem] = field(default_factory=list)


def item_quantity_g(spec: OfferItemSpec) -> tuple[int | None, dict[str, str]]:
    """The item's grams from kg or from units times unit weight, or the field errors."""
    has_units = spec.units is not None or spec.unit_weight_g is not None
    if spec.quantity_kg is not None and has_units:
        return None, {
            "quantity_kg": _("Give the quantity in kg or as units and unit weight, not both.")
        }
    if spec.quantity_kg is not None:
        try:
            grams = kg_to_g(spec.quantity_kg)
        except (InvalidOperation, ValueError):
            return None, {"quantity_kg": _("Enter a number.")}
        if grams <= 0:
            return None, {"quantity_kg": _("The quantity must be more than zero.")}
        return grams, {}
    if not has_units:
        return None, {
            "quantity_kg": _("Give the quantity in kg, or the number of units and their weight.")
        }
    errors = {}
    if not spec.units or spec.units <= 0:
        errors["units"] = _("Give the number of units (more than zero).")
    if not spec.unit_weight_g or spec.unit_weight_g <= 0:
        errors["unit_weight_g"] = _("Give the weight of one unit in grams (more than zero).")
    if errors:
        return None, errors
    return int(spec.units or 0) * int(spec.unit_weight_g or 0), {}


def _item_errors(spec: OfferItemSpec, *, today: date) -> tuple[OfferItem | None, dict[str, str]]:
    errors: dict[str, str] = {}
    if not spec.product_name.strip():
        errors["product_name"] = _("Give the product name.")
    if spec.category not in FoodCategory.values:
        errors["category"] = _("Choose a food category.")
    if spec.storage_class not in StorageClass.values:
        errors["storage_class"] = _("Choose how the food is kept.")
    if spec.date_kind not in DateKind.values:
        errors["date_kind"] = _("Choose the kind of date.")
    elif spec.date_kind != DateKind.NONE and spec.date_value is None:
        errors["date_value"] = _("Give the date printed on the product.")
    bad = [a for a in spec.allergens if a not in Allergen.values]
    if bad:
        errors["allergens"] = _("Unknown allergen: %(names)s.") % {"names": ", ".join(bad)}
    grams, quantity_errors = item_quantity_g(spec)
    errors.update(quantity_errors)
    if not errors and spec.date_value is not None:
        hold = date_hold(
            date_kind=SafetyDateKind(spec.date_kind),
            date_value=spec.date_value,
            storage_class=SafetyClass(spec.storage_class),
            today=today,
            policy=safety_policy(),
        )
        if hold == HoldReason.USE_BY_PASSED:
            errors["date_value"] = _(
                "This date limite d'utilisation has passed: the food may not be given."
            )
        elif hold == HoldReason.BEST_BEFORE_TOO_OLD:
            errors["date_value"] = _(
                "This shelf-stable food is too long past its best-before date to be given."
            )
    if errors or grams is None:
        return None, errors
    item = OfferItem(
        product_name=spec.product_name.strip(),
        category=spec.category,
        quantity_g=grams,
        units=spec.units,
        unit_weight_g=spec.unit_weight_g,
        storage_class=spec.storage_class,
        date_kind=spec.date_kind,
        date_value=spec.date_value if spec.date_kind != DateKind.NONE else None,
        allergens=sorted(set(spec.allergens)),
    )
    return item, {}


def photo_errors(photo: UploadedFile | None) -> list[str]:
    """A photo must be a JPEG, PNG, WebP or GIF image of 5 MB at most."""
    if photo is None:
        return []
    if (photo.size or 0) > MAX_PHOTO_BYTES:
        return [_("The photo is larger than 5 MB.")]
    image = getattr(photo, "image", None)  # set by forms.ImageField after Pillow opened it
    fmt = getattr(image, "format", None)
    if image is None:
        try:
            from PIL import Image

            photo.seek(0)
            with Image.open(photo) as opened:
                fmt = opened.format
            photo.seek(0)
        except Exception:
            fmt = None
    if fmt not in PHOTO_FORMATS:
        return [_("The photo must be a JPEG, PNG, WebP or GIF image.")]
    return []


def offer_may_declare(*, scope: Scope, donor: Organisation) -> bool:
    if scope.is_superuser or donor.pk in donor_org_ids(scope):
        return True
    if donor.network_id in scope.admin_network_ids:
        return True
    return donor.mrc_id in scope.coordinator_mrc_ids and donor.network_id in scope.network_ids


def offer_validate(
    *,
    scope: Scope,
    donor: Organisation,
    handover: str,
    window_start: datetime,
    window_end: datetime,
    items: Sequence[OfferItemSpec],
    kind: str = OfferKind.SURPLUS,
    pickup_site: Site | None = None,
    dropoff_hub: Organisation | None = None,
    estimated_kg: Decimal | None = None,
    notes: str = "",
    photo: UploadedFile | None = None,
    now: datetime | None = None,
) -> OfferDraft:
    """Check an offer completely, writing nothing. Raises ValidationError with every error:
    offer fields by name, item fields as "items[<index>].<field>"."""
    if not offer_may_declare(scope=scope, donor=donor):
        raise PermissionDenied(_("You may not declare an offer for this organisation."))
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    errors: dict[str, list[str]] = {}

    def add(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    home_hub = home_hub_for(donor)
    if home_hub is None:
        add("donor", _("There is no hub in this organisation's network to offer food to."))
    if kind not in OfferKind.values:
        add("kind", _("Choose what you offer."))
    if handover not in Handover.values:
        add("handover", _("Choose pickup at your place or drop-off at a hub."))
    elif handover == Handover.PICKUP:
        if pickup_site is None:
            add("pickup_site", _("Choose the place where the food is picked up."))
        elif pickup_site.organisation_id != donor.pk:
            add("pickup_site", _("This place is not one of the donor's sites."))
    elif handover == Handover.DROPOFF:
        dropoff_hub = dropoff_hub or home_hub
        if dropoff_hub is not None and (
            dropoff_hub.kind != OrganisationKind.HUB or dropoff_hub.network_id != donor.network_id
        ):
            add("dropoff_hub", _("Choose a hub of your network."))
    if window_end <= window_start:
        add("window_end", _("The end of the window must be after its start."))
    elif window_end <= now:
        add("window_end", _("The window has already ended."))
    if kind == OfferKind.GLEANING:
        if estimated_kg is None or estimated_kg <= 0:
            add("estimated_kg", _("Give an estimate of the kilograms to glean."))
        if len(items) > 1:
            add("items", _("A field to glean has one item at most."))
    elif not items:
        add("items", _("Add at least one item."))
    if len(items) > MAX_ITEMS_PER_OFFER:
        add("items", _("An offer has %(n)s items at most.") % {"n": MAX_ITEMS_PER_OFFER})
    for message in photo_errors(photo):
        add("photo", message)
    drafted: list[OfferItem] = []
    for index, spec in enumerate(items):
        item, item_errors = _item_errors(spec, today=today)
        for name, message in item_errors.items():
            add(f"items[{index}].{name}", message)
        if item is not None:
            drafted.append(item)
    if errors:
        raise ValidationError(errors)
    assert home_hub is not None
    offer = Offer(
        donor=donor,
        kind=kind,
        handover=handover,
        pickup_site=pickup_site if handover == Handover.PICKUP else None,
        dropoff_hub=dropoff_hub if handover == Handover.DROPOFF else None,
        window_start=window_start,
        window_end=window_end,
        home_hub=home_hub,
        notes=notes[:300],
        estimated_kg=estimated_kg if kind == OfferKind.GLEANING else None,
        status=OfferStatus.OPEN,
        stage=CascadeStage.HOME_HUB,
        stage_until=now + timedelta(hours=settings.OFFER_CASCADE_HOME_HUB_HOURS),
    )
    offer.full_clean(exclude=["photo", "created_by"])
    return OfferDraft(offer=offer, items=drafted)


@transaction.atomic
def offer_create(
    *,
    scope: Scope,
    donor: Organisation,
    handover: str,
    window_start: datetime,
    window_end: datetime,
    items: Sequence[OfferItemSpec],
    kind: str = OfferKind.SURPLUS,
    pickup_site: Site | None = None,
    dropoff_hub: Organisation | None = None,
    estimated_kg: Decimal | None = None,
    notes: str = "",
    photo: UploadedFile | None = None,
    actor: Any = None,
    now: datetime | None = None,
) -> Offer:
    """Declare an offer; it goes first to the donor's home hub, which is told at once."""
    draft = offer_validate(
        scope=scope,
        donor=donor,
        handover=handover,
        window_start=window_start,
        window_end=window_end,
        items=items,
        kind=kind,
        pickup_site=pickup_site,
        dropoff_hub=dropoff_hub,
        estimated_kg=estimated_kg,
        notes=notes,
        photo=photo,
        now=now,
    )
    offer = draft.offer
    offer.created_by = actor if getattr(actor, "is_authenticated", False) else None
    if photo is not None:
        offer.photo = photo  # type: ignore[assignment]
    offer.save()
    for item in draft.items:
        item.offer = offer
        item.full_clean()
    OfferItem.objects.bulk_create(draft.items)
    _notify(offer=offer, event="offered_home_hub", organisation_ids=[offer.home_hub_id])
    return offer


# --- Notifications --------------------------------------------------------------------


def offer_url(offer_id: int) -> str:
    return reverse("rescue:offer_detail", args=[offer_id])


def notification_text(*, event: str, offer: Offer, language: str, params: Mapping[str, Any]) -> str:
    """One sentence about an offer event, in `language`."""
    with translation.override(language):
        values = {
            "id": offer.pk,
            "donor": offer.donor.name,
            "kg": format_kg(Decimal(int(params.get("grams", 0))) / 1000, language=language),
            "taker": params.get("taker", ""),
            "reason": _(str(params.get("reason", ""))) if params.get("reason") else "",
        }
        texts = {
            "offered_home_hub": _("New offer #%(id)s from %(donor)s: %(kg)s to take."),
            "offered_network": _("Offer #%(id)s from %(donor)s is now open to every hub: %(kg)s."),
            "offered_open_board": _(
                "Offer #%(id)s from %(donor)s is on the open board for agencies: %(kg)s."
            ),
            "accepted": _("%(taker)s accepted %(kg)s of offer #%(id)s."),
            "window_ended": _("Offer #%(id)s closed: %(reason)s"),
            "closed": _("Offer #%(id)s was closed: %(reason)s"),
        }
        return texts[event] % values


def _notify(*, offer: Offer, event: str, organisation_ids: Sequence[int], **params: Any) -> None:
    """In-app notifications now; emails by a background job once the transaction commits."""
    ids = sorted(set(organisation_ids))
    if not ids:
        return
    params.setdefault("grams", offer_remaining_g(offer))
    # Stored notifications carry one text: in the network's default language.
    message = notification_text(
        event=event, offer=offer, language=settings.LANGUAGE_CODE, params=params
    )
    url = offer_url(offer.pk)
    Notification.objects.bulk_create(
        [Notification(organisation_id=pk, message=message[:300], url=url) for pk in ids]
    )
    job_params = {
        "offer_id": offer.pk,
        "event": event,
        "organisation_ids": ids,
        "params": {k: v for k, v in params.items() if isinstance(v, str | int)},
    }
    title = _("Emails about offer #%(id)s") % {"id": offer.pk}
    transaction.on_commit(
        lambda: job_submit(kind="rescue.notify", title=title, owner=None, params=job_params)
    )


# --- The cascade ----------------------------------------------------------------------


@dataclass(frozen=True)
class AdvanceResult:
    advanced: int
    closed: int


def offers_advance(*, now: datetime | None = None) -> AdvanceResult:
    """Move every offer whose stage ended to the next stage; close those whose window ended.

    Idempotent: each offer is locked and re-checked in its own transaction.
    """
    now = now or timezone.now()
    due = list(
        Offer.objects.filter(status__in=ACTIVE_STATUSES, stage__in=BOARD_STAGES)
        .filter(Q(window_end__lte=now) | Q(stage_until__lte=now))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    advanced = closed = 0
    for pk in due:
        outcome = _offer_advance_one(pk=pk, now=now)
        advanced += outcome == "advanced"
        closed += outcome == "closed"
    return AdvanceResult(advanced=advanced, closed=closed)


@transaction.atomic
def _offer_advance_one(*, pk: int, now: datetime) -> str:
    offer = (
        Offer.objects.select_for_update()
        .filter(pk=pk, status__in=ACTIVE_STATUSES, stage__in=BOARD_STAGES)
        .first()
    )
    if offer is None:
        return ""
    if offer.window_end <= now:
        nobody = offer.status == OfferStatus.OPEN
        offer.stage = CascadeStage.DONE
        offer.stage_until = None
        if nobody:
            offer.status = OfferStatus.CLOSED
            offer.closed_reason = NO_TAKER_REASON
        offer.save(update_fields=["stage", "stage_until", "status", "closed_reason"])
        _notify(
            offer=offer,
            event="window_ended",
            organisation_ids=[offer.donor_id],
            reason=NO_TAKER_REASON,
        )
        return "closed"
    if offer.stage_until is None or offer.stage_until > now:
        return ""
    if offer.stage == CascadeStage.HOME_HUB:
        offer.stage = CascadeStage.NETWORK
        offer.stage_until = now + timedelta(hours=settings.OFFER_CASCADE_NETWORK_HOURS)
    elif offer.stage == CascadeStage.NETWORK:
        offer.stage = CascadeStage.OPEN_BOARD
        offer.stage_until = None  # on the open board until the window ends
    else:
        offer.stage_until = None
        offer.save(update_fields=["stage_until"])
        return ""
    offer.save(update_fields=["stage", "stage_until"])
    _notify(
        offer=offer,
        event=f"offered_{offer.stage}",
        organisation_ids=stage_recipient_ids(offer, offer.stage),
    )
    return "advanced"


# --- Accepting and closing --------------------------------------------------------------


@transaction.atomic
def offer_accept(
    *,
    scope: Scope,
    offer: Offer,
    taker: Organisation,
    quantities_g: Mapping[int, int] | None = None,
    actor: Any = None,
    now: datetime | None = None,
) -> Acceptance:
    """Take all (quantities_g None) or part (grams per item id) of what remains of an offer.

    Raises OfferError: NOT_OPEN, WINDOW_ENDED, NOT_YOUR_STAGE, UNKNOWN_ITEM,
    NOTHING_TO_ACCEPT, OVER_TAKEN (more than remains, also when another hub was faster).
    """
    now = now or timezone.now()
    locked = Offer.objects.select_for_update().select_related("home_hub").get(pk=offer.pk)
    if locked.status not in ACTIVE_STATUSES or locked.stage not in BOARD_STAGES:
        raise OfferError(OfferErrorCode.NOT_OPEN)
    if locked.window_end <= now:
        raise OfferError(OfferErrorCode.WINDOW_ENDED)
    if taker.pk not in {t.pk for t in offer_takers(scope=scope, offer=locked)}:
        raise OfferError(OfferErrorCode.NOT_YOUR_STAGE)
    items = list(OfferItem.objects.select_for_update().filter(offer=locked).order_by("pk"))
    by_id = {i.pk: i for i in items}
    if quantities_g is None:
        wanted = {i.pk: i.remaining_g for i in items if i.remaining_g > 0}
    else:
        if set(quantities_g) - set(by_id):
            raise OfferError(OfferErrorCode.UNKNOWN_ITEM)
        if any(int(q) < 0 for q in quantities_g.values()):
            raise OfferError(OfferErrorCode.NOTHING_TO_ACCEPT)
        wanted = {pk: int(q) for pk, q in quantities_g.items() if int(q) > 0}
    if items and not wanted:
        raise OfferError(OfferErrorCode.NOTHING_TO_ACCEPT)
    if not items and locked.acceptances.exists():
        raise OfferError(OfferErrorCode.NOT_OPEN)
    for pk in sorted(wanted):
        grams = wanted[pk]
        updated = OfferItem.objects.filter(pk=pk, accepted_g__lte=F("quantity_g") - grams).update(
            accepted_g=F("accepted_g") + grams
        )
        if not updated:
            raise OfferError(OfferErrorCode.OVER_TAKEN, by_id[pk].product_name)
    acceptance = Acceptance.objects.create(
        offer=locked,
        taker=taker,
        accepted_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    AcceptanceLine.objects.bulk_create(
        [
            AcceptanceLine(acceptance=acceptance, item_id=pk, quantity_g=g)
            for pk, g in wanted.items()
        ]
    )
    remaining = sum(
        q - a
        for q, a in OfferItem.objects.filter(offer=locked).values_list("quantity_g", "accepted_g")
    )
    if remaining <= 0:
        locked.status = OfferStatus.TAKEN
        locked.stage = CascadeStage.DONE
        locked.stage_until = None
    else:
        locked.status = OfferStatus.PARTLY_TAKEN
    locked.save(update_fields=["status", "stage", "stage_until"])
    grams = sum(wanted.values()) or offer_remaining_g(offer)
    _notify(
        offer=locked,
        event="accepted",
        organisation_ids=[locked.donor_id],
        grams=grams,
        taker=taker.name,
    )
    return acceptance


@transaction.atomic
def offer_close(*, scope: Scope, offer: Offer, reason: str, actor: Any = None) -> Offer:
    """The donor, the home hub or an administrator closes an open offer, with a reason."""
    reason = reason.strip()
    if len(reason) < 3:
        raise ValidationError({"reason": [_("Give a reason for closing the offer.")]})
    locked = Offer.objects.select_for_update().select_related("home_hub").get(pk=offer.pk)
    if locked.status not in ACTIVE_STATUSES:
        raise OfferError(OfferErrorCode.NOT_OPEN)
    if not offer_closable(scope=scope, offer=locked):
        raise OfferError(OfferErrorCode.NOT_ALLOWED)
    locked.status = OfferStatus.CLOSED
    locked.stage = CascadeStage.DONE
    locked.stage_until = None
    locked.closed_reason = reason[:200]
    locked.save(update_fields=["status", "stage", "stage_until", "closed_reason"])
    mine = scope.own_org_ids | scope.coordinator_hub_ids
    _notify(
        offer=locked,
        event="closed",
        organisation_ids=[o for o in (locked.donor_id, locked.home_hub_id) if o not in mine],
        reason=locked.closed_reason,
    )
    return locked


# --- Reception at a hub -----------------------------------------------------------------


@dataclass(frozen=True)
class ReceptionLine:
    """One item as weighed, measured and inspected at the door."""

    product_name: str
    category: str
    storage_class: str
    date_kind: str
    date_value: date | None
    weight_g: int
    packaging_intact: bool
    label_present: bool
    accepted: bool
    temperature_c: Decimal | None = None
    allergens: Sequence[str] = ()
    unit_weight_g: int | None = None
    refusal_reason: str = ""
    destination: str = ""
    location_id: int | None = None
    offer_item_id: int | None = None


def _line_errors(
    line: ReceptionLine, *, locations: Mapping[int, StorageLocation], allowed_items: set[int]
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not line.product_name.strip():
        errors["product_name"] = _("Give the product name.")
    if line.category not in FoodCategory.values:
        errors["category"] = _("Choose a food category.")
    if line.storage_class not in StorageClass.values:
        errors["storage_class"] = _("Choose how the food is kept.")
    if line.date_kind not in DateKind.values:
        errors["date_kind"] = _("Choose the kind of date.")
    if any(a not in Allergen.values for a in line.allergens):
        errors["allergens"] = _("Unknown allergen.")
    if line.weight_g <= 0:
        errors["weight_kg"] = _("The weight must be more than zero.")
    if line.offer_item_id is not None and line.offer_item_id not in allowed_items:
        errors["product_name"] = _("This item is not part of the accepted offer.")
    if errors:
        return errors
    if line.accepted:
        why = refusal_suggestion(
            storage_class=line.storage_class,
            temperature_c=line.temperature_c,
            packaging_intact=line.packaging_intact,
        )
        if why:
            errors["decision"] = _("This item must be refused: %(why)s") % {"why": why}
        if line.location_id is not None:
            location = locations.get(line.location_id)
            if location is None:
                errors["location"] = _("This storage location is not in this site.")
            elif location.storage_class != line.storage_class:
                errors["location"] = _("This storage location is not for this kind of food.")
    else:
        if not line.refusal_reason.strip():
            errors["refusal_reason"] = _("Give the reason for refusing.")
        if line.destination not in REFUSED_DESTINATIONS:
            errors["destination"] = _("Choose where the refused food goes.")
    return errors


@transaction.atomic
def reception_record(
    *,
    scope: Scope,
    site: Site,
    lines: Sequence[ReceptionLine],
    acceptance: Acceptance | None = None,
    donor: Organisation | None = None,
    actor: Any = None,
    at: datetime | None = None,
) -> Reception:
    """Record food arriving at a site, all of it or nothing.

    Accepted items become lots (inventory.services.lot_receive); refused items become refused
    lots sent at once down the valorisation scale (lot_dispose), so the reconciliation closes.
    Raises PermissionDenied, OfferError(ALREADY_RECEIVED) or ValidationError ("lines[i].field").
    """
    walk_in = acceptance is None
    if not reception_sites(scope=scope, walk_in=walk_in).filter(pk=site.pk).exists():
        raise PermissionDenied(_("You may not record a reception at this site."))
    errors: dict[str, list[str]] = {}
    allowed_items: set[int] = set()
    if acceptance is not None:
        acceptance = (
            Acceptance.objects.select_for_update().select_related("offer").get(pk=acceptance.pk)
        )
        if acceptance.received:
            raise OfferError(OfferErrorCode.ALREADY_RECEIVED)
        if acceptance.taker_id != site.organisation_id:
            raise PermissionDenied(_("This food was accepted by another organisation."))
        donor = acceptance.offer.donor
        allowed_items = set(acceptance.lines.values_list("item_id", flat=True))
    elif donor is None or donor.network_id != site.organisation.network_id:
        errors["donor"] = [_("Choose the donor.")]
    if not lines:
        errors["lines"] = [_("Enter at least one item.")]
    seen = [line.offer_item_id for line in lines if line.offer_item_id is not None]
    if len(seen) != len(set(seen)):
        errors["lines"] = [_("Each accepted item is received once.")]
    locations = {loc.pk: loc for loc in StorageLocation.objects.filter(site=site)}
    for index, line in enumerate(lines):
        for name, message in _line_errors(
            line, locations=locations, allowed_items=allowed_items
        ).items():
            errors.setdefault(f"lines[{index}].{name}", []).append(message)
    if errors:
        raise ValidationError(errors)
    assert donor is not None
    hub_org = site.organisation
    lot_hub = hub_org if hub_org.is_hub else (hub_org.hub or acceptance.offer.home_hub)  # type: ignore[union-attr]
    when = at or timezone.now()
    reception = Reception(
        site=site,
        donor=donor,
        acceptance=acceptance,
        at=when,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    reception.full_clean(exclude=["actor"])
    reception.save()
    for line in lines:
        spec = LotSpec(
            product_name=line.product_name.strip(),
            category=line.category,
            storage_class=line.storage_class,
            date_kind=line.date_kind,
            date_value=line.date_value if line.date_kind != DateKind.NONE else None,
            allergens=tuple(line.allergens),
            unit_weight_g=line.unit_weight_g,
        )
        location = locations.get(line.location_id) if line.location_id else None
        lot = lot_receive(
            spec=spec,
            quantity_g=line.weight_g,
            hub=lot_hub,
            site=site,
            location=location if line.accepted else None,
            donor=donor,
            actor=actor,
            at=when,
            refused=not line.accepted,
        )
        if not line.accepted:
            lot_dispose(
                lot=lot,
                site=site,
                location=None,
                quantity_g=line.weight_g,
                destination=line.destination,
                reason=line.refusal_reason.strip(),
                actor=actor,
                at=when,
            )
        item = ReceptionItem(
            reception=reception,
            offer_item_id=line.offer_item_id,
            product_name=spec.product_name,
            category=line.category,
            storage_class=line.storage_class,
            date_kind=line.date_kind,
            date_value=spec.date_value,
            allergens=sorted(set(line.allergens)),
            weight_g=line.weight_g,
            temperature_c=line.temperature_c,
            packaging_intact=line.packaging_intact,
            label_present=line.label_present,
            accepted=line.accepted,
            refusal_reason=line.refusal_reason.strip()[:200] if not line.accepted else "",
            lot=lot,
        )
        # The reception, lot and offer item are rows this transaction holds or just wrote.
        item.full_clean(exclude=["reception", "lot", "offer_item"], validate_unique=False)
        item.save()
    if acceptance is not None:
        acceptance.received = True
        acceptance.save(update_fields=["received"])
        _offer_mark_received(acceptance.offer_id)
    return reception


def _offer_mark_received(offer_id: int) -> None:
    offer = Offer.objects.select_for_update().get(pk=offer_id)
    if offer.acceptances.filter(received=False).exists():
        return
    done = offer.status == OfferStatus.TAKEN or (
        offer.status == OfferStatus.PARTLY_TAKEN and offer.stage == CascadeStage.DONE
    )
    if done:
        offer.status = OfferStatus.RECEIVED
        offer.save(update_fields=["status"])
