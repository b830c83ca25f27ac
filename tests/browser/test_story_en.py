"""The same coordinator's story in English, switched with the header button, then back."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .helpers import (
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


def test_coordinator_story_in_english_then_back_to_french(session, live_server):
    page = session.page
    sign_in(page, live_server, "coord.roussillon")
    assert html_lang(page) == "fr-CA"

    # The header button switches to English and stays on the same page.
    page.goto(session.url(path("partners:directory")))
    expect(page.locator("h1")).to_have_text("Répertoire des partenaires")
    switch = page.locator(".lang-switch button")
    expect(switch).to_have_text("English")
    assert switch.get_attribute("lang") == "en-CA"
    switch.click()
    page.wait_for_load_state()
    assert page.url == session.url(path("partners:directory"))
    assert html_lang(page) == "en-CA"
    expect(page.locator("h1")).to_have_text("Partner directory")
    expect(page.locator(".lang-switch button")).to_have_text("Français")
    assert page.locator(".lang-switch button").get_attribute("lang") == "fr-CA"
    english = [
        "Home",
        "Territory",
        "Network at a glance",
        "Organisations",
        "Partner directory",
        "Collective projects",
        "Background jobs",
    ]
    assert [label for label in nav_links(page).values() if label in english] == english
    expect(page.locator(".header-tools")).to_contain_text("Sign out (coord.roussillon)")
    expect(page.get_by_label("Contribution type")).to_be_visible()
    checkpoint(page, "en-01-directory")

    # The directory filter, in English.
    mark_page(page)
    before = page.locator("#results li.card").count()
    page.get_by_label("Contribution type").select_option("connecteur")
    expect(page).to_have_url(re.compile(r"[?&]type=connecteur"))
    page.wait_for_function(
        "n => document.querySelectorAll('#results li.card').length < n", arg=before
    )
    assert page_was_not_reloaded(page)
    tags = {words(t) for t in page.locator("#results li.card .tag").all_inner_texts()}
    assert tags == {"Connector (connects people and bodies)"}
    checkpoint(page, "en-02-directory-connectors")

    # Home, the territory, the organisations and the network at a glance, in English.
    page.get_by_role("link", name="Home", exact=True).click()
    expect(page.locator("h1")).to_have_text("Welcome, Coordination Roussillon")
    expect(page.locator("main h2").first).to_have_text("Your roles")
    checkpoint(page, "en-03-home")

    page.get_by_role("link", name="Territory", exact=True).click()
    expect(page.locator("h1")).to_have_text("Territory")
    assert wait_for_map_points(page) == 65
    checkpoint(page, "en-04-territory-map")

    page.get_by_role("link", name="Organisations", exact=True).click()
    expect(page.locator("h1")).to_have_text("Organisations")
    expect(page.locator("#results thead")).to_contain_text("Municipality")
    expect(page.locator("#results")).to_contain_text(re.compile(r"\d+ organisations"))
    checkpoint(page, "en-05-organisations")

    page.get_by_role("link", name="Network at a glance", exact=True).click()
    expect(page.locator("h1")).to_have_text("Network at a glance")
    checkpoint(page, "en-06-overview")

    page.get_by_role("link", name="Collective projects", exact=True).click()
    expect(page.locator("h1")).to_have_text("Collective projects")
    checkpoint(page, "en-07-projects")

    # Back to French: the choice holds on the next pages.
    page.locator(".lang-switch button").click()
    page.wait_for_load_state()
    assert html_lang(page) == "fr-CA"
    expect(page.locator("h1")).to_have_text("Projets collectifs")
    expect(page.locator(".lang-switch button")).to_have_text("English")
    page.get_by_role("link", name="Répertoire des partenaires", exact=True).click()
    expect(page.locator("h1")).to_have_text("Répertoire des partenaires")
    assert html_lang(page) == "fr-CA"

    session.assert_clean()
