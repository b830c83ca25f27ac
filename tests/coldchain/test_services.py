from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from bonnebouffe.coldchain.models import Excursion, ExcursionStatus, TemperatureReading
from bonnebouffe.coldchain.services import excursion_review, reading_record, unit_create
from bonnebouffe.core.models import Notification
from bonnebouffe.inventory.errors import LedgerError, LedgerErrorCode
from bonnebouffe.inventory.models import Balance, Lot
from bonnebouffe.inventory.selectors import balance_rebuild_diff, reconcile
from bonnebouffe.inventory.services import movement_record
from bonnebouffe.jobs.models import Job, JobStatus


def record(unit, t, **kw):
    return reading_record(
        unit=unit, temperature_c=Decimal(t), source=kw.pop("source", "manual"), actor=None, **kw
    )


def held(*lots):
    return [Lot.objects.get(pk=lot.pk).under_review for lot in lots]


@pytest.mark.parametrize(
    ("unit_name", "temperature", "within"),
    [
        ("cooler", "4", True),
        ("cooler", "3.9", True),
        ("cooler", "-1", True),
        ("cooler", "4.1", False),
        ("freezer", "-18", True),
        ("freezer", "-25.5", True),
        ("freezer", "-17.9", False),
        ("freezer", "2", False),
    ],
)
def test_a_reading_is_within_the_limit_of_its_storage_class(cold, unit_name, temperature, within):
    reading = record(getattr(cold, unit_name), temperature)
    assert reading.within_limit is within
    assert Excursion.objects.filter(reading=reading).exists() is not within


@pytest.mark.parametrize("temperature", ["60.1", "-60.1", "1000", "NaN", "Infinity"])
def test_an_absurd_temperature_is_refused_and_changes_nothing(cold, temperature):
    with pytest.raises(ValidationError) as info:
        record(cold.cooler, temperature)
    assert "temperature_c" in info.value.message_dict
    assert not TemperatureReading.objects.exists()


def test_a_reading_in_the_future_is_refused(cold):
    with pytest.raises(ValidationError):
        record(cold.cooler, "3", at=timezone.now() + timedelta(hours=2))


def test_a_reading_is_rounded_to_a_tenth_of_a_degree(cold):
    assert record(cold.cooler, "3.96").temperature_c == Decimal("4.0")


def test_an_excursion_holds_exactly_the_lots_with_stock_in_the_units_locations(cold, tiny_network):
    reading = record(cold.cooler, "9.5")
    excursion = reading.excursion
    assert set(excursion.lots.values_list("pk", flat=True)) == {
        cold.lot_in_cooler.pk,
        cold.lot_split.pk,
    }
    assert held(cold.lot_in_cooler, cold.lot_split, cold.lot_on_shelf, cold.lot_in_freezer) == [
        True,
        True,
        False,
        False,
    ]
    with pytest.raises(LedgerError) as info:
        movement_record(
            lot=Lot.objects.get(pk=cold.lot_in_cooler.pk),
            kind="issue",
            quantity_g=1_000,
            from_site=cold.site_r,
            from_location=cold.loc_cooler,
            recipient=tiny_network.agency_mercier,
        )
    assert info.value.code == LedgerErrorCode.LOT_BLOCKED
    # The part of the split lot on the ambient shelf is held too: the hold is per lot.
    with pytest.raises(LedgerError):
        movement_record(
            lot=Lot.objects.get(pk=cold.lot_split.pk),
            kind="issue",
            quantity_g=500,
            from_site=cold.site_r,
            from_location=cold.loc_shelf,
        )
    # A lot that was never in the unit is still distributable.
    movement_record(
        lot=cold.lot_on_shelf,
        kind="issue",
        quantity_g=1_000,
        from_site=cold.site_r,
        from_location=cold.loc_shelf,
    )


def test_an_excursion_notifies_the_organisation_and_its_hub(cold, tiny_network):
    reading = record(cold.agency_fridge, "12")
    notified = set(Notification.objects.values_list("organisation__name", flat=True))
    assert notified == {"Comptoir Châteauguay", "Antenne Roussillon"}
    note = Notification.objects.first()
    assert note.url == f"/froid/ecarts/{reading.excursion.pk}/"
    assert Job.objects.filter(kind="coldchain.alert").count() == 1


def test_a_unit_still_warm_extends_its_open_excursion_without_a_new_alert(cold):
    first = record(cold.cooler, "8")
    lot_later = cold.lot_on_shelf
    movement_record(
        lot=lot_later,
        kind="transfer",
        quantity_g=1_000,
        from_site=cold.site_r,
        from_location=cold.loc_shelf,
        to_site=cold.site_r,
        to_location=cold.loc_cooler,
    )
    second = record(cold.cooler, "9")
    assert not second.within_limit
    assert Excursion.objects.count() == 1
    assert lot_later in first.excursion.lots.all()
    assert Notification.objects.count() == 1
    assert Job.objects.filter(kind="coldchain.alert").count() == 1


def test_a_sensor_retry_with_the_same_time_and_value_does_not_duplicate(cold):
    at = timezone.now() - timedelta(minutes=3)
    first = record(cold.freezer, "-5", at=at, source="sensor")
    again = record(cold.freezer, "-5.0", at=at, source="sensor")
    assert again.pk == first.pk
    assert TemperatureReading.objects.count() == 1
    assert Excursion.objects.count() == 1


