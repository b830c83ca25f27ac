"""The directory exports, and a background job with its progress bar."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from playwright.sync_api import expect

from .helpers import (
    checkpoint,
    mark_page,
    page_was_not_reloaded,
    path,
    sign_in,
    territory_reference_load,
    words,
)

pytestmark = pytest.mark.browser


def test_directory_exports_download(session, live_server):
    page = session.page
    sign_in(page, live_server, "coord.roussillon")
    page.goto(session.url(path("partners:directory")))
    partners = page.locator("#results li.card").count()

    # CSV: the link downloads a file; its response is UTF-8 CSV with a row per partner.
    csv_link = page.get_by_role("link", name="Exporter en CSV")
    with page.expect_download() as download:
        csv_link.click()
    assert download.value.suggested_filename == "repertoire-partenaires.csv"
    response = page.request.get(session.url(csv_link.get_attribute("href")))
    assert response.status == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text().lstrip("\ufeff"))))
    assert len(rows) > 1 and all(len(r) == len(rows[0]) for r in rows)
    downloaded = download.value.path().read_bytes().decode("utf-8-sig")
    assert downloaded.splitlines()[0] == response.text().lstrip("\ufeff").splitlines()[0]

    # HSDS (Open Referral) JSON.
    hsds_link = page.get_by_role("link", name=re.compile(r"HSDS"))
    with page.expect_download() as download:
        hsds_link.click()
    assert download.value.suggested_filename == "repertoire-partenaires-hsds.json"
    response = page.request.get(session.url(hsds_link.get_attribute("href")))
    assert response.status == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    data = json.loads(response.text())
    assert data
    assert partners > 0
    session.assert_clean()


def test_directory_exports_follow_the_filter_chosen_on_screen(session, live_server):
    page = session.page
    sign_in(page, live_server, "coord.roussillon")
    page.goto(session.url(path("partners:directory")))
    mark_page(page)
    page.get_by_label("Type de contribution").select_option("connecteur")
    expect(page).to_have_url(re.compile(r"[?&]type=connecteur"))
    # The links are re-rendered with the results (expect retries until the swap is done).
    for name in ("Exporter en CSV", "Exporter en Open Referral (HSDS JSON)", "Carte"):
        link = page.locator("#results").get_by_role("link", name=name, exact=True)
        expect(link).to_have_attribute("href", re.compile(r"[?&]type=connecteur(&|$)"))
    assert page_was_not_reloaded(page)  # HTMX swapped the results, no full page load
    shown = {words(n) for n in page.locator("#results li.card h2").all_inner_texts()}
    assert shown
    checkpoint(page, "exports-01-directory-filtered")

    # What the exports send is what the screen shows.
    csv_href = page.get_by_role("link", name="Exporter en CSV").get_attribute("href")
    response = page.request.get(session.url(csv_href))
    rows = list(csv.reader(io.StringIO(response.text().lstrip("\ufeff"))))
    assert {r[0] for r in rows[1:]} == shown
    assert {r[5] for r in rows[1:]} == {rows[1][5]}  # one contribution type: the filtered one
    hsds_href = page.get_by_role("link", name=re.compile(r"HSDS")).get_attribute("href")
    data = json.loads(page.request.get(session.url(hsds_href)).text())
    assert {o["name"] for o in data["organizations"]} == shown
    session.assert_clean()


CENSUS_OK = "csd_code,population\n2467005,2400\n2467010,7700\n"
CENSUS_BAD = "csd_code,population\n2467005,2500\n9999999,12\n2467010,beaucoup\n"


def _upload(page, session, name: str, content: str) -> None:
    page.goto(session.url(path("territory:import")))
    expect(page.locator("h1")).to_have_text("Importer les données du recensement")
    page.get_by_label("Contenu du fichier").select_option("municipalities")
    page.get_by_label(re.compile(r"Fichier CSV")).set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": content.encode()}]
    )
    page.get_by_role("button", name="Vérifier et importer").click()
    page.wait_for_url(re.compile(r"/taches/[0-9a-f-]{36}/$"))


def test_census_import_job_runs_to_100_percent(session, live_server):
    from bonnebouffe.territory.models import Municipality

    page = session.page
    sign_in(page, live_server, "admin.reseau")
    page.goto(session.url(path("territory:map")))
    page.get_by_role("link", name="Importer les données du recensement").click()
    expect(page.locator("h1")).to_have_text("Importer les données du recensement")
    checkpoint(page, "jobs-01-import-form")

    try:
        _upload(page, session, "recensement.csv", CENSUS_OK)
        job_path = page.url.removeprefix(session.base_url)
        expect(page.locator("h1")).to_have_text("Importation des données du recensement")
        status = page.locator("#job-progress [data-status]")
        expect(status).to_have_attribute("data-status", "succeeded")
        expect(status).to_have_text("Terminée")
        bar = page.locator("progress#job-bar")
        expect(bar).to_have_attribute("value", "100")
        expect(bar).to_have_attribute("max", "100")
        expect(page.locator("#job-progress [role=status]")).to_contain_text("Terminé.")
        expect(page.locator("#job-progress [role=status]")).to_contain_text(
            re.compile(r"mises à jour\s*:\s*2")
        )
        # A finished job no longer polls, and offers no cancel button.
        assert page.locator("#job-progress[hx-trigger]").count() == 0
        expect(page.get_by_role("button", name="Annuler")).to_have_count(0)
        checkpoint(page, "jobs-02-import-succeeded")
        assert Municipality.objects.get(csd_code="2467005").population == 2400
        assert Municipality.objects.get(csd_code="2467010").population == 7700
    finally:
        territory_reference_load()  # the other tests share this database: 2021 figures back

    # The job is in the list of the user's jobs, done.
    page.get_by_role("link", name="Tâches en arrière-plan", exact=True).click()
    row = page.locator("main tbody tr", has=page.locator(f"a[href='{job_path}']"))
    expect(row).to_contain_text("Terminée")
    expect(row).to_contain_text("100 %")
    checkpoint(page, "jobs-03-job-list")
    session.assert_clean()


def test_census_import_with_bad_rows_changes_nothing(session, live_server):
    from bonnebouffe.territory.models import Municipality

    before = dict(Municipality.objects.values_list("csd_code", "population"))
    page = session.page
    sign_in(page, live_server, "admin.reseau")
    _upload(page, session, "recensement-erreurs.csv", CENSUS_BAD)
    status = page.locator("#job-progress [data-status]")
    expect(status).to_have_attribute("data-status", "failed")
    expect(status).to_have_text("Échouée")
    alert = page.locator("#job-progress [role=alert]")
    expect(alert.locator("p").first).to_contain_text(re.compile(r"Lignes erronées\s*:\s*2"))
    errors = [words(e) for e in alert.locator("li").all_inner_texts()]
    assert len(errors) == 2, errors
    assert errors[0].startswith("Ligne 3, colonne « csd_code »") and "9999999" in errors[0]
    assert errors[1].startswith("Ligne 4, colonne « population »") and "beaucoup" in errors[1]
    checkpoint(page, "jobs-04-import-failed")
    assert dict(Municipality.objects.values_list("csd_code", "population")) == before
    session.assert_clean()
