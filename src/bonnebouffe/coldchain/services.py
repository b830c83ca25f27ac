"""Writes of the cold chain: units, readings, excursions and their review, alerts, reminders.

Food-safety rule (quebec.ca "Dons d'aliments"): fridges at 4 °C or less, freezers at -18 °C or
less, checked every day. A reading above the limit opens an excursion: the lots with stock in
the storage locations that follow the unit are held (`Lot.under_review`, which the ledger
refuses to issue, sell or transfer) until a coordinator releases or discards them.

While an excursion of a unit is under review, further readings above the limit add the lots
newly stored there to it instead of opening another one (and send no new alert): a broken
fridge with a sensor posting every five minutes gives one alert, not twelve an hour.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import get_connection, send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bonnebouffe.accounts.selectors import Scope
from bonnebouffe.core.models import Notification
from bonnebouffe.domain.food_safety import StorageClass, temperature_ok
from bonnebouffe.domain.quantities import format_number
from bonnebouffe.inventory.models import Destination
from bonnebouffe.inventory.selectors import safety_policy
from bonnebouffe.inventory.services import lot_dispose, lot_flag_review
from bonnebouffe.jobs.tasks import job_submit
from bonnebouffe.network.models import Organisation, Site

from .models import (
    ColdUnit,
    Excursion,
    ExcursionStatus,
    ReadingSource,
    TemperatureReading,
    UnitKind,
)
from .selectors import (
    alert_organisations,
    alert_recipients,
    day_bounds,
    lot_ids_held_elsewhere,
    lot_ids_in_unit,
    open_excursion_for_unit,
    sites_for_unit_create,
    unit_balances,
    unit_limit_c,
    units_not_checked_today,
)

# No fridge, freezer or truck reads outside this: such a value is a typing or sensor error.
TEMPERATURE_MIN_C = Decimal("-60")
TEMPERATURE_MAX_C = Decimal("60")
# A sensor's clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=10)
DECISIONS = ("release", "discard")
KIND_CLASSES = {
    UnitKind.FRIDGE: ("refrigerated",),
    UnitKind.FREEZER: ("frozen",),
    UnitKind.TRUCK: ("refrigerated", "frozen"),
}
ALERT_JOB = "coldchain.alert"
REMINDER_JOB = "coldchain.reminders"


def _temperature_clean(value: Any) -> Decimal:
    try:
        t = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({"temperature_c": _("Enter a number.")}) from None
    if not t.is_finite() or not TEMPERATURE_MIN_C <= t <= TEMPERATURE_MAX_C:
        raise ValidationError(
            {
                "temperature_c": _(
                    "A temperature must be between -60 °C and 60 °C. "
                    "Check the thermometer and type it again."
                )
            }
        )
    return t.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _number(value: Decimal | None) -> str:
    if value is None:
        return ""
    return format_number(value, decimals=1, language=translation.get_language() or "fr-ca")


def _stored_text() -> Any:
    """Text stored for several readers (a notification) is written in the network's language."""
    return translation.override(settings.LANGUAGE_CODE)


@transaction.atomic
def unit_create(
    *, scope: Scope | None, site: Site, name: str, kind: str, storage_class: str
) -> ColdUnit:
    """Add a fridge, freezer or truck to a site. `scope=None` is for system jobs and demo data."""
    if scope is not None and not sites_for_unit_create(scope=scope).filter(pk=site.pk).exists():
        raise PermissionDenied(_("You may not add a cold unit to this site."))
    unit = ColdUnit(site=site, name=name.strip(), kind=kind, storage_class=storage_class)
    unit.full_clean()
    if storage_class not in KIND_CLASSES[UnitKind(kind)]:
        raise ValidationError(
            {
                "storage_class": _(
                    "A fridge keeps food refrigerated and a freezer keeps it frozen; "
                    "choose the matching storage class."
                )
            }
        )
    unit.save()
    return unit


