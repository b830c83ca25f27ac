from decimal import Decimal

from django.template import Context, Template
from django.test import Client
from django.utils import translation


def test_the_default_language_is_quebec_french(tiny_network):
    page = tiny_network.client("coord_r").get("/partenaires/").content.decode()
    assert 'lang="fr-CA"' in page
    assert "Répertoire des partenaires" in page


def test_the_language_switch_gives_english(tiny_network):
    client = tiny_network.client("coord_r")
    client.post("/i18n/setlang/", {"language": "en", "next": "/partenaires/"})
    page = client.get("/partenaires/").content.decode()
    assert 'lang="en-CA"' in page and "Partner directory" in page


def test_money_and_mass_filters_follow_the_active_language():
    template = Template("{% load bb %}{{ p|money }} {{ m|kg }}")
    with translation.override("fr-ca"):
        assert (
            template.render(Context({"p": Decimal("12.5"), "m": 1234.5}))
            == "12,50\u00a0$ 1\u00a0234,5\u00a0kg"
        )
    with translation.override("en"):
        assert (
            template.render(Context({"p": Decimal("12.5"), "m": 1234.5}))
            == "$12.50 1,234.5\u00a0kg"
        )


def test_dates_use_quebec_french_format():
    import datetime

    from django.utils.formats import date_format

    with translation.override("fr-ca"):
        assert date_format(datetime.date(2026, 11, 28)) == "28 novembre 2026"
        assert date_format(datetime.date(2026, 11, 28), "SHORT_DATE_FORMAT") == "2026-11-28"


def test_the_admin_speaks_french(admin_client):
    assert "Administration" in admin_client.get("/admin/").content.decode()


def test_front_end_libraries_are_served_by_the_app(db):
    from django.contrib.staticfiles import finders

    assert finders.find("vendor/htmx/htmx.min.js")
    assert finders.find("vendor/leaflet/leaflet.js")
    page = Client().get("/comptes/connexion/").content.decode()
    assert "https://" not in page.split("<body")[0]  # no CDN in the head
