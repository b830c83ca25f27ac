"""The households that bought a traced lot: shown (and audit-logged) to the roles that may see
households, counted for everyone else, in the trace page, its CSV, the recall PDF and the API."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

import bonnebouffe.inventory.report_jobs  # noqa: F401  (registers the runner, as ready() does)
from bonnebouffe.accounts.models import AuditLogEntry
from bonnebouffe.accounts.selectors import scope_for
from bonnebouffe.grocery.lot_buyers import lot_buyers
from bonnebouffe.grocery.models import ProductLot
from bonnebouffe.grocery.services import LineIn, card_issue, order_place, sale_checkout
from bonnebouffe.households.models import Household
from bonnebouffe.jobs.models import Job

TRACE = "/stock/tracabilite/"
CSV_URL = "/stock/tracabilite/export.csv"


@pytest.fixture
def bought(tiny_grocery):
    """Apples sold to the card holder (Lucie) at the counter, picked up by a second household
    (no card) as an order, and sold once to nobody known."""
    g = tiny_grocery
    Household.objects.filter(pk=g.household.pk).update(display_name="Lucie", phone="450-555-0101")
    second = Household.objects.create(
        agency=g.store.grocery,
        reference="G-0002",
        size=2,
        municipality=g.store.municipality,
        display_name="Marc",
        email="marc@example.org",
    )
    sale_checkout(
        point=g.store,
        cashier=g.staff,
        lines=[LineIn(g.apples.pk, grams=1500)],
        card=g.card,
        payment_method="cash",
    )
    order = order_place(household=second, window=g.window, lines=[LineIn(g.apples.pk, grams=700)])
    sale_checkout(point=g.store, cashier=g.staff, order=order, payment_method="cash")
    sale_checkout(
        point=g.store,
        cashier=g.staff,
        lines=[LineIn(g.apples.pk, grams=300)],
        payment_method="cash",
    )
    lot = ProductLot.objects.select_related("lot").get(product=g.apples).lot
    AuditLogEntry.objects.all().delete()  # card issue and registration wrote their own
    return g, lot, second


def _household_audit(action: str) -> set[str]:
    return set(
        AuditLogEntry.objects.filter(object_type="household", action=action).values_list(
            "object_id", flat=True
        )
    )


@pytest.mark.parametrize("username", ["caisse", "admin"])
def test_grocery_staff_and_administrators_see_who_bought_the_lot_and_the_view_is_logged(
    bought, username
):
    g, lot, second = bought
    response = g.tn.client(username).get(TRACE, {"lot": lot.code})
    page = response.content.decode()
    (group,) = response.context["report"].people
    assert group.names_allowed and group.hidden_count == 0 and group.anonymous_count == 1
    by_ref = {p.reference: p for p in group.people}
    assert set(by_ref) == {"G-0001", "G-0002"}
    assert (by_ref["G-0001"].quantity_g, by_ref["G-0001"].card_number) == (1500, g.card.number)
    assert by_ref["G-0002"].quantity_g == 700 and by_ref["G-0002"].card_number == ""
    assert g.card.number in page and "Lucie" in page and "450-555-0101" in page
    assert "Marc" in page and "marc@example.org" in page
    assert "Privilège" not in page and g.tiers["privilege"].name not in page  # never the tier
    assert _household_audit("view") == {str(g.household.pk), str(second.pk)}
    entry = AuditLogEntry.objects.filter(object_type="household").first()
    assert entry.actor == g.tn.users[username] and entry.detail == "trace page"


@pytest.mark.parametrize("username", ["coord_r", "agency_a1"])
def test_other_roles_see_how_many_households_bought_it_never_who(bought, username):
    g, lot, _second = bought
    response = g.tn.client(username).get(TRACE, {"lot": lot.code})
    assert response.status_code == 200
    page = response.content.decode()
    (group,) = response.context["report"].people
    assert not group.names_allowed and group.people == [] and group.hidden_count == 2
    assert 'data-people-hidden="2"' in page and "data-people=" not in page
    for secret in ("Lucie", "Marc", "450-555-0101", "marc@example.org", g.card.number, "G-0002"):
        assert secret not in page
    assert not AuditLogEntry.objects.filter(object_type="household").exists()


def test_the_csv_carries_the_buyer_of_each_sale_for_authorised_roles_only(bought):
    g, lot, second = bought
    rows = list(
        csv.reader(
            io.StringIO(
                g.tn.client("caisse").get(CSV_URL, {"lot": lot.code}).content.decode("utf-8-sig")
            )
        )
    )
    header = rows[0]
    assert len(header) == 18 + 4  # member card, household, name used, contact
    card_col, name_col = 18, 20
    buyers = {(r[card_col], r[name_col]) for r in rows[1:] if r[name_col]}
    assert buyers == {(g.card.number, "Lucie"), ("", "Marc")}
    assert _household_audit("export") == {str(g.household.pk), str(second.pk)}
    AuditLogEntry.objects.all().delete()
    other = g.tn.client("coord_r").get(CSV_URL, {"lot": lot.code}).content.decode("utf-8-sig")
    assert "Lucie" not in other and g.card.number not in other
    assert len(next(csv.reader(io.StringIO(other)))) == 18
    assert not AuditLogEntry.objects.exists()


def _recall_pdf_text(client, lot_code, django_capture_on_commit_callbacks) -> str:
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/stock/tracabilite/avis-de-rappel/", {"lot": lot_code})
    job = Job.objects.order_by("-created_at").first()
    assert job.status == "succeeded", job.error
    pdf = b"".join(client.get(f"/stock/rappels/{job.pk}/pdf/").streaming_content)
    return subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler's pdftotext")
def test_the_recall_pdf_lists_the_households_for_authorised_roles_only(
    bought, django_capture_on_commit_callbacks
):
    g, lot, second = bought
    text = _recall_pdf_text(g.tn.client("caisse"), lot.code, django_capture_on_commit_callbacks)
    assert "Lucie" in text and g.card.number in text and "marc@example.org" in text
    assert _household_audit("export") == {str(g.household.pk), str(second.pk)}
    assert set(AuditLogEntry.objects.values_list("channel", "detail")) == {("job", "recall pdf")}
    AuditLogEntry.objects.all().delete()
    text = _recall_pdf_text(g.tn.client("coord_r"), lot.code, django_capture_on_commit_callbacks)
    assert "Lucie" not in text and g.card.number not in text and "Marc" not in text
    assert "G-0001" not in text and "450-555-0101" not in text
    assert not AuditLogEntry.objects.exists()


def test_the_api_trace_follows_the_same_rule(bought):
    g, lot, second = bought
    body = g.tn.client("caisse").get("/api/stock/trace", {"lot": lot.code}).json()
    (group,) = body["people"]
    assert {p["name"] for p in group["people"]} == {"Lucie", "Marc"}
    assert "tier" not in group["people"][0]
    assert set(AuditLogEntry.objects.values_list("channel", flat=True)) == {"api"}
    assert _household_audit("view") == {str(g.household.pk), str(second.pk)}
    AuditLogEntry.objects.all().delete()
    body = g.tn.client("coord_r").get("/api/stock/trace", {"lot": lot.code}).json()
    (group,) = body["people"]
    assert group["people"] == [] and group["hidden_count"] == 2 and not group["names_allowed"]
    assert "Lucie" not in str(body) and not AuditLogEntry.objects.exists()


def test_staff_of_another_grocery_see_a_count_not_the_names(bought):
    from bonnebouffe.accounts.models import Role
    from bonnebouffe.accounts.services import membership_create, user_create
    from bonnebouffe.network.models import OrganisationKind
    from bonnebouffe.network.services import organisation_create

    g, lot, _second = bought
    other = organisation_create(
        scope=None,
        network=g.tn.network,
        name="Autre épicerie",
        kind=OrganisationKind.SOCIAL_ECONOMY,
        municipality=g.store.municipality,
        hub=g.tn.hub_roussillon,
    )
    clerk = user_create(username="autre_caisse", password="not-used-here-123")
    membership_create(user=clerk, organisation_id=other.pk, role=Role.GROCERY_STAFF)
    group = lot_buyers(scope=scope_for(clerk), lot_ids=[lot.pk])
    assert group.names_allowed and group.people == [] and group.hidden_count == 2


def test_the_households_of_a_trace_take_few_queries_however_many_bought(bought):
    g, lot, _second = bought
    staff_scope = scope_for(g.staff)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            lot_buyers(scope=staff_scope, lot_ids=[lot.pk])
        return len(ctx.captured_queries)

    scope_for(g.staff)  # the scope is cached on the user: not part of what is counted
    before = queries()
    for i in range(5):
        h = Household.objects.create(
            agency=g.store.grocery,
            reference=f"G-1{i}",
            size=1,
            municipality=g.store.municipality,
        )
        card = card_issue(household=h, tier=g.tiers["privilege"], proof_kind="document", actor=None)
        sale_checkout(
            point=g.store,
            cashier=g.staff,
            lines=[LineIn(g.apples.pk, grams=100)],
            card=card,
            payment_method="cash",
        )
    assert len(lot_buyers(scope=staff_scope, lot_ids=[lot.pk]).people) == 7
    assert queries() == before <= 3  # grocery_org_ids, the rows, the counts
    client = g.tn.client("caisse")
    client.get(TRACE, {"lot": lot.code})
    with CaptureQueriesContext(connection) as page:
        client.get(TRACE, {"lot": lot.code})
    assert len(page.captured_queries) <= 35
