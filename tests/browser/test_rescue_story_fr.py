"""The food-rescue story of issue 3, in French, on the region demo: a farm offers a surplus
from a phone, its home hub accepts and receives it, prints the label, issues stock from the
FEFO pick list, composts the rest; the reconciliation closes to the gram and the lot's trace
gives a recall notice. Every page gets a screenshot and an axe check."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .helpers import PHONE, checkpoint, open_session, path, sign_in, words

pytestmark = pytest.mark.browser

DONOR = "donneur.ferme"
APPLES = "Pommes Cortland du récit"
YOGURT = "Yogourt nature du récit"


def _coordinator_of(hub_id: int) -> str:
    """The demo account that coordinates the donor's home hub (the administrator otherwise)."""
    from bonnebouffe.accounts.models import Membership, Role

    for username in ("coord.roussillon", "coord.hsl"):
        if Membership.objects.filter(
            user__username=username, organisation_id=hub_id, role=Role.HUB_COORDINATOR
        ).exists():
            return username
    return "admin.reseau"


def _declare_offer_on_a_phone(browser, live_server) -> int:
    """The donor's part, on a 390 x 844 screen; returns the new offer's id."""
    from bonnebouffe.rescue.models import Offer

    before = set(Offer.objects.values_list("pk", flat=True))
    phone = open_session(browser, live_server.url, viewport=PHONE)
    try:
        page = phone.page
        sign_in(page, live_server, DONOR)
        page.goto(phone.url(path("rescue:offer_new")))
        expect(page.locator("h1")).to_have_text("Offrir un surplus alimentaire")
        checkpoint(page, "rescue-fr-01-offer-form-phone")
        best_before = (timezone.localdate() + timedelta(days=20)).isoformat()
        use_by = (timezone.localdate() + timedelta(days=6)).isoformat()

        page.locator("#id_items-0-product_name").fill(APPLES)
        page.locator("#id_items-0-category").select_option("vegetables_fruits")
        page.locator("#id_items-0-quantity_kg").fill("20")
        page.locator("#id_items-0-storage_class_0").check()  # ambiant
        page.locator("#id_items-0-date_kind").select_option("best_before")
        page.locator("#id_items-0-date_value").fill(best_before)

        # A second item row comes through HTMX.
        page.get_by_role("button", name="Ajouter un article").click()
        expect(page.locator("#id_items-1-product_name")).to_be_visible()
        page.locator("#id_items-1-product_name").fill(YOGURT)
        page.locator("#id_items-1-category").select_option("dairy")
        page.locator("#id_items-1-units").fill("8")
        page.locator("#id_items-1-unit_weight_g").fill("650")
        page.locator("#id_items-1-storage_class_1").check()  # réfrigéré
        page.locator("#id_items-1-date_kind").select_option("use_by")
        page.locator("#id_items-1-date_value").fill(use_by)
        page.locator("#id_items-1-allergens_0").check()
        checkpoint(page, "rescue-fr-02-offer-form-filled-phone")
        widths = page.evaluate(
            "() => ({page: document.documentElement.scrollWidth, screen: window.innerWidth})"
        )
        assert widths["page"] <= widths["screen"], widths

        page.get_by_role("button", name="Envoyer l'offre").click()
        expect(page.locator("h1")).to_have_text("Mes offres")
        expect(page.locator("main")).to_contain_text("Merci! Votre offre a été envoyée à")
        checkpoint(page, "rescue-fr-03-my-offers-phone")
        phone.assert_clean()
    finally:
        phone.context.close()
    new = set(Offer.objects.values_list("pk", flat=True)) - before
    assert len(new) == 1, new
    return new.pop()


