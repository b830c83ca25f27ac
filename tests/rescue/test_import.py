"""Bulk import of offers: every row checked first, then all rows or none."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from openpyxl import Workbook

from bonnebouffe.accounts.selectors import scope_for
from bonnebouffe.rescue.imports import ImportRejected, offers_import
from bonnebouffe.rescue.models import Offer, OfferItem

HEADER = (
    "offre;produit;categorie;quantite_kg;unites;poids_unitaire_g;conservation;type_date;date;"
    "allergenes;fin"
)


def _csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def _future(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def _import(net, content: bytes, filename: str = "offres.csv"):
    return offers_import(
        scope=scope_for(net.users["donor"]),
        donor=net.farm,
        content=content,
        filename=filename,
        actor=net.users["donor"],
    )


def test_a_csv_groups_rows_into_offers(net):
    content = _csv(
        f"A;Yogourt 650 g;dairy;;24;650;réfrigéré;meilleur avant;{_future(7)};lait;"
        f"{_future(2)} 17:00",
        f"A;Pain de blé;Bread and bakery;12,5;;;ambiant;date d'emballage;{_future(0)};blé;",
        "B;Courges;vegetables_fruits;300;;;;;;;",
    )
    result = _import(net, content)
    assert len(result.offers) == 2 and result.item_count == 3
    yogourt = OfferItem.objects.get(product_name="Yogourt 650 g")
    assert (yogourt.quantity_g, yogourt.storage_class, yogourt.allergens) == (
        15_600,
        "refrigerated",
        ["milk"],
    )
    bread = OfferItem.objects.get(product_name="Pain de blé")
    assert (bread.quantity_g, bread.date_kind, bread.category) == (12_500, "packaged_on", "bakery")
    squash = OfferItem.objects.get(product_name="Courges")
    assert (squash.date_kind, squash.storage_class) == ("none", "ambient")
    offer_a = yogourt.offer
    assert timezone.localtime(offer_a.window_end).hour == 17
    assert offer_a.pickup_site == net.farm.sites.get()


def test_one_bad_row_creates_nothing_and_every_error_is_listed(net):
    content = _csv(
        f"A;Yogourt;dairy;10;;;refrigerated;best_before;{_future(7)};;",
        "A;;dairy;abc;;;frigo;;;gluten;",
        f"B;Lait maternisé;infant;2;;;ambient;dlu;{_future(-3)};;",
        "C;Carottes;légumes;5;;;;;;;",
    )
    with pytest.raises(ImportRejected) as exc:
        _import(net, content)
    found = {(e.line, e.column) for e in exc.value.errors}
    assert (3, "quantite_kg") in found  # not a number
    assert (3, "allergenes") in found  # unknown allergen
    assert (4, "date") in found  # date limite d'utilisation passed
    assert (5, "categorie") in found  # unknown category
    assert not Offer.objects.exists() and not OfferItem.objects.exists()


def test_row_errors_are_in_the_users_language(net):
    content = _csv("A;Carottes;dairy;;;;;;;;")
    with pytest.raises(ImportRejected) as exc:
        _import(net, content)
    error = exc.value.errors[0]
    assert (error.line, error.column) == (2, "quantite_kg")
    assert str(error).startswith("Ligne 2, colonne «\xa0quantite_kg\xa0»")
    with translation.override("en"):
        assert str(error).startswith("Line 2, column “quantite_kg”:")


def test_a_missing_column_is_reported_on_the_header_line(net):
    with pytest.raises(ImportRejected) as exc:
        _import(net, b"offre;produit\nA;Pain\n")
    assert [(e.line, e.column) for e in exc.value.errors] == [(1, "category")]


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(
        [
            "offer",
            "product",
            "category",
            "quantity_kg",
            "storage",
            "date_kind",
            "date",
            "window_end",
        ]
    )
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_xlsx_file_with_real_dates_and_numbers_is_imported(net):
    end = timezone.localtime().replace(tzinfo=None) + timedelta(days=1)
    content = _xlsx(
        [
            [
                1,
                "Fromage",
                "dairy",
                3.25,
                "refrigerated",
                "best_before",
                timezone.localdate() + timedelta(days=9),
                end,
            ],
            [
                1,
                "Beurre",
                "dairy",
                2,
                "refrigerated",
                "best_before",
                timezone.localdate() + timedelta(days=20),
                None,
            ],
        ]
    )
    result = _import(net, content, "offres.xlsx")
    assert len(result.offers) == 1
    assert sorted(OfferItem.objects.values_list("quantity_g", flat=True)) == [2_000, 3_250]


def test_an_xlsx_file_with_one_bad_row_creates_nothing(net):
    content = _xlsx(
        [
            [
                1,
                "Fromage",
                "dairy",
                3.25,
                "refrigerated",
                "best_before",
                timezone.localdate(),
                None,
            ],
            [2, "Beurre", "dairy", -2, "refrigerated", "best_before", timezone.localdate(), None],
        ]
    )
    with pytest.raises(ImportRejected) as exc:
        _import(net, content, "offres.xlsx")
    assert [(e.line, e.column) for e in exc.value.errors] == [(3, "quantity_kg")]
    assert not Offer.objects.exists()


def test_the_import_page_shows_the_errors_and_then_imports(net):
    client = net.client("donor")
    page = client.get("/dons/importer/").content.decode()
    assert "quantite_kg" in page and '<th scope="row">' in page
    bad = SimpleUploadedFile("o.csv", _csv("A;Carottes;dairy;;;;;;;;"), content_type="text/csv")
    response = client.post("/dons/importer/", {"donor": net.farm.pk, "file": bad})
    assert response.status_code == 200 and "quantite_kg" in response.content.decode()
    assert not Offer.objects.exists()
    good = SimpleUploadedFile(
        "o.csv", _csv("A;Carottes;vegetables_fruits;5;;;;;;;"), content_type="text/csv"
    )
    response = client.post("/dons/importer/", {"donor": net.farm.pk, "file": good})
    assert response.status_code == 302
    assert Offer.objects.count() == 1
