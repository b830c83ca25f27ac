from datetime import timedelta
from decimal import Decimal

from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from bonnebouffe.accounts.selectors import scope_for
from bonnebouffe.coldchain.selectors import units_not_checked_today
from bonnebouffe.coldchain.services import reading_record, reminders_send
from bonnebouffe.core.models import Notification
from bonnebouffe.jobs.models import Job, JobStatus


def test_the_reminder_lists_the_units_without_a_reading_today(cold, tiny_network):
    reading_record(unit=cold.cooler, temperature_c=Decimal("3"), source="manual", actor=None)
    yesterday = timezone.now() - timedelta(days=1)
    reading_record(
        unit=cold.freezer, temperature_c=Decimal("-20"), source="sensor", actor=None, at=yesterday
    )
    assert set(units_not_checked_today()) == {cold.freezer, cold.agency_fridge}
    coord_r = scope_for(tiny_network.users["coord_r"])
    assert list(units_not_checked_today(scope=coord_r)) == [cold.agency_fridge]


def test_the_reminder_job_notifies_and_emails_each_organisation_once_a_day(
    cold, tiny_network, django_capture_on_commit_callbacks
):
    coord_h = tiny_network.users["coord_h"]
    coord_h.email = "hsl@example.org"
    coord_h.save()
    reading_record(unit=cold.cooler, temperature_c=Decimal("3"), source="manual", actor=None)
    with django_capture_on_commit_callbacks(execute=True):
        result = reminders_send()
    assert result["organisations"] == 2 and result["units"] == 2
    notes = {n.organisation.name: n.message for n in Notification.objects.all()}
    assert set(notes) == {"Antenne HSL", "Comptoir Châteauguay"}
    assert "Congélateur 1" in notes["Antenne HSL"]
    assert [m.to for m in mail.outbox] == [["hsl@example.org"]]
    assert "Congélateur 1" in mail.outbox[0].body
    again = reminders_send()
    assert again["organisations"] == 0 and again["skipped"] == 2
    assert Notification.objects.count() == 2


def test_the_management_command_runs_the_reminder_job(cold, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("coldchain_reminders")
    job = Job.objects.get(kind="coldchain.reminders")
    assert job.status == JobStatus.SUCCEEDED
    assert job.result["organisations"] == 3
    assert Notification.objects.count() == 3
