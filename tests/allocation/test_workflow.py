from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from bonnebouffe.accounts.selectors import scope_for
from bonnebouffe.allocation.errors import AllocationFailed
from bonnebouffe.allocation.models import LineStatus, RunStatus
from bonnebouffe.allocation.selectors import deliveries_for_planning, period_bounds
from bonnebouffe.allocation.services import (
    line_adjust,
    line_confirm,
    line_deliver,
    line_refuse,
    run_publish,
)
from bonnebouffe.inventory.models import Balance, Lot, Movement
from bonnebouffe.inventory.selectors import reconcile
from bonnebouffe.inventory.services import movement_record
from tests.allocation.conftest import run_now


@pytest.fixture
def draft(stocked, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    run = run_now(django_capture_on_commit_callbacks, stocked.net.users["admin"], stocked.period)
    assert run.status == RunStatus.DRAFT, run.error
    return run


def _admin(stocked):  # type: ignore[no-untyped-def]
    return scope_for(stocked.net.users["admin"])


def test_publish_is_refused_and_changes_nothing_when_the_stock_moved_since_the_run(stocked, draft):
    line = draft.lines.order_by("-quantity_g").first()
    balance = Balance.objects.get(lot=line.lot, site=line.site)
    movement_record(
        lot=line.lot,
        kind="loss",
        quantity_g=int(balance.quantity_g) - int(line.quantity_g) + 1,
        from_site=line.site,
        reason="test",
    )
    with pytest.raises(AllocationFailed) as err:
        run_publish(scope=_admin(stocked), run_id=draft.pk)
    assert line.lot.code in " ".join(err.value.details)
    draft.refresh_from_db()
    assert draft.status == RunStatus.DRAFT


def test_publish_then_a_second_run_does_not_promise_the_same_stock_again(
    stocked, draft, django_capture_on_commit_callbacks
):
    run_publish(scope=_admin(stocked), run_id=draft.pk)
    second = run_now(django_capture_on_commit_callbacks, stocked.net.users["admin"], stocked.period)
    for lot in Lot.objects.all():
        on_hand = sum(Balance.objects.filter(lot=lot).values_list("quantity_g", flat=True))
        promised = sum(
            lot.allocation_lines.filter(run__in=[draft, second]).values_list(
                "quantity_g", flat=True
            )
        )
        assert promised <= on_hand


def test_an_agency_cannot_answer_another_agencys_line(stocked, draft):
    net = stocked.net
    run_publish(scope=_admin(stocked), run_id=draft.pk)
    line = draft.lines.filter(agency=net.agency_chateauguay).first()
    with pytest.raises(PermissionDenied):
        line_confirm(scope=scope_for(net.users["agency_a3"]), line_id=line.pk)
    response = net.client("agency_a3").post(f"/api/allocation/lines/{line.pk}/confirm")
    assert response.status_code == 404
    line.refresh_from_db()
    assert line.status == LineStatus.PROPOSED


def test_a_refused_line_returns_its_food_to_the_pool(
    stocked, draft, django_capture_on_commit_callbacks
):
    net = stocked.net
    run_publish(scope=_admin(stocked), run_id=draft.pk)
    line = draft.lines.filter(agency=net.agency_chateauguay).first()
    with pytest.raises(AllocationFailed):
        line_refuse(scope=scope_for(net.users["agency_a1"]), line_id=line.pk, reason=" ")
    line_refuse(scope=scope_for(net.users["agency_a1"]), line_id=line.pk, reason="Pas de place")
    line.refresh_from_db()
    assert line.status == LineStatus.REFUSED
    again = run_now(django_capture_on_commit_callbacks, net.users["admin"], stocked.period)
    assert again.lines.filter(lot=line.lot).exists()


def test_a_delivered_line_writes_an_issue_movement_and_the_ledger_still_closes(stocked, draft):
    net = stocked.net
    run_publish(scope=_admin(stocked), run_id=draft.pk)
    line = draft.lines.filter(
        agency=net.agency_chateauguay, site__organisation=net.hub_roussillon
    ).first()
    line_confirm(scope=scope_for(net.users["agency_a1"]), line_id=line.pk)
    start, _ = period_bounds(draft.period)
    planned = deliveries_for_planning(hub_id=line.site.organisation_id, date=start)
    assert any(p.agency_id == net.agency_chateauguay.pk for p in planned)
    with pytest.raises(PermissionDenied):
        line_deliver(scope=scope_for(net.users["agency_a1"]), line_id=line.pk)
    line_deliver(scope=scope_for(net.users["coord_r"]), line_id=line.pk)
    line.refresh_from_db()
    assert line.status == LineStatus.DELIVERED
    move = Movement.objects.get(idempotency_key=f"alloc-line-{line.pk}")
    assert move.kind == "issue" and move.recipient_id == net.agency_chateauguay.pk
    assert move.quantity_g == line.quantity_g
    assert reconcile(Lot.objects.all())["closes"]


def test_adjusting_a_line_rechecks_room_and_recomputes_the_measures(stocked, draft):
    line = draft.lines.first()
    with pytest.raises(AllocationFailed):
        line_adjust(scope=_admin(stocked), line_id=line.pk, quantity_g=10_000_000)
    line_adjust(scope=_admin(stocked), line_id=line.pk, quantity_g=1_000)
    draft.refresh_from_db()
    assert draft.metrics["breaches"]
    with pytest.raises(PermissionDenied):
        line_adjust(scope=scope_for(stocked.net.users["coord_h"]), line_id=line.pk, quantity_g=0)


def test_the_review_page_and_pages_render_for_a_coordinator(stocked, draft):
    client = stocked.net.client("admin")
    assert client.get(f"/repartition/{draft.pk}/").status_code == 200
    assert client.get("/repartition/").status_code == 200
    assert client.get("/repartition/besoins/").status_code == 200
    a1 = stocked.net.client("agency_a1")
    assert a1.get("/repartition/mes-lignes/").status_code == 200
    assert a1.get(f"/repartition/besoins/{stocked.net.agency_chateauguay.pk}/").status_code == 200
    assert a1.get(f"/repartition/besoins/{stocked.net.agency_huntingdon.pk}/").status_code == 404
    assert stocked.net.client("coord_h").get(f"/repartition/{draft.pk}/").status_code == 404


def test_an_evaluator_sees_only_the_aggregates(stocked, draft):
    run_publish(scope=_admin(stocked), run_id=draft.pk)
    client = stocked.net.client("evaluator")
    assert client.get("/repartition/resume/").status_code == 200
    assert client.get(f"/repartition/{draft.pk}/").status_code in (403, 404)
    assert client.get("/repartition/").status_code == 403
    assert client.get("/repartition/mes-lignes/").status_code == 403
    assert client.get("/api/allocation/runs").status_code == 403


def test_the_api_lists_runs_details_and_publishes_within_scope(stocked, draft):
    admin = stocked.net.client("admin")
    assert [r["id"] for r in admin.get("/api/allocation/runs").json()] == [draft.pk]
    detail = admin.get(f"/api/allocation/runs/{draft.pk}").json()
    assert detail["lines"] and "plan" in detail["metrics"]
    coord_h = stocked.net.client("coord_h")
    assert coord_h.get(f"/api/allocation/runs/{draft.pk}").status_code == 404
    assert coord_h.post(f"/api/allocation/runs/{draft.pk}/publish").status_code == 404
    assert admin.post(f"/api/allocation/runs/{draft.pk}/publish").json()["status"] == "published"
    line = draft.lines.filter(agency=stocked.net.agency_chateauguay).first()
    a1 = stocked.net.client("agency_a1")
    r = a1.post(
        f"/api/allocation/lines/{line.pk}/refuse",
        {"reason": "Trop"},
        content_type="application/json",
    )
    assert r.json()["status"] == "refused"


def test_the_api_starts_a_run_and_saves_needs(stocked, django_capture_on_commit_callbacks):
    net = stocked.net
    coord = net.client("coord_r")
    with django_capture_on_commit_callbacks(execute=True):
        r = coord.post(
            "/api/allocation/runs",
            {"period": stocked.period, "hub_id": net.hub_roussillon.pk},
            content_type="application/json",
        )
    assert r.status_code == 201 and r.json()["job_id"]
    forbidden = coord.post(
        "/api/allocation/runs",
        {"period": stocked.period, "hub_id": net.hub_hsl.pk},
        content_type="application/json",
    )
    assert forbidden.status_code == 403
    a1 = net.client("agency_a1")
    body = {"period": stocked.period, "people_served": 321, "ineligible_categories": ["prepared"]}
    ok = a1.put(
        f"/api/allocation/needs/{net.agency_chateauguay.pk}", body, content_type="application/json"
    )
    assert ok.json()["people_served"] == 321
    other = a1.put(
        f"/api/allocation/needs/{net.agency_huntingdon.pk}", body, content_type="application/json"
    )
    assert other.status_code == 404
    names = {n["agency"] for n in a1.get("/api/allocation/needs").json()}
    assert names == {net.agency_chateauguay.name}
