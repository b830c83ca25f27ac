"""Writes of the education side: workshop registration and cancellation, needs survey
answers.

Registration never overbooks: the workshop row is locked (`select_for_update`) inside the
transaction, then the seats already taken are counted and the new registration written, so
two people asking for the last seat at once are served one after the other.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from bonnebouffe.inventory.models import FoodCategory
from bonnebouffe.territory.models import MRC, Municipality

from .errors import EducationError, EducationErrorCode
from .models import (
    MAX_SEATS_PER_REGISTRATION,
    NeedsSurveyResponse,
    RespondentKind,
    Workshop,
    WorkshopRegistration,
)
from .selectors import survey_mrc_choices, survey_municipality_choices, workshop_seats_taken


@transaction.atomic
def workshop_register(
    *, network_id: int, workshop_id: int, user: Any, seats: int, now: datetime | None = None
) -> WorkshopRegistration:
    """Register `user` for `seats` seats. Raises EducationError (unknown or started
    workshop, already registered, invalid number of seats, full, not enough seats left)."""
    if not 1 <= seats <= MAX_SEATS_PER_REGISTRATION:
        raise EducationError(EducationErrorCode.INVALID_SEATS, max=MAX_SEATS_PER_REGISTRATION)
    workshop = (
        Workshop.objects.select_for_update()
        .filter(pk=workshop_id, network_id=network_id, is_published=True)
        .first()
    )
    if workshop is None:
        raise EducationError(EducationErrorCode.WORKSHOP_UNKNOWN)
    if workshop.starts_at <= (now or timezone.now()):
        raise EducationError(EducationErrorCode.WORKSHOP_STARTED)
    if WorkshopRegistration.objects.filter(workshop=workshop, user=user).exists():
        raise EducationError(EducationErrorCode.ALREADY_REGISTERED)
    left = workshop.capacity - workshop_seats_taken(workshop_id=workshop.pk)
    if left <= 0:
        raise EducationError(EducationErrorCode.WORKSHOP_FULL)
    if seats > left:
        raise EducationError(EducationErrorCode.NOT_ENOUGH_SEATS, left=left)
    registration = WorkshopRegistration(workshop=workshop, user=user, seats=seats)
    registration.full_clean()
    registration.save()
    return registration


@transaction.atomic
def workshop_registration_cancel(*, workshop_id: int, user: Any) -> None:
    """Cancel `user`'s registration, freeing its seats. Raises EducationError if none."""
    # The same lock as registration, so a cancel and a registration are serialised.
    Workshop.objects.select_for_update().filter(pk=workshop_id).first()
    deleted, _detail = WorkshopRegistration.objects.filter(
        workshop_id=workshop_id, user=user
    ).delete()
    if not deleted:
        raise EducationError(EducationErrorCode.NOT_REGISTERED)


@transaction.atomic
def survey_response_submit(
    *,
    network_id: int,
    respondent_kind: str,
    mrc: MRC,
    wanted_categories: Iterable[str],
    wanted_products: str = "",
    pickup_municipalities: Iterable[Municipality] = (),
) -> NeedsSurveyResponse:
    """Store one anonymous needs survey answer (no user, no household: Law 25 minimisation).

    Raises EducationError when the MRC is not one of the network's; pickup places outside
    the network's territory are dropped. Raises ValidationError for unknown values.
    """
    if not survey_mrc_choices(network_id=network_id).filter(pk=mrc.pk).exists():
        raise EducationError(EducationErrorCode.NO_MRC)
    order = list(FoodCategory.values)
    categories = sorted(set(wanted_categories), key=lambda c: order.index(c) if c in order else 99)
    response = NeedsSurveyResponse(
        network_id=network_id,
        respondent_kind=RespondentKind(respondent_kind),
        mrc=mrc,
        wanted_categories=categories,
        wanted_products=wanted_products.strip()[:200],
    )
    response.full_clean()
    response.save()
    ids = [m.pk for m in pickup_municipalities]
    if ids:
        response.pickup_municipalities.set(
            survey_municipality_choices(network_id=network_id).filter(pk__in=ids)
        )
    return response
