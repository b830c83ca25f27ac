"""A hub coordinator's tour of the app, in French (the default language)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .helpers import (
    LOGIN_PATH,
    checkpoint,
    html_lang,
    mark_page,
    nav_links,
    page_was_not_reloaded,
    path,
    sign_in,
    wait_for_map_points,
    words,
)

pytestmark = pytest.mark.browser


def test_sign_in_page_lists_the_demo_accounts(session, live_server):
    from bonnebouffe.accounts.views import DEMO_ACCOUNTS

    page = session.page
    page.goto(session.url(LOGIN_PATH))
    assert html_lang(page) == "fr-CA"
    expect(page.locator("h1")).to_have_text("Se connecter")
    demo = page.locator("section.demo-accounts")
    expect(demo.locator("h2")).to_have_text("Comptes de démonstration")
    expect(demo).to_contain_text("bonnebouffe-demo")
    listed = [words(t) for t in demo.locator("tbody tr td:first-child").all_inner_texts()]
    assert listed == [username for username, _role in DEMO_ACCOUNTS]
    checkpoint(page, "fr-01-sign-in")
    session.assert_clean()


def test_coordinator_tour_in_french(session, live_server):
    page = session.page
    sign_in(page, live_server, "coord.roussillon")

    # Home, and a menu of the sections a hub coordinator's role opens.
    assert page.url == session.url(path("core:home"))
    expect(page.locator("h1")).to_have_text("Bienvenue, Coordination Roussillon")
    menu = nav_links(page)
    expected = {
        path("core:home"): "Accueil",
        path("territory:map"): "Territoire",
        path("network:overview"): "Portrait du réseau",
        path("network:organisation_list"): "Organisations",
        path("partners:directory"): "Répertoire des partenaires",
        path("partners:project_list"): "Projets collectifs",
        path("jobs:list"): "Tâches en arrière-plan",
    }
    # Sections being added by other work (stock, rescue...) may join; these must be there
    # in this order, and the administrator's and households' sections must not.
    assert [item for item in menu.items() if item[0] in expected] == list(expected.items())
    assert path("households:list") not in menu
    assert path("accounts:audit_log") not in menu
    checkpoint(page, "fr-02-home")

    # The territory map draws the municipalities with no tile server.
    page.get_by_role("link", name="Territoire", exact=True).click()
    expect(page.locator("h1")).to_have_text("Territoire")
    assert wait_for_map_points(page) == 65
    expect(page.locator("#legend li")).to_have_count(5)
    assert page.locator(".leaflet-tile").count() == 0
    checkpoint(page, "fr-03-territory-map")

    # The organisations list: the search box filters through HTMX, without a page load.
    page.get_by_role("link", name="Organisations", exact=True).click()
    expect(page.locator("h1")).to_have_text("Organisations")
    rows = page.locator("#results tbody tr")
    before = rows.count()
    assert before > 5
    checkpoint(page, "fr-04-organisations")
    mark_page(page)
    with page.expect_response(
        lambda r: (
            r.request.headers.get("hx-request") == "true" and "/reseau/organisations/" in r.url
        )
    ) as htmx:
        page.get_by_label("Rechercher", exact=True).press_sequentially("Comptoir", delay=20)
    assert htmx.value.ok
    expect(page).to_have_url(re.compile(r"[?&]q=Comptoir"))
    # Typing may send several requests (one per pause); wait for the last one's rows.
    page.wait_for_function(
        "() => { const cells = [...document.querySelectorAll('#results tbody td:first-child')];"
        " return cells.length > 0"
        " && cells.every(c => c.innerText.toLowerCase().includes('comptoir')); }"
    )
    names = page.locator("#results tbody tr td:first-child").all_inner_texts()
    assert len(names) < before
    assert names and all("comptoir" in n.lower() for n in names), names
    assert page_was_not_reloaded(page), "the search reloaded the whole page"
    checkpoint(page, "fr-05-organisations-search")

    # An organisation's record.
    first = page.locator("#results tbody tr td:first-child a").first
    name = words(first.inner_text())
    first.click()
    expect(page.locator("h1")).to_have_text(name)
    expect(page.locator("main h2").first).to_have_text("Sites")
    checkpoint(page, "fr-06-organisation-detail")

    # The organisations map.
    page.goto(session.url(path("network:organisation_map")))
    expect(page.locator("h1")).to_have_text("Carte des organisations")
    assert wait_for_map_points(page) > 0
    checkpoint(page, "fr-07-organisations-map")

    # The partner directory, filtered by contribution type through HTMX.
    page.get_by_role("link", name="Répertoire des partenaires", exact=True).click()
    expect(page.locator("h1")).to_have_text("Répertoire des partenaires")
    cards = page.locator("#results > ul.cards > li.card")
    all_partners = cards.count()
    assert all_partners > 5
    checkpoint(page, "fr-08-directory")
    mark_page(page)
    with page.expect_response(
        lambda r: r.request.headers.get("hx-request") == "true" and "type=connecteur" in r.url
    ) as htmx:
        page.get_by_label("Type de contribution").select_option("connecteur")
    assert htmx.value.ok
    expect(page).to_have_url(re.compile(r"[?&]type=connecteur"))
    page.wait_for_function(
        "n => document.querySelectorAll('#results > ul.cards > li.card').length < n",
        arg=all_partners,
    )
    assert page_was_not_reloaded(page), "the filter reloaded the whole page"
    shown = cards.count()
    assert shown > 0
    for i in range(shown):
        tags = [words(t) for t in cards.nth(i).locator(".tag").all_inner_texts()]
        assert tags and all(t.startswith("Connecteur") for t in tags), (i, tags)
    checkpoint(page, "fr-09-directory-connectors")

    # The collective projects and one project.
    page.get_by_role("link", name="Projets collectifs", exact=True).click()
    expect(page.locator("h1")).to_have_text("Projets collectifs")
    expect(page.locator("main ul.cards > li.card")).to_have_count(5)
    checkpoint(page, "fr-10-projects")
    project = page.locator("main ul.cards > li.card h2 a").first
    project_name = words(project.inner_text())
    project.click()
    expect(page.locator("h1")).to_have_text(project_name)
    assert page.locator("main table tbody tr").count() > 0
    checkpoint(page, "fr-11-project-detail")

    # The directory map.
    page.goto(session.url(path("partners:map")))
    expect(page.locator("h1")).to_have_text("Carte des partenaires")
    assert wait_for_map_points(page) > 0
    checkpoint(page, "fr-12-directory-map")

    session.assert_clean()