@transaction.atomic
def reading_record(
    *,
    unit: ColdUnit,
    temperature_c: Decimal,
    source: str,
    actor: Any,
    at: datetime | None = None,
) -> TemperatureReading:
    """Record a temperature; above the limit, open an excursion, hold the lots and alert.

    A sensor that sends the same reading again (same unit, time and temperature, after a lost
    answer) gets the first one back and nothing changes. Raises ValidationError for a value
    outside -60..60 °C, a time in the future, or a unit out of service.
    """
    temperature = _temperature_clean(temperature_c)
    now = timezone.now()
    if at is not None and timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at is not None and at > now + CLOCK_SKEW:
        raise ValidationError({"at": _("A reading cannot be in the future.")})
    if source not in ReadingSource.values:
        raise ValidationError({"source": _("This is not one of the allowed choices.")})
    # One writer per unit at a time: the duplicate check and the open excursion stay true.
    unit = ColdUnit.objects.select_for_update().select_related("site__organisation").get(pk=unit.pk)
    if not unit.is_active:
        raise ValidationError(_("This unit is out of service; put it back in service first."))
    if at is not None:
        existing = unit.readings.filter(at=at, temperature_c=temperature).first()
        if existing is not None:
            return existing
    reading = TemperatureReading(
        unit=unit,
        at=at or now,
        temperature_c=temperature,
        source=source,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        within_limit=temperature_ok(StorageClass(unit.storage_class), temperature, safety_policy()),
    )
    reading.full_clean()
    reading.save()
    if not reading.within_limit:
        _excursion_open_or_extend(unit=unit, reading=reading, actor=actor)
    return reading


def _excursion_open_or_extend(*, unit: ColdUnit, reading: TemperatureReading, actor: Any) -> None:
    lot_ids = lot_ids_in_unit(unit_id=unit.pk)
    excursion = open_excursion_for_unit(unit_id=unit.pk)
    is_new = excursion is None
    if excursion is None:
        excursion = Excursion(unit=unit, reading=reading)
        excursion.full_clean()
        excursion.save()
    if lot_ids:
        lot_flag_review(lot_ids=lot_ids, under_review=True)
        excursion.lots.add(*lot_ids)
    if is_new:
        _excursion_alert(excursion=excursion, reading=reading, lot_count=len(lot_ids), actor=actor)


def _excursion_alert(
    *, excursion: Excursion, reading: TemperatureReading, lot_count: int, actor: Any
) -> None:
    unit = excursion.unit
    url = reverse("coldchain:excursion_review", args=[excursion.pk])
    with _stored_text():
        message = _(
            "Temperature excursion: %(unit)s (%(site)s) read %(t)s °C, above %(limit)s °C. "
            "%(n)s lots are held until someone reviews them."
        ) % {
            "unit": unit.name,
            "site": unit.site.name,
            "t": _number(reading.temperature_c),
            "limit": _number(unit_limit_c(unit)),
            "n": lot_count,
        }
    for org in alert_organisations(unit=unit):
        Notification.objects.create(organisation=org, message=message[:300], url=url)
    # The job row is written with the excursion; the email goes out once both are committed.
    with _stored_text():
        title = _("Temperature alert: %(unit)s") % {"unit": unit.name}
    job_submit(
        kind=ALERT_JOB, title=title[:200], owner=actor, params={"excursion_id": excursion.pk}
    )


def _site_url(path: str) -> str:
    return f"{getattr(settings, 'BONNEBOUFFE_SITE_URL', '').rstrip('/')}{path}"


def _send_each(recipients: list[Any], subject_and_body: Any) -> int:
    """One email per person (nobody sees the others' addresses), in their own language."""
    messages = []
    for user in recipients:
        with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
            subject, body = subject_and_body()
        messages.append((subject, body, user.email))
    if not messages:
        return 0
    connection = get_connection()
    sent = 0
    for subject, body, email in messages:
        sent += send_mail(subject, body, None, [email], connection=connection)
    return sent


def excursion_alert_send(*, excursion_id: int) -> int:
    """Email the members of the unit's organisation about an excursion; returns emails sent."""
    excursion = (
        Excursion.objects.select_related("unit__site__organisation", "reading")
        .filter(pk=excursion_id)
        .first()
    )
    if excursion is None:
        return 0
    unit = excursion.unit
    recipients = list(alert_recipients(organisation_ids=[unit.site.organisation_id]))
    context = {
        "unit": unit,
        "reading": excursion.reading,
        "limit_c": unit_limit_c(unit),
        "lot_count": excursion.lots.count(),
        "url": _site_url(reverse("coldchain:excursion_review", args=[excursion.pk])),
    }

    def compose() -> tuple[str, str]:
        subject = _("Temperature alert: %(unit)s (%(site)s)") % {
            "unit": unit.name,
            "site": unit.site.name,
        }
        return subject, render_to_string("coldchain/email/excursion_alert.txt", context)

    return _send_each(recipients, compose)


