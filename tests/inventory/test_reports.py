"""Reconciliation, traceability, CSV, recall notice PDF and the recall action (pages)."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

import bonnebouffe.inventory.report_jobs  # noqa: F401  (registers the runner, as ready() will)
from bonnebouffe.core.models import Notification
from bonnebouffe.inventory.errors import LedgerError, LedgerErrorCode
from bonnebouffe.inventory.models import Lot, Movement
from bonnebouffe.inventory.services import (
    LotSpec,
    TransformationInput,
    lot_dispose,
    lot_receive,
    movement_record,
    transformation_record,
)
from bonnebouffe.jobs.models import Job

RECONCILIATION = "/stock/rapprochement/"
TRACE = "/stock/tracabilite/"


def spec(name: str, *, category: str = "vegetables_fruits", days: int = 10) -> LotSpec:
    return LotSpec(
        product_name=name,
        category=category,
        storage_class="ambient",
        date_kind="best_before",
        date_value=timezone.localdate() + timedelta(days=days),
        unit_weight_g=500,
    )


@dataclass
class Scenario:
    tomatoes: Lot
    onions: Lot
    sauce: Lot
    site_id: int


@pytest.fixture
def scenario(tiny_network) -> Scenario:
    """A Roussillon day: two receipts, a transfer, gifts, a sauce, compost, feed and a loss."""
    t = tiny_network
    hub = t.hub_roussillon
    site = hub.sites.get()
    hsl_site = t.hub_hsl.sites.get()
    tomatoes = lot_receive(
        spec=spec("Tomates"), quantity_g=10_000, hub=hub, site=site, donor=t.farm
    )
    onions = lot_receive(
        spec=spec("Oignons"), quantity_g=4_000, hub=hub, site=site, donor=t.agency_mercier
    )
    movement_record(
        lot=tomatoes, kind="transfer", quantity_g=2_000, from_site=site, to_site=hsl_site
    )
    movement_record(
        lot=tomatoes,
        kind="issue",
        quantity_g=1_500,
        from_site=site,
        recipient=t.agency_chateauguay,
    )
    _t, (sauce,) = transformation_record(
        site=site,
        hub=hub,
        description="Sauce tomate",
        inputs=[
            TransformationInput(tomatoes, site, None, 3_000),
            TransformationInput(onions, site, None, 1_000),
        ],
        outputs=[(spec("Sauce tomate", category="prepared", days=5), 3_500)],
    )
    movement_record(
        lot=sauce, kind="issue", quantity_g=1_000, from_site=site, recipient=t.agency_mercier
    )
    lot_dispose(
        lot=sauce, site=site, location=None, quantity_g=250, destination="compost", reason="brûlé"
    )
    lot_dispose(
        lot=tomatoes,
        site=site,
        location=None,
        quantity_g=500,
        destination="animal_feed",
        reason="trop mûres",
    )
    movement_record(lot=sauce, kind="loss", quantity_g=1, from_site=site, reason="échappé")
    return Scenario(tomatoes, onions, sauce, site.pk)


# --- Reconciliation ------------------------------------------------------------------


def test_the_reconciliation_page_shows_the_closing_identity_to_the_gram(tiny_network, scenario):
    client = tiny_network.client("coord_r")
    response = client.get(RECONCILIATION, {"hub": tiny_network.hub_roussillon.pk})
    assert response.status_code == 200
    report = response.context["report"]
    figures = report.figures
    assert figures["received_g"] == 14_000 and figures["produced_g"] == 3_500
    assert figures["by_destination_g"] == {
        "food": 2_500,
        "transformed": 4_000,
        "animal_feed": 500,
        "compost": 250,
        "disposal": 0,
        "loss": 1,
    }
    assert figures["closing_g"] == 14_000 + 3_500 - 2_500 - 4_000 - 500 - 250 - 1 == 10_249
    assert report.closes and report.projection_agrees
    page = response.content.decode()
    assert 'data-closes="yes"' in page and 'data-projection="agrees"' in page
    assert "10,249\u00a0kg" in page  # on hand, French format, every gram
    assert "0,001\u00a0kg" in page  # the lost gram shows
    assert "58,6 %" in page  # on hand share: 10 249 g / 17 500 g
    partial = client.get(
        RECONCILIATION, {"hub": tiny_network.hub_roussillon.pk}, headers={"HX-Request": "true"}
    )
    assert partial.content.decode().lstrip().startswith('<div id="results"')


def test_a_period_reconciliation_carries_the_opening_stock(tiny_network, scenario):
    client = tiny_network.client("coord_r")
    today = timezone.localdate()
    tomorrow = today + timedelta(days=1)
    response = client.get(
        RECONCILIATION, {"start": tomorrow.isoformat(), "end": tomorrow.isoformat()}
    )
    report = response.context["report"]
    assert report.figures["opening_g"] == 17_500 - 7_251 == report.figures["closing_g"]
    assert report.figures["received_g"] == 0 and report.closes
    assert [line.key for line in report.inflows] == ["opening", "received", "produced"]


def test_a_period_that_ends_before_it_starts_is_refused(tiny_network, scenario):
    today = timezone.localdate()
    response = tiny_network.client("coord_r").get(
        RECONCILIATION,
        {"start": today.isoformat(), "end": (today - timedelta(days=2)).isoformat()},
    )
    assert response.context["report"] is None
    assert response.context["form"].non_field_errors()


def test_a_movement_written_behind_the_ledgers_back_leaves_a_gap_and_a_projection_mismatch(
    tiny_network, scenario
):
    Movement.objects.create(
        lot=scenario.onions,
        kind="loss",
        quantity_g=7,
        from_site_id=scenario.site_id,
        destination="loss",
        at=timezone.now(),
    )
    response = tiny_network.client("coord_r").get(RECONCILIATION)
    report = response.context["report"]
    # The stock table still holds the 7 g the movement says were lost: 7 g over-accounted.
    assert not report.closes and report.gap_g == -7
    assert report.figures["closing_g"] == report.figures["closing_from_movements_g"] + 7
    assert not report.projection_agrees and not report.ok
    (mismatch,) = report.mismatches
    assert (mismatch.code, mismatch.difference_g) == (scenario.onions.code, 7)
    page = response.content.decode()
    assert 'data-projection="differs"' in page and scenario.onions.code in page
    assert 'data-closes="no"' in page and "-0,007\u00a0kg" in page


@pytest.mark.parametrize("delta_g", [1, -1, 250])
def test_a_stock_row_changed_behind_the_ledgers_back_makes_the_books_not_close_to_the_gram(
    tiny_network, scenario, delta_g
):
    from django.db import connection

    from bonnebouffe.inventory.models import Balance

    balance = Balance.objects.filter(lot=scenario.onions, quantity_g__gt=0).first()
    with connection.cursor() as cursor:  # raw SQL: no service, no signal, no model
        cursor.execute(
            f"UPDATE {Balance._meta.db_table} SET quantity_g = quantity_g + %s WHERE id = %s",
            [delta_g, balance.pk],
        )
    response = tiny_network.client("coord_r").get(RECONCILIATION)
    report = response.context["report"]
    assert report.gap_g == -delta_g and not report.closes and not report.ok
    assert report.figures["closing_g"] - report.figures["closing_from_movements_g"] == delta_g
    page = response.content.decode()
    assert 'data-closes="no"' in page and 'data-line="gap" class="gap"' in page
    assert 'data-projection="differs"' in page


def test_an_outflow_without_a_destination_is_flagged_instead_of_crashing(tiny_network, scenario):
    Movement.objects.create(
        lot=scenario.onions,
        kind="issue",
        quantity_g=5,
        from_site_id=scenario.site_id,
        destination="",
        at=timezone.now(),
    )
    response = tiny_network.client("coord_r").get(RECONCILIATION)
    assert response.status_code == 200
    report = response.context["report"]
    assert report.undestined_count == 1 and report.figures["undestined_g"] == 5
    # Not applied to the stock table either: it still holds the 5 g the movement sent nowhere.
    assert report.gap_g == 0 and not report.projection_agrees and not report.ok
    assert 'role="alert"' in response.content.decode()


def test_the_books_close_on_the_services_own_ledger(tiny_network, scenario):
    report = tiny_network.client("coord_r").get(RECONCILIATION).context["report"]
    assert report.closes and report.ok and report.figures["undestined_g"] == 0
    assert report.figures["closing_g"] == report.figures["closing_from_movements_g"] == 10_249


def test_an_evaluator_sees_the_totals_but_never_a_lot(tiny_network, scenario):
    Movement.objects.create(
        lot=scenario.onions,
        kind="loss",
        quantity_g=7,
        from_site_id=scenario.site_id,
        destination="loss",
        at=timezone.now(),
    )
    client = tiny_network.client("evaluator")
    response = client.get(RECONCILIATION, {"hub": tiny_network.hub_roussillon.pk})
    assert response.status_code == 200
    report = response.context["report"]
    assert report.figures["received_g"] == 14_000 and report.lot_count == 3
    assert "lot" not in response.context["form"].fields
    page = response.content.decode()
    for lot in (scenario.tomatoes, scenario.onions, scenario.sauce):
        assert lot.code not in page
    assert 'data-projection="differs"' in page  # the flag, without the lot list
    assert client.get(TRACE, {"product": "Tomates"}).status_code == 403


def test_hub_and_mrc_choices_stay_within_the_scope(tiny_network, scenario):
    form = tiny_network.client("coord_r").get(RECONCILIATION).context["form"]
    assert list(form.fields["hub"].queryset) == [tiny_network.hub_roussillon]
    assert [m.name for m in form.fields["mrc"].queryset] == ["Roussillon"]
    response = tiny_network.client("coord_r").get(RECONCILIATION, {"hub": tiny_network.hub_hsl.pk})
    assert response.context["report"] is None and response.context["form"].errors
    other = tiny_network.client("coord_h").get(RECONCILIATION).context["report"]
    assert other.lot_count == 0


def test_households_and_outsiders_do_not_see_the_reconciliation(tiny_network):
    assert tiny_network.client("household").get(RECONCILIATION).status_code == 403
    assert tiny_network.client("outsider").get(RECONCILIATION).status_code == 403


# --- Traceability --------------------------------------------------------------------


@pytest.fixture
def three_levels(tiny_network):
    """Tomatoes from the farm become sauce three times over; the last one goes to Huntingdon."""
    hub = tiny_network.hub_roussillon
    site = hub.sites.get()
    raw = lot_receive(
        spec=spec("Tomates"), quantity_g=10_000, hub=hub, site=site, donor=tiny_network.farm
    )
    current = raw
    for level in range(3):
        _t, (current,) = transformation_record(
            site=site,
            hub=hub,
            description=f"Étape {level}",
            inputs=[TransformationInput(current, site, None, 4_000 - level * 1000)],
            outputs=[(spec(f"Sauce niveau {level}", category="prepared"), 3_000 - level * 1000)],
        )
    movement_record(
        lot=current,
        kind="issue",
        quantity_g=500,
        from_site=site,
        recipient=tiny_network.agency_huntingdon,
    )
    return raw, current


def test_a_trace_from_a_donor_finds_the_recipient_through_three_transformations(
    tiny_network, three_levels
):
    _raw, last = three_levels
    response = tiny_network.client("coord_r").get(TRACE, {"donor": tiny_network.farm.pk})
    assert response.status_code == 200
    report = response.context["report"]
    assert len(report.lots) == 4 and len(report.transformations) == 3
    assert [org for org, _g in report.recipients] == [tiny_network.agency_huntingdon]
    by_code = {lt.lot.code: lt for lt in report.lots}
    assert by_code[last.code].donors == [tiny_network.farm]  # the donor, three levels up
    assert by_code[last.code].distributed_g == 500
    page = response.content.decode()
    assert "Comptoir Huntingdon" in page and last.code in page
    assert "ménages" in page or "households" in page  # the household-level note


def test_a_trace_by_product_name_matches_part_of_the_name(tiny_network, three_levels):
    response = tiny_network.client("coord_r").get(TRACE, {"product": "tomat"})
    assert len(response.context["report"].start_lots) == 1


def test_a_trace_needs_at_least_one_criterion(tiny_network):
    response = tiny_network.client("coord_r").get(TRACE, {"product": " "})
    assert response.context["report"] is None
    assert response.context["form"].non_field_errors()


def test_the_upstream_section_finds_the_donor_of_a_sauce(tiny_network, three_levels):
    raw, last = three_levels
    client = tiny_network.client("coord_r")
    response = client.get("/stock/tracabilite/amont/", {"lot": last.code})
    assert response.status_code == 200
    upstream = response.context["upstream"]
    assert raw.pk in upstream.lot_ids and upstream.donors == [tiny_network.farm]
    partial = client.get(
        "/stock/tracabilite/amont/", {"lot": last.code}, headers={"HX-Request": "true"}
    )
    assert partial.content.decode().lstrip().startswith('<section id="upstream"')


def test_the_trace_csv_has_one_row_per_movement(tiny_network, three_levels):
    raw, last = three_levels
    response = tiny_network.client("coord_r").get(
        "/stock/tracabilite/export.csv", {"lot": raw.code}
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    lot_ids = Lot.objects.filter(
        product_name__in=["Tomates"] + [f"Sauce niveau {i}" for i in range(3)]
    )
    assert len(rows) - 1 == Movement.objects.filter(lot__in=lot_ids).count() == 8
    (issue,) = [r for r in rows[1:] if r[14] == "Comptoir Huntingdon"]  # recipient column
    assert (issue[0], issue[10], issue[11]) == (last.code, "500", "0.500")
    assert {r[0] for r in rows[1:]} == {lot.code for lot in lot_ids}


def test_the_trace_page_needs_few_queries(
    tiny_network, three_levels, django_assert_max_num_queries
):
    client = tiny_network.client("coord_r")
    client.get(TRACE, {"donor": tiny_network.farm.pk})  # warm the session and scope
    with django_assert_max_num_queries(30):
        client.get(TRACE, {"donor": tiny_network.farm.pk})


def test_the_reconciliation_page_needs_few_queries(
    tiny_network, scenario, django_assert_max_num_queries
):
    client = tiny_network.client("coord_r")
    client.get(RECONCILIATION)
    with django_assert_max_num_queries(20):
        client.get(RECONCILIATION, {"hub": tiny_network.hub_roussillon.pk})


def test_a_recall_also_tells_the_hub_that_holds_part_of_the_stock(tiny_network, scenario):
    client = tiny_network.client("coord_r")
    client.post("/stock/tracabilite/rappeler/", {"lot": scenario.tomatoes.code, "confirm": "yes"})
    told = set(Notification.objects.values_list("organisation__name", flat=True))
    # Roussillon owns the lots, HSL holds 2 kg of tomatoes, the two agencies received food.
    assert told == {"Antenne Roussillon", "Antenne HSL", "Comptoir Châteauguay", "Comptoir Mercier"}


def test_a_made_lot_lists_the_donors_of_every_input(tiny_network, scenario):
    report = (
        tiny_network.client("coord_r").get(TRACE, {"donor": tiny_network.farm.pk}).context["report"]
    )
    assert scenario.onions.pk not in report.lot_ids  # the onions are not from the farm...
    sauce = next(lt for lt in report.lots if lt.lot.pk == scenario.sauce.pk)
    # ...but the sauce's suppliers include the onions' donor: a recall needs them all.
    assert [d.name for d in sauce.donors] == ["Comptoir Mercier", "Ferme Saint-Rémi"]


def test_a_hub_coordinator_cannot_trace_another_hubs_lot(tiny_network, three_levels):
    raw, last = three_levels
    client = tiny_network.client("coord_h")
    response = client.get(TRACE, {"lot": raw.code})
    assert response.context["report"].lots == []
    page = response.content.decode()
    assert "Tomates" not in page and "Sauce niveau" not in page  # (the code is only echoed)
    assert client.get("/stock/tracabilite/amont/", {"lot": last.code}).status_code == 404
    rows = client.get("/stock/tracabilite/export.csv", {"lot": raw.code}).content.decode(
        "utf-8-sig"
    )
    assert len(rows.strip().splitlines()) == 1  # the header only
    assert client.post("/stock/tracabilite/avis-de-rappel/", {"lot": raw.code}).status_code == 302
    assert not Job.objects.exists()


def test_a_downstream_lot_of_another_hub_is_counted_not_shown(tiny_network, three_levels):
    raw, _last = three_levels
    hub_h = tiny_network.hub_hsl
    site_h = hub_h.sites.get()
    site_r = tiny_network.hub_roussillon.sites.get()
    movement_record(lot=raw, kind="transfer", quantity_g=1_000, from_site=site_r, to_site=site_h)
    _t, (made,) = transformation_record(
        site=site_h,
        hub=hub_h,
        description="Soupe HSL",
        inputs=[TransformationInput(raw, site_h, None, 1_000)],
        outputs=[(spec("Soupe", category="prepared"), 900)],
    )
    report = tiny_network.client("coord_r").get(TRACE, {"lot": raw.code}).context["report"]
    assert made.pk not in report.lot_ids and report.hidden_lot_count == 1
    admin_report = tiny_network.client("admin").get(TRACE, {"lot": raw.code}).context["report"]
    assert made.pk in admin_report.lot_ids and admin_report.hidden_lot_count == 0


# --- Recall notice (PDF job) ---------------------------------------------------------


def test_the_recall_notice_is_a_background_pdf_that_only_its_owner_downloads(
    tiny_network, three_levels, django_capture_on_commit_callbacks
):
    raw, last = three_levels
    client = tiny_network.client("coord_r")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/stock/tracabilite/avis-de-rappel/", {"lot": raw.code})
    job = Job.objects.get()
    assert response.status_code == 302 and response.url == f"/stock/rappels/{job.pk}/"
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    assert job.result["lots"] == 4
    assert default_storage.exists(job.result["file"])
    assert job.result["file"].startswith("reports/") and job.result["file"].endswith(".pdf")
    page = client.get(f"/stock/rappels/{job.pk}/").content.decode()
    assert f"/stock/rappels/{job.pk}/pdf/" in page
    download = client.get(f"/stock/rappels/{job.pk}/pdf/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    pdf = b"".join(download.streaming_content)
    assert pdf.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode()
        assert "Avis de rappel / Recall notice" in text
        assert raw.code in text and last.code in text and "Comptoir Huntingdon" in text
        assert "Ferme Saint-Rémi" in text  # the supplier of the last sauce
    for other in ("admin", "coord_h", "agency_a1"):
        assert tiny_network.client(other).get(f"/stock/rappels/{job.pk}/pdf/").status_code == 404
        assert tiny_network.client(other).get(f"/stock/rappels/{job.pk}/").status_code == 404


def test_the_recall_notice_is_not_made_on_a_get(tiny_network, three_levels):
    raw, _last = three_levels
    response = tiny_network.client("coord_r").get(
        "/stock/tracabilite/avis-de-rappel/", {"lot": raw.code}
    )
    assert response.status_code == 405 and not Job.objects.exists()


# --- Recall action -------------------------------------------------------------------


def test_a_coordinator_recalls_the_traced_lots_after_confirming(tiny_network, three_levels):
    raw, last = three_levels
    client = tiny_network.client("coord_r")
    confirm = client.get("/stock/tracabilite/rappeler/", {"lot": raw.code})
    assert confirm.status_code == 200 and len(confirm.context["to_recall"]) == 4
    assert not Lot.objects.filter(recalled=True).exists()  # nothing happens before confirming
    response = client.post("/stock/tracabilite/rappeler/", {"lot": raw.code, "confirm": "yes"})
    assert response.status_code == 302
    assert Lot.objects.filter(recalled=True).count() == 4
    told = set(Notification.objects.values_list("organisation__name", flat=True))
    assert told == {"Antenne Roussillon", "Comptoir Huntingdon"}
    assert raw.code in Notification.objects.first().message
    with pytest.raises(LedgerError) as info:
        movement_record(
            lot=Lot.objects.get(pk=last.pk),
            kind="issue",
            quantity_g=1,
            from_site=tiny_network.hub_roussillon.sites.get(),
        )
    assert info.value.code == LedgerErrorCode.LOT_BLOCKED
    # Recalling again changes nothing and tells nobody twice.
    client.post("/stock/tracabilite/rappeler/", {"lot": raw.code, "confirm": "yes"})
    assert Notification.objects.count() == 2


def test_agency_staff_may_trace_but_not_recall(tiny_network, three_levels):
    raw, _last = three_levels
    client = tiny_network.client("agency_a1")
    assert client.get(TRACE, {"lot": raw.code}).status_code == 200
    assert client.get("/stock/tracabilite/rappeler/", {"lot": raw.code}).status_code == 403
    response = client.post("/stock/tracabilite/rappeler/", {"lot": raw.code, "confirm": "yes"})
    assert response.status_code == 403
    assert not Lot.objects.filter(recalled=True).exists()