def test_a_farm_surplus_goes_from_offer_to_compost_and_the_books_close(browser, demo, live_server):
    from bonnebouffe.inventory.models import Lot
    from bonnebouffe.rescue.models import Offer, Reception

    offer_id = _declare_offer_on_a_phone(browser, live_server)
    offer = Offer.objects.select_related("home_hub").get(pk=offer_id)
    assert sorted(offer.items.values_list("product_name", flat=True)) == sorted([APPLES, YOGURT])
    coordinator = _coordinator_of(offer.home_hub_id)

    session = open_session(browser, live_server.url)
    try:
        page = session.page
        sign_in(page, live_server, coordinator)

        # The hub sees the offer and accepts all of it.
        page.goto(session.url(path("rescue:offer_detail", offer_id)))
        expect(page.locator("h1")).to_contain_text(f"Offre #{offer_id}")
        expect(page.locator("main table")).to_contain_text(APPLES)
        checkpoint(page, "rescue-fr-04-offer-detail")
        page.get_by_role("button", name="Accepter tout ce qui reste").click()
        expect(page.locator("main")).to_contain_text("Acceptée. Inscrivez la réception")
        checkpoint(page, "rescue-fr-05-offer-accepted")

        # Reception: actual weight, temperature; the yogurt arrives too warm and is refused.
        page.get_by_role("link", name="Inscrire la réception").click()
        expect(page.locator("h1")).to_contain_text("Réception de l'offre")
        rows = page.locator("fieldset[data-row]")
        expect(rows).to_have_count(2)
        apples = page.locator("fieldset[data-row]", has_text=APPLES)
        yogurt = page.locator("fieldset[data-row]", has_text=YOGURT)
        apples.locator("input[name$='-weight_kg']").fill("19.5")
        yogurt.locator("input[name$='-weight_kg']").fill("5.2")
        yogurt.locator("input[name$='-temperature_c']").fill("9")
        yogurt.locator("input[name$='-temperature_c']").dispatch_event("change")
        # The page suggests refusing; the reason and destination are the coordinator's.
        expect(yogurt.locator("[data-role=suggestion]")).to_contain_text("refuser")
        yogurt.locator("input[data-role=decision][value=refuse]").check()
        yogurt.locator("input[name$='-refusal_reason']").fill("Température à 9 °C à l'arrivée")
        yogurt.locator("select[name$='-destination']").select_option("compost")
        checkpoint(page, "rescue-fr-06-reception-form")
        page.get_by_role("button", name="Enregistrer la réception").click()
        expect(page.locator("main")).to_contain_text("La réception a été inscrite.")
        expect(page.locator("h1")).to_contain_text("Réception à")
        expect(page.locator("main table")).to_contain_text("Refusé")
        checkpoint(page, "rescue-fr-07-reception-detail")

        reception = Reception.objects.filter(acceptance__offer_id=offer_id).get()
        lot = Lot.objects.get(product_name=APPLES)
        refused = Lot.objects.get(product_name=YOGURT)
        assert refused.refused and not lot.refused
        site_id = reception.site_id

        # The label PDF of the new lot.
        labels = page.get_by_role("link", name="Imprimer les étiquettes")
        href = str(labels.get_attribute("href"))
        assert lot.code in href
        pdf = page.request.get(session.url(href))
        assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
        assert pdf.body().startswith(b"%PDF")
        page.goto(session.url(path("inventory:labels")))
        expect(page.locator("h1")).to_have_text("Étiquettes de lots")
        checkpoint(page, "rescue-fr-08-labels")

        # The FEFO pick list, issued in one step to an agency.
        query = f"?site={site_id}&product={APPLES}&quantity_kg=12"
        page.goto(session.url(path("inventory:pick_list") + query))
        expect(page.locator("h1")).to_have_text("Liste de prélèvement PEPS")
        results = page.locator("#results")
        expect(results.locator("tbody tr")).to_have_count(1)
        expect(results.locator("tbody tr")).to_contain_text(lot.code)
        expect(results.locator("tfoot")).to_contain_text("12,000")
        checkpoint(page, "rescue-fr-09-pick-list")
        recipient = page.locator("#id_recipient option:not([value=''])").first
        agency = words(recipient.inner_text())
        page.locator("#id_recipient").select_option(recipient.get_attribute("value"))
        page.get_by_role("button", name="Remettre tout ce qui figure sur la liste").click()
        expect(page.locator("main")).to_contain_text(f"1 lots remis à {agency}")
        checkpoint(page, "rescue-fr-10-pick-issued")

        # The rest of the lot goes to compost from the lot page.
        page.goto(session.url(path("inventory:lot_detail", lot.code)))
        expect(page.locator("h1")).to_contain_text(lot.code)
        checkpoint(page, "rescue-fr-11-lot-detail")
        page.locator("#id_dispose-quantity_kg").fill("7,5")
        page.locator("input[name='dispose-destination'][value=compost]").check()
        page.locator("#id_dispose-reason").fill("Pommes meurtries")
        page.get_by_role("button", name="Descendre dans l'échelle").click()
        expect(page.locator("main")).to_contain_text("envoyés vers : Compost ou biométhanisation")
        checkpoint(page, "rescue-fr-12-lot-composted")

        # The reconciliation of the lot closes to the gram.
        page.goto(session.url(path("inventory:reconciliation") + f"?lot={lot.code}"))
        expect(page.locator("h1")).to_have_text("Conciliation de la valorisation")
        expect(page.locator("tr[data-line=gap]")).to_contain_text("balance au gramme près")
        expect(page.locator("[data-closes=yes]")).to_have_count(1)
        expect(page.locator("[data-closes=no]")).to_have_count(0)
        checkpoint(page, "rescue-fr-13-reconciliation")

        # The lot's trace, then its recall notice (a background job, run at once in tests).
        page.goto(session.url(path("inventory:trace") + f"?lot={lot.code}"))
        expect(page.locator("h1")).to_have_text("Traçabilité et rappels")
        expect(page.locator("main")).to_contain_text(agency)
        checkpoint(page, "rescue-fr-14-trace")
        page.get_by_role("button", name="Produire le rapport PDF").click()
        expect(page.locator("h1")).to_contain_text("Avis de rappel")
        download = page.get_by_role("link", name="Télécharger l'avis de rappel (PDF)")
        expect(download).to_be_visible()
        checkpoint(page, "rescue-fr-15-recall-job")
        notice = page.request.get(session.url(str(download.get_attribute("href"))))
        assert notice.ok and notice.headers["content-type"] == "application/pdf"
        assert notice.body().startswith(b"%PDF")
        session.assert_clean()
    finally:
        session.context.close()
