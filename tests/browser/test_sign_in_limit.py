"""The sign-in rate limit (django-axes): 5 failures for one user lock the next attempts."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .helpers import (
    LOGIN_PATH,
    checkpoint,
    html_lang,
    submit_sign_in,
)

pytestmark = pytest.mark.browser

# No other test signs in as this account.
USERNAME = "donneur.ferme"


def test_five_wrong_passwords_lock_the_account_out(session, live_server):
    page = session.page
    statuses = []
    for attempt in range(1, 5):
        response = submit_sign_in(page, live_server, USERNAME, f"wrong-password-{attempt}")
        statuses.append(response.status)
        # A normal refusal: the form again, with its error, in French.
        assert response.status == 200, statuses
        expect(page.locator("h1")).to_have_text("Se connecter")
        expect(page.locator(".errorlist")).to_contain_text("mot de passe")
        if attempt == 1:
            checkpoint(page, "limit-01-wrong-password")
    # The fifth failure locks the account for this address (django-axes answers 429).
    response = submit_sign_in(page, live_server, USERNAME, "wrong-password-5")
    assert response.status == 429, [*statuses, response.status]

    # Locked: even the right password is refused, with the French locked-out page.
    response = submit_sign_in(page, live_server, USERNAME, "bonnebouffe-demo")
    assert response.status == 429
    assert LOGIN_PATH in page.url
    assert html_lang(page) == "fr-CA"
    expect(page.locator("h1")).to_have_text("Trop de tentatives")
    expect(page.locator("main [role=alert]")).to_contain_text("Attendez 15 minutes")
    expect(page.locator("header nav")).to_have_count(0)  # still signed out
    checkpoint(page, "limit-02-locked-out")

    # Another account from the same browser is not locked.
    submit_sign_in(page, live_server, "organisme.chateauguay", "bonnebouffe-demo")
    assert LOGIN_PATH not in page.url
    session.assert_clean()
