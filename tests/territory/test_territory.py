import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bonnebouffe.territory.models import MRC, DisseminationArea, Municipality
from bonnebouffe.territory.services import ImportRejected, territory_figures_import


def test_the_shipped_territory_has_the_five_mrcs_and_65_municipalities(db):
    assert set(MRC.objects.values_list("name", flat=True)) == {
        "Beauharnois-Salaberry",
        "Le Haut-Saint-Laurent",
        "Les Jardins-de-Napierville",
        "Roussillon",
        "Vaudreuil-Soulanges",
    }
    assert Municipality.objects.count() == 65
    assert sum(m.population or 0 for m in Municipality.objects.all()) == 469_042


def test_a_valid_municipality_file_updates_population_and_quintiles(db):
    result = territory_figures_import(
        content="csd_code,population,year,material_quintile\n2467005,2500,2026,4\n",
        kind="municipalities",
    )
    assert result.updated == 1
    m = Municipality.objects.get(csd_code="2467005")
    assert (m.population, m.population_year, m.material_quintile) == (2500, 2026, 4)


def test_one_bad_row_changes_nothing_and_every_bad_row_is_listed(db):
    before = Municipality.objects.get(csd_code="2467005").population
    content = (
        "csd_code,population,material_quintile\n"
        "2467005,9999,2\n"
        "9999999,100,1\n"  # unknown code
        "2467010,abc,1\n"  # not a number
        "2467015,100,7\n"  # quintile out of range
        "2467005,100,1\n"  # duplicate
    )
    with pytest.raises(ImportRejected) as info:
        territory_figures_import(content=content, kind="municipalities")
    lines = sorted({e.line for e in info.value.errors})
    assert lines == [3, 4, 5, 6]
    assert Municipality.objects.get(csd_code="2467005").population == before


def test_errors_are_in_the_users_language(db):
    from django.utils import translation

    with translation.override("fr-ca"), pytest.raises(ImportRejected) as info:
        territory_figures_import(content="csd_code,population\n2467005,x\n", kind="municipalities")
    assert "Ligne" in str(info.value.errors[0])


def test_a_missing_required_column_is_reported(db):
    with pytest.raises(ImportRejected) as info:
        territory_figures_import(content="code,pop\n1,2\n", kind="municipalities")
    assert {e.column for e in info.value.errors} == {"csd_code", "population"}


def test_dissemination_areas_are_created_then_updated(db):
    content = (
        "dauid,csd_code,population,material_quintile,social_quintile\n24670001,2467005,420,5,3\n"
    )
    assert territory_figures_import(content=content, kind="dissemination_areas").created == 1
    content2 = content.replace("420", "430")
    assert territory_figures_import(content=content2, kind="dissemination_areas").updated == 1
    da = DisseminationArea.objects.get(dauid="24670001")
    assert (da.population, da.material_quintile, da.municipality.csd_code) == (430, 5, "2467005")


def test_the_command_imports_and_refuses_bad_files(db, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("csd_code,population\n2467005,2600\n", encoding="utf-8")
    call_command("import_territory_figures", str(good))
    assert Municipality.objects.get(csd_code="2467005").population == 2600
    bad = tmp_path / "bad.csv"
    bad.write_text("csd_code,population\n2467005,-1\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_territory_figures", str(bad))
    assert Municipality.objects.get(csd_code="2467005").population == 2600
