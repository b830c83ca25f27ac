"""Lot labels: the QR payload, a real PDF (checked with pdftotext when poppler is there), the
background job for many lots, and the scope."""

import shutil
import subprocess
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.files.storage import default_storage
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from bonnebouffe.inventory import labels
from bonnebouffe.inventory.services import LotSpec, lot_receive
from bonnebouffe.jobs.models import Job, JobStatus

PDFTOTEXT = shutil.which("pdftotext")


def pdf_text(pdf: bytes) -> str:
    return subprocess.run(
        [PDFTOTEXT or "pdftotext", "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout.decode()


@pytest.fixture
def two_lots(tiny_network):
    site = tiny_network.hub_roussillon.sites.get()
    made = []
    for name, cls, allergens in [
        ("Lait 2 %", "refrigerated", ("milk",)),
        ("Pain de blé entier", "ambient", ("wheat_triticale", "sesame")),
    ]:
        made.append(
            lot_receive(
                spec=LotSpec(
                    product_name=name,
                    category="dairy",
                    storage_class=cls,
                    date_kind="best_before",
                    date_value=timezone.localdate() + timedelta(days=5),
                    allergens=allergens,
                ),
                quantity_g=2_000,
                hub=tiny_network.hub_roussillon,
                site=site,
            )
        )
    return made


def english(tiny_network, username):
    client = tiny_network.client(username)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_qr_url_is_the_absolute_url_of_the_lot_page(settings):
    settings.ALLOWED_HOSTS = ["bonnebouffe.example.org"]
    request = RequestFactory().get("/stock/", HTTP_HOST="bonnebouffe.example.org", secure=True)
    assert (
        labels.lot_qr_url(request, "L261128-7KQ3M")
        == "https://bonnebouffe.example.org/stock/lots/L261128-7KQ3M/"
    )
    assert labels.lot_url("https://bonnebouffe.example.org/", "L261128-7KQ3M") == (
        "https://bonnebouffe.example.org/stock/lots/L261128-7KQ3M/"
    )


def test_the_qr_code_is_a_full_qr_with_medium_error_correction(monkeypatch):
    seen = []
    make = labels.segno.make

    def spy(content, **kwargs):
        seen.append((content, kwargs))
        return make(content, **kwargs)

    monkeypatch.setattr(labels.segno, "make", spy)
    uri = labels.qr_svg_data_uri("https://bonnebouffe.example.org/stock/lots/L261128-7KQ3M/")
    assert uri.startswith("data:image/svg+xml")
    assert seen == [
        (
            "https://bonnebouffe.example.org/stock/lots/L261128-7KQ3M/",
            {"micro": False, "error": "m", "boost_error": False},
        )
    ]


def test_storage_instructions_follow_the_class_and_the_language():
    with translation.override("en"):
        assert labels.storage_instructions("refrigerated") == "Keep cold, 4 °C or less"
        assert labels.storage_instructions("frozen") == "Keep frozen, \u221218 °C or less"
        assert labels.allergens_line(["milk", "sesame"]) == "Contains: Milk, Sesame"
        assert labels.allergens_line([]) == "Allergens: none declared"


def test_a_labels_pdf_for_two_lots_holds_their_codes_and_qr_urls(
    tiny_network, two_lots, monkeypatch
):
    encoded = []
    original = labels.qr_svg_data_uri
    monkeypatch.setattr(labels, "qr_svg_data_uri", lambda url: encoded.append(url) or original(url))
    codes = ",".join(lot.code for lot in two_lots)
    response = english(tiny_network, "coord_r").get(
        reverse("inventory:labels"), {"lots": codes, "format": "sheet"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    assert encoded == [
        f"http://testserver{reverse('inventory:lot_detail', args=[lot.code])}" for lot in two_lots
    ]
    if PDFTOTEXT:
        text = pdf_text(pdf)
        for lot in two_lots:
            assert lot.code in text and lot.product_name in text
        assert "Keep cold, 4 °C or less" in text and "Contains: Sesame, Wheat and triticale" in text


def test_a_thermal_label_is_one_4_by_2_inch_page_per_lot(tiny_network, two_lots):
    response = english(tiny_network, "coord_r").get(
        reverse("inventory:labels"), {"lots": two_lots[0].code, "format": "thermal"}
    )
    assert response.content.startswith(b"%PDF")
    if shutil.which("pdfinfo"):
        info = subprocess.run(
            ["pdfinfo", "-"], input=response.content, capture_output=True, check=True
        ).stdout.decode()
        assert "Pages:           1" in info and "288 x 144 pts" in info


def test_labels_for_todays_receipts_at_a_site(tiny_network, two_lots):
    site = tiny_network.hub_roussillon.sites.get()
    response = english(tiny_network, "coord_r").get(reverse("inventory:labels"), {"site": site.pk})
    assert response["Content-Type"] == "application/pdf"
    if PDFTOTEXT:
        text = pdf_text(response.content)
        assert all(lot.code in text for lot in two_lots)


def test_labels_of_lots_outside_the_scope_are_not_made(tiny_network, two_lots):
    response = english(tiny_network, "coord_h").get(
        reverse("inventory:labels"), {"lots": two_lots[0].code}
    )
    assert response["Content-Type"].startswith("text/html")
    assert "No lot found for these labels." in response.content.decode()


def test_many_labels_are_made_in_the_background_for_their_owner_only(
    tiny_network, two_lots, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(labels, "DIRECT_MAX_LOTS", 1)
    client = english(tiny_network, "coord_r")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(
            reverse("inventory:labels"), {"lots": " ".join(lot.code for lot in two_lots)}
        )
    job = Job.objects.get(kind="inventory.labels")
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["lots"] == 2
    assert job.result["file"].startswith("labels/") and default_storage.exists(job.result["file"])
    download = client.get(job.result["url"])
    pdf = b"".join(download.streaming_content)
    assert download["Content-Type"] == "application/pdf" and pdf.startswith(b"%PDF")
    if PDFTOTEXT:
        text = pdf_text(pdf)
        assert all(lot.code in text for lot in two_lots) and "Best before" in text
    assert english(tiny_network, "coord_h").get(job.result["url"]).status_code == 404
