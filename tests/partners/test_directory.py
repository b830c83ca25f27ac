import csv
import io

import pytest

from bonnebouffe.partners.models import Contribution, ContributionType


def test_the_directory_filters_by_contribution_type(tiny_network):
    client = tiny_network.client("coord_r")
    page = client.get("/partenaires/", {"type": "connecteur"}).content.decode()
    assert "Comptoir Châteauguay" in page and "Comptoir Huntingdon" not in page


def test_the_directory_search_matches_the_offer(tiny_network):
    client = tiny_network.client("coord_h")
    page = client.get("/partenaires/", {"q": "nouvelles"}).content.decode()
    assert "Comptoir Huntingdon" in page and "Comptoir Châteauguay" not in page


def test_htmx_filtering_returns_only_the_results_block(tiny_network):
    client = tiny_network.client("coord_r")
    response = client.get("/partenaires/", {"type": "relayeur"}, headers={"hx-request": "true"})
    body = response.content.decode()
    assert '<div id="results">' in body and "<html" not in body
    assert "Comptoir Huntingdon" in body


def test_the_csv_export_has_one_row_per_contribution(tiny_network):
    response = tiny_network.client("admin").get("/partenaires/export.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert len(rows) == 1 + Contribution.objects.count()


def test_the_hsds_export_nests_services_and_locations(tiny_network):
    data = tiny_network.client("admin").get("/partenaires/export-hsds.json").json()
    assert data["hsds_version"] == "3.0"
    org = next(o for o in data["organizations"] if o["name"] == "Comptoir Châteauguay")
    assert org["services"][0]["description"] == "Relie les producteurs"
    location = org["locations"][0]
    assert location["addresses"][0]["state_province"] == "QC"
    assert {"latitude", "longitude", "schedules"} <= set(location)


def test_a_partner_declares_a_contribution_for_its_own_organisation(tiny_network):
    client = tiny_network.client("agency_a1")
    response = client.post(
        "/api/partners/contributions",
        {
            "organisation_id": tiny_network.agency_chateauguay.pk,
            "project_id": tiny_network.project.pk,
            "mrc_ids": [tiny_network.agency_chateauguay.mrc_id],
            "kinds": ["facilitateur", "relayeur"],
            "offer": "Animation des rencontres",
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    assert Contribution.objects.filter(organisation=tiny_network.agency_chateauguay).count() == 3


def test_a_partner_cannot_speak_for_another_organisation(tiny_network):
    client = tiny_network.client("agency_a1")
    response = client.post(
        "/api/partners/contributions",
        {
            "organisation_id": tiny_network.agency_huntingdon.pk,
            "project_id": tiny_network.project.pk,
            "mrc_ids": [tiny_network.agency_huntingdon.mrc_id],
            "kinds": ["relayeur"],
            "offer": "x",
        },
        content_type="application/json",
    )
    assert response.status_code == 403


def test_the_contribution_form_validates_and_saves(tiny_network):
    client = tiny_network.client("agency_a1")
    bad = client.post(
        "/partenaires/contribuer/", {"organisation": tiny_network.agency_chateauguay.pk}
    )
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()
    good = client.post(
        "/partenaires/contribuer/",
        {
            "organisation": tiny_network.agency_chateauguay.pk,
            "project": tiny_network.project.pk,
            "mrcs": [tiny_network.agency_chateauguay.mrc_id],
            "kinds": ["evaluateur"],
            "offer": "Indicateurs",
        },
    )
    assert good.status_code == 302
    assert Contribution.objects.filter(kind="evaluateur").exists()


def test_the_directory_page_runs_a_constant_number_of_queries(
    tiny_network, django_assert_max_num_queries
):
    client = tiny_network.client("admin")
    with django_assert_max_num_queries(20):
        client.get("/partenaires/")


@pytest.mark.parametrize(
    ("params", "shown", "hidden"),
    [
        (lambda t: {"type": "connecteur"}, "Comptoir Châteauguay", "Comptoir Huntingdon"),
        (lambda t: {"q": "nouvelles"}, "Comptoir Huntingdon", "Comptoir Châteauguay"),
        (
            lambda t: {"mrc": t.agency_huntingdon.mrc_id, "kind": "community"},
            "Comptoir Huntingdon",
            "Comptoir Châteauguay",
        ),
    ],
    ids=["type", "search", "mrc-and-kind"],
)
def test_the_csv_and_hsds_exports_follow_the_directory_filters(tiny_network, params, shown, hidden):
    params = params(tiny_network)
    client = tiny_network.client("admin")
    rows = list(
        csv.reader(io.StringIO(client.get("/partenaires/export.csv", params).content.decode()))
    )
    csv_names = {r[0] for r in rows[1:]}
    assert shown in csv_names and hidden not in csv_names
    data = client.get("/partenaires/export-hsds.json", params).json()
    hsds_names = {o["name"] for o in data["organizations"]}
    assert shown in hsds_names and hidden not in hsds_names


def test_the_exports_only_carry_the_contributions_matching_the_filter(tiny_network):
    Contribution.objects.create(
        organisation=tiny_network.agency_chateauguay,
        project=tiny_network.project,
        mrc=tiny_network.agency_chateauguay.mrc,
        kind=ContributionType.EVALUATOR,
        offer="Indicateurs",
    )
    client = tiny_network.client("admin")
    rows = list(
        csv.reader(
            io.StringIO(
                client.get("/partenaires/export.csv", {"type": "evaluateur"}).content.decode()
            )
        )
    )
    assert [r[7] for r in rows[1:]] == ["Indicateurs"]
    data = client.get("/partenaires/export-hsds.json", {"type": "evaluateur"}).json()
    (org,) = data["organizations"]
    assert [s["description"] for s in org["services"]] == ["Indicateurs"]


def test_the_htmx_results_carry_export_and_map_links_with_the_filter(tiny_network):
    client = tiny_network.client("coord_r")
    body = client.get(
        "/partenaires/", {"type": "connecteur"}, headers={"hx-request": "true"}
    ).content.decode()
    for url in ("/partenaires/carte/", "/partenaires/export.csv", "/partenaires/export-hsds.json"):
        assert f'href="{url}?type=connecteur"' in body, url