@transaction.atomic
def excursion_review(*, excursion: Excursion, decision: str, notes: str, actor: Any) -> Excursion:
    """Close an excursion: release the lots, or dispose of their stock in the unit.

    release: the lots are no longer held (unless another excursion still holds them).
    discard: every positive balance of the lots in the unit's storage locations goes to
    disposal, with the reason, then the lots are released like above (stock of the same lot
    kept elsewhere was not exposed). All or nothing. Raises ValidationError, LedgerError.
    """
    notes = (notes or "").strip()
    errors: dict[str, str] = {}
    if decision not in DECISIONS:
        errors["decision"] = _("Choose to release or to discard the lots.")
    if len(notes) < 3:
        errors["notes"] = _("Say what you checked and why you decided so.")
    if errors:
        raise ValidationError(errors)
    excursion = Excursion.objects.select_for_update().select_related("unit").get(pk=excursion.pk)
    if excursion.status != ExcursionStatus.OPEN:
        raise ValidationError(_("This excursion was already reviewed."))
    lot_ids = sorted(excursion.lots.values_list("pk", flat=True))
    now = timezone.now()
    if decision == "discard":
        reason = f"temperature excursion {excursion.pk}: {notes}"[:200]
        for balance in unit_balances(unit_id=excursion.unit_id, lot_ids=lot_ids):
            lot_dispose(
                lot=balance.lot,
                site=balance.site,
                location=balance.location,
                quantity_g=balance.quantity_g,
                destination=Destination.DISPOSAL,
                reason=reason,
                actor=actor,
                at=now,
            )
    still_held = lot_ids_held_elsewhere(lot_ids=lot_ids, excursion_id=excursion.pk)
    lot_flag_review(lot_ids=[i for i in lot_ids if i not in still_held], under_review=False)
    excursion.status = (
        ExcursionStatus.DISCARDED if decision == "discard" else ExcursionStatus.RELEASED
    )
    excursion.resolution = notes
    excursion.reviewed_by = actor if getattr(actor, "is_authenticated", False) else None
    excursion.reviewed_at = now
    excursion.full_clean()
    excursion.save()
    return excursion


def reminders_send(*, on: date | None = None) -> dict[str, int]:
    """Remind each organisation of its units with no reading today (notification and email).

    Idempotent per day: an organisation already reminded today is skipped, so cron may run
    the job twice. The emails leave once the notifications are committed.
    """
    day = on or timezone.localdate()
    start, _end = day_bounds(day)
    url = reverse("coldchain:unit_list")
    sent: list[int] = []
    with transaction.atomic():
        by_org: dict[int, list[ColdUnit]] = {}
        for unit in units_not_checked_today(on=day):
            by_org.setdefault(unit.site.organisation_id, []).append(unit)
        reminded = set(
            Notification.objects.filter(
                organisation_id__in=list(by_org), url=url, created_at__gte=start
            ).values_list("organisation_id", flat=True)
        )
        todo = {org_id: units for org_id, units in by_org.items() if org_id not in reminded}
        orgs = Organisation.objects.in_bulk(list(todo))
        for org_id, units in todo.items():
            names = ", ".join(u.name for u in units)
            with _stored_text():
                message = _("Temperature log: no reading today for %(units)s.") % {"units": names}
            Notification.objects.create(organisation=orgs[org_id], message=message[:300], url=url)
        if todo:
            transaction.on_commit(lambda: sent.append(_reminder_emails(todo, day)))
    return {
        "organisations": len(todo),
        "units": sum(len(u) for u in todo.values()),
        "skipped": len(by_org) - len(todo),
        "emails": sum(sent),
    }


def _reminder_emails(todo: dict[int, list[ColdUnit]], day: date) -> int:
    sent = 0
    link = _site_url(reverse("coldchain:unit_list"))
    for org_id, units in todo.items():
        recipients = list(alert_recipients(organisation_ids=[org_id]))
        context = {"units": units, "day": day, "url": link}

        def compose(context: dict[str, Any] = context) -> tuple[str, str]:
            subject = _("Temperature log: units not checked today")
            return subject, render_to_string("coldchain/email/reminder.txt", context)

        sent += _send_each(recipients, compose)
    return sent
