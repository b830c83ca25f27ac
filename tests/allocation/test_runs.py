from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from bonnebouffe.accounts.selectors import scope_for
from bonnebouffe.allocation.models import LineStatus, RunStatus
from bonnebouffe.allocation.services import need_save
from bonnebouffe.jobs.models import Job
from tests.allocation.conftest import receive, run_now


def test_a_network_run_allocates_the_stock_of_both_hubs_and_stores_metrics(
    stocked, django_capture_on_commit_callbacks
):
    net = stocked.net
    run = run_now(django_capture_on_commit_callbacks, net.users["admin"], stocked.period)
    assert run.status == RunStatus.DRAFT, run.error
    assert Job.objects.get(pk=run.job_id).status == "succeeded"
    lines = list(run.lines.all())
    assert lines and all(line.status == LineStatus.PROPOSED for line in lines)
    assert sum(line.quantity_g for line in lines) <= 260_000
    assert {"plan", "baseline"} <= set(run.metrics)
    assert run.curve and run.explanations


def test_a_coordinator_run_of_one_hub_only_uses_that_hubs_stock_and_agencies(
    stocked, django_capture_on_commit_callbacks
):
    net = stocked.net
    run = run_now(
        django_capture_on_commit_callbacks, net.users["coord_r"], stocked.period, net.hub_roussillon
    )
    assert run.status == RunStatus.DRAFT, run.error
    agencies = set(run.lines.values_list("agency_id", flat=True))
    assert agencies <= {net.agency_chateauguay.pk, net.agency_mercier.pk}
    assert stocked.lots["beans"].pk not in set(run.lines.values_list("lot_id", flat=True))


def test_receiving_capacity_is_respected(stocked, django_capture_on_commit_callbacks):
    net = stocked.net
    need_save(
        scope=scope_for(net.users["admin"]),
        agency_id=net.agency_chateauguay.pk,
        period=stocked.period,
        people_served=500,
        capacity_kg={"ambient": 30},
    )
    # Runs allocate whole lots: a 25 kg lot fits the 30 kg of room, the others do not.
    receive(net.hub_roussillon, "Pommes", "vegetables_fruits", 25_000)
    run = run_now(django_capture_on_commit_callbacks, net.users["admin"], stocked.period)
    got = sum(run.lines.filter(agency=net.agency_chateauguay).values_list("quantity_g", flat=True))
    assert 0 < got <= 30_000


def test_a_lot_past_its_use_by_date_is_never_allocated(stocked, django_capture_on_commit_callbacks):
    net = stocked.net
    expired = receive(net.hub_roussillon, "Préparation", "infant", 5_000, kind="use_by", days=-1)
    run = run_now(django_capture_on_commit_callbacks, net.users["admin"], stocked.period)
    assert run.status == RunStatus.DRAFT
    assert not run.lines.filter(lot=expired).exists()


def test_a_run_without_any_declared_need_fails_with_a_clear_message(
    tiny_network, django_capture_on_commit_callbacks
):
    period = (
        f"{timezone.localdate().isocalendar().year}-W{timezone.localdate().isocalendar().week:02d}"
    )
    run = run_now(django_capture_on_commit_callbacks, tiny_network.users["admin"], period)
    assert run.status == RunStatus.FAILED
    assert "besoin" in run.error
    assert Job.objects.get(pk=run.job_id).status == "failed"
    assert timedelta(0) is not None