def test_release_unblocks_the_lots(cold, tiny_network):
    excursion = record(cold.cooler, "7").excursion
    done = excursion_review(
        excursion=excursion,
        decision="release",
        notes="Porte restée ouverte 10 minutes, produits à 3 °C.",
        actor=tiny_network.users["coord_r"],
    )
    assert done.status == ExcursionStatus.RELEASED
    assert done.reviewed_by == tiny_network.users["coord_r"]
    assert held(cold.lot_in_cooler, cold.lot_split) == [False, False]
    movement_record(
        lot=Lot.objects.get(pk=cold.lot_in_cooler.pk),
        kind="issue",
        quantity_g=1_000,
        from_site=cold.site_r,
        from_location=cold.loc_cooler,
    )


def test_a_lot_held_by_two_excursions_stays_held_until_both_are_reviewed(cold, tiny_network):
    # Part of the yogurt goes to the HSL freezer; both units then fail.
    movement_record(
        lot=cold.lot_in_cooler,
        kind="transfer",
        quantity_g=2_000,
        from_site=cold.site_r,
        from_location=cold.loc_cooler,
        to_site=cold.site_h,
        to_location=cold.loc_freezer,
    )
    one = record(cold.cooler, "10").excursion
    two = record(cold.freezer, "-2").excursion
    excursion_review(excursion=one, decision="release", notes="vérifié", actor=None)
    assert held(cold.lot_in_cooler) == [True]
    excursion_review(excursion=two, decision="release", notes="vérifié", actor=None)
    assert held(cold.lot_in_cooler) == [False]


def test_discard_disposes_of_the_stock_in_the_unit_and_the_ledger_still_closes(cold):
    excursion = record(cold.cooler, "15").excursion
    lots = Lot.objects.filter(pk__in=[cold.lot_in_cooler.pk, cold.lot_split.pk])
    before = reconcile(lots)
    excursion_review(excursion=excursion, decision="discard", notes="Panne de 6 heures", actor=None)
    excursion.refresh_from_db()
    assert excursion.status == ExcursionStatus.DISCARDED
    assert not Balance.objects.filter(location=cold.loc_cooler, quantity_g__gt=0).exists()
    # The part of the split lot on the shelf was not exposed: it stays, and is released.
    assert Balance.objects.get(lot=cold.lot_split, location=cold.loc_shelf).quantity_g == 1_500
    assert held(cold.lot_in_cooler, cold.lot_split) == [False, False]
    after = reconcile(lots)
    assert after["closes"] and after["gap_g"] == 0
    assert after["by_destination_g"]["disposal"] == 12_000 + 2_500
    assert after["closing_g"] == before["closing_g"] - 14_500
    assert balance_rebuild_diff() == []


def test_a_review_needs_a_decision_and_notes_and_happens_once(cold):
    excursion = record(cold.cooler, "15").excursion
    with pytest.raises(ValidationError) as info:
        excursion_review(excursion=excursion, decision="maybe", notes="", actor=None)
    assert set(info.value.message_dict) == {"decision", "notes"}
    excursion_review(excursion=excursion, decision="release", notes="ok, vérifié", actor=None)
    with pytest.raises(ValidationError):
        excursion_review(excursion=excursion, decision="discard", notes="ok, vérifié", actor=None)
    assert Balance.objects.filter(location=cold.loc_cooler, quantity_g__gt=0).count() == 2


def test_the_alert_email_goes_to_members_in_their_own_language(
    cold, tiny_network, django_capture_on_commit_callbacks
):
    coord, admin = tiny_network.users["coord_r"], tiny_network.users["admin"]
    coord.email, coord.preferred_language = "coord@example.org", "en"
    admin.email, admin.preferred_language = "admin@example.org", "fr-ca"
    coord.save()
    admin.save()
    with django_capture_on_commit_callbacks(execute=True):
        record(cold.cooler, "6.5")
    assert Job.objects.get(kind="coldchain.alert").status == JobStatus.SUCCEEDED
    by_to = {m.to[0]: m for m in mail.outbox}
    assert set(by_to) == {"coord@example.org", "admin@example.org"}
    assert "6.5 °C" in by_to["coord@example.org"].body
    assert "6,5 °C" in by_to["admin@example.org"].body
    assert "/froid/ecarts/" in by_to["admin@example.org"].body


def test_a_fridge_cannot_be_declared_frozen_and_names_are_unique_per_site(cold):
    with pytest.raises(ValidationError) as info:
        unit_create(scope=None, site=cold.site_r, name="X", kind="fridge", storage_class="frozen")
    assert "storage_class" in info.value.message_dict
    with pytest.raises(ValidationError):
        unit_create(
            scope=None,
            site=cold.site_r,
            name="Chambre froide",
            kind="fridge",
            storage_class="refrigerated",
        )


def test_an_out_of_service_unit_takes_no_reading(cold):
    cold.cooler.is_active = False
    cold.cooler.save()
    with pytest.raises(ValidationError):
        record(cold.cooler, "3")
