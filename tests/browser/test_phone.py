"""The partner directory on a phone-sized screen (390 x 844)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .helpers import PHONE, checkpoint, open_session, path, sign_in

pytestmark = pytest.mark.browser


def test_directory_fits_a_phone_screen(browser, demo, live_server):
    session = open_session(browser, live_server.url, viewport=PHONE)
    try:
        page = session.page
        sign_in(page, live_server, "coord.roussillon")
        # Filtered to the connectors (a handful of cards): the unfiltered directory is a
        # single 22,000 px column on a phone, slow to capture and to check.
        page.goto(session.url(path("partners:directory") + "?type=connecteur"))
        expect(page.locator("h1")).to_have_text("Répertoire des partenaires")
        assert page.locator("#results li.card").count() > 2
        checkpoint(page, "phone-01-directory")
        # Nothing is wider than the screen: no sideways scrolling.
        widths = page.evaluate(
            "() => ({page: document.documentElement.scrollWidth, screen: window.innerWidth})"
        )
        assert widths["page"] <= widths["screen"], widths
        # The cards stack in one column.
        lefts = page.locator("#results li.card").evaluate_all(
            "cards => new Set(cards.map(c => Math.round(c.getBoundingClientRect().left))).size"
        )
        assert lefts == 1
        page.goto(session.url(path("core:home")))
        checkpoint(page, "phone-02-home")
        widths = page.evaluate(
            "() => ({page: document.documentElement.scrollWidth, screen: window.innerWidth})"
        )
        assert widths["page"] <= widths["screen"], widths
        session.assert_clean()
    finally:
        session.context.close()
