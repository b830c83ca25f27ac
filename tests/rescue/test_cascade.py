"""The cascade: home hub, then every hub, then the agencies' open board, then closed."""

from datetime import timedelta
from io import StringIO

from django.core import mail
from django.core.management import call_command
from django.utils import timezone, translation
from django.utils.formats import date_format

from bonnebouffe.accounts.selectors import scope_for
from bonnebouffe.core.models import Notification
from bonnebouffe.jobs.models import Job
from bonnebouffe.jobs.tasks import job_submit
from bonnebouffe.rescue.models import CascadeStage, OfferStatus
from bonnebouffe.rescue.selectors import offer_board, offer_get, offer_takers
from bonnebouffe.rescue.services import NO_TAKER_REASON, offers_advance

from .conftest import make_offer


def _recipients() -> set[str]:
    return {address for message in mail.outbox for address in message.to}


def test_an_offer_goes_down_the_three_stages_with_notifications_and_emails(
    net, django_capture_on_commit_callbacks
):
    t0 = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        offer = make_offer(net, now=t0, hours=30)
    assert set(Notification.objects.values_list("organisation", flat=True)) == {
        net.hub_roussillon.pk
    }
    assert _recipients() == {"coord_r@example.org", "admin@example.org"}

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert offers_advance(now=t0 + timedelta(hours=1)).advanced == 0
        result = offers_advance(now=t0 + timedelta(hours=4, minutes=1))
    assert result.advanced == 1
    offer.refresh_from_db()
    assert offer.stage == CascadeStage.NETWORK
    assert Notification.objects.filter(organisation=net.hub_hsl).count() == 1
    assert _recipients() == {"coord_h@example.org"}

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        offers_advance(now=t0 + timedelta(hours=12, minutes=2))
    offer.refresh_from_db()
    assert offer.stage == CascadeStage.OPEN_BOARD and offer.stage_until is None
    notified = set(
        Notification.objects.filter(message__contains=f"#{offer.pk}").values_list(
            "organisation", flat=True
        )
    )
    assert {net.agency_chateauguay.pk, net.agency_huntingdon.pk} <= notified
    # Agency staff are told; the household and the evaluator of the same agency are not.
    assert _recipients() == {"agency_a1@example.org", "agency_a3@example.org"}

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        again = offers_advance(now=t0 + timedelta(hours=13))
        closed = offers_advance(now=t0 + timedelta(hours=30, minutes=1))
    assert (again.advanced, again.closed, closed.closed) == (0, 0, 1)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.CLOSED and offer.stage == CascadeStage.DONE
    assert offer.closed_reason == NO_TAKER_REASON
    assert _recipients() == {"donor@example.org"}


def test_emails_are_written_in_each_members_language(net, django_capture_on_commit_callbacks):
    admin = net.users["admin"]
    admin.preferred_language = "en"
    admin.save(update_fields=["preferred_language"])
    with django_capture_on_commit_callbacks(execute=True):
        offer = make_offer(net)
    by_address = {m.to[0]: m for m in mail.outbox}
    end = timezone.localtime(offer.window_end)
    with translation.override("en"):
        english = date_format(end, "DATETIME_FORMAT")
    with translation.override("fr-ca"):
        french = date_format(end, "DATETIME_FORMAT")
    assert english != french
    assert english in by_address["admin@example.org"].body
    assert french in by_address["coord_r@example.org"].body
    assert "10,0\xa0kg" in by_address["coord_r@example.org"].body
    assert "10.0\xa0kg" in by_address["admin@example.org"].body
    assert f"/dons/{offer.pk}/" in by_address["admin@example.org"].body


def test_the_closing_reason_is_translated_when_shown(net):
    offer = make_offer(net, now=timezone.now() - timedelta(hours=50), hours=49)
    offers_advance()
    offer.refresh_from_db()
    page = net.client("donor").get(f"/dons/{offer.pk}/", headers={"accept-language": "en"})
    assert "No taker before the window ended." in page.content.decode()


def test_a_partly_taken_offer_keeps_its_acceptances_when_the_window_ends(net):
    from bonnebouffe.rescue.services import offer_accept

    offer = make_offer(net, now=timezone.now() - timedelta(hours=2), hours=3)
    item = offer.items.get()
    offer_accept(
        scope=scope_for(net.users["coord_r"]),
        offer=offer,
        taker=net.hub_roussillon,
        quantities_g={item.pk: 4_000},
    )
    offers_advance(now=timezone.now() + timedelta(hours=2))
    offer.refresh_from_db()
    assert (offer.status, offer.stage) == (OfferStatus.PARTLY_TAKEN, CascadeStage.DONE)


def test_the_other_hub_sees_the_offer_only_from_the_network_stage(net):
    t0 = timezone.now()
    offer = make_offer(net, now=t0)
    coord_h = scope_for(net.users["coord_h"])
    assert offer_get(scope=coord_h, pk=offer.pk) is None
    assert offer_board(scope=coord_h) == []
    assert net.client("coord_h").get(f"/dons/{offer.pk}/").status_code == 404
    offers_advance(now=t0 + timedelta(hours=5))
    seen = offer_get(scope=coord_h, pk=offer.pk)
    assert seen is not None
    assert [t.pk for t in offer_takers(scope=coord_h, offer=seen)] == [net.hub_hsl.pk]
    assert [r.offer.pk for r in offer_board(scope=coord_h)] == [offer.pk]


def test_agencies_see_only_the_open_board(net):
    t0 = timezone.now()
    offer = make_offer(net, now=t0)
    agency = scope_for(net.users["agency_a3"])
    offers_advance(now=t0 + timedelta(hours=5))
    assert offer_get(scope=agency, pk=offer.pk) is None
    offers_advance(now=t0 + timedelta(hours=14))
    seen = offer_get(scope=agency, pk=offer.pk)
    assert seen is not None
    assert [t.pk for t in offer_takers(scope=agency, offer=seen)] == [net.agency_huntingdon.pk]
    page = net.client("agency_a3").get("/dons/tableau-ouvert/").content.decode()
    assert f"/dons/{offer.pk}/" in page


def test_the_command_and_the_job_advance_due_offers(net, django_capture_on_commit_callbacks):
    first = make_offer(net, now=timezone.now() - timedelta(hours=5))
    call_command("offers_advance", stdout=StringIO())
    first.refresh_from_db()
    assert first.stage == CascadeStage.NETWORK
    second = make_offer(net, now=timezone.now() - timedelta(hours=5))
    with django_capture_on_commit_callbacks(execute=True):
        job = job_submit(kind="rescue.cascade_advance", title="tick", owner=None, params={})
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    assert job.result == {"advanced": 1, "closed": 0}
    second.refresh_from_db()
    assert second.stage == CascadeStage.NETWORK
    assert Job.objects.filter(kind="rescue.notify").exists()
