"""Each role sees only what it may, on pages and in the API alike."""

import pytest

from bonnebouffe.accounts.selectors import scope_for
from bonnebouffe.network.selectors import organisation_list


def names(qs):
    return {o.name for o in qs}


def test_a_roussillon_coordinator_sees_roussillon_not_haut_saint_laurent(tiny_network):
    scope = scope_for(tiny_network.users["coord_r"])
    visible = names(organisation_list(scope=scope))
    assert {"Comptoir Châteauguay", "Comptoir Mercier", "Antenne Roussillon"} <= visible
    assert "Comptoir Huntingdon" not in visible
    assert "Cuisine Ormstown" not in visible
    assert "Antenne HSL" in visible  # hubs of the network are visible to its staff


def test_the_network_admin_sees_every_organisation_of_the_network(tiny_network):
    visible = names(organisation_list(scope=scope_for(tiny_network.users["admin"])))
    assert len(visible) == 7


def test_agency_staff_see_their_own_organisation_and_the_hubs(tiny_network):
    visible = names(organisation_list(scope=scope_for(tiny_network.users["agency_a1"])))
    assert visible == {"Comptoir Châteauguay", "Antenne Roussillon", "Antenne HSL"}


@pytest.mark.parametrize("username", ["evaluator", "household", "outsider"])
def test_evaluators_households_and_outsiders_see_no_organisation_record(tiny_network, username):
    assert names(organisation_list(scope=scope_for(tiny_network.users[username]))) == set()


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("coord_r", 200),
        ("admin", 200),
        ("coord_h", 404),
        ("agency_a3", 404),
        ("evaluator", 403),
        ("household", 403),
        ("outsider", 403),
    ],
)
def test_the_organisation_page_follows_the_scope(tiny_network, username, status):
    url = f"/reseau/organisations/{tiny_network.agency_mercier.pk}/"
    assert tiny_network.client(username).get(url).status_code == status


@pytest.mark.parametrize(
    ("username", "status"),
    [("coord_r", 200), ("coord_h", 404), ("evaluator", 403), ("outsider", 403)],
)
def test_the_organisation_api_follows_the_scope(tiny_network, username, status):
    url = f"/api/network/organisations/{tiny_network.agency_mercier.pk}"
    assert tiny_network.client(username).get(url).status_code == status


def test_the_organisation_list_page_and_api_agree(tiny_network):
    client = tiny_network.client("coord_h")
    page = client.get("/reseau/organisations/").content.decode()
    api = {o["name"] for o in client.get("/api/network/organisations").json()}
    assert "Comptoir Huntingdon" in page and "Comptoir Huntingdon" in api
    assert "Comptoir Mercier" not in page and "Comptoir Mercier" not in api


def test_sites_follow_the_organisation_scope(tiny_network):
    client = tiny_network.client("coord_h")
    api = {s["organisation_id"] for s in client.get("/api/network/sites").json()}
    assert tiny_network.agency_mercier.pk not in api
    assert tiny_network.agency_huntingdon.pk in api
    site = tiny_network.agency_mercier.sites.first()
    assert client.get(f"/api/network/sites/{site.pk}").status_code == 404


def test_evaluators_get_aggregates_only(tiny_network):
    client = tiny_network.client("evaluator")
    assert client.get("/reseau/").status_code == 200
    assert client.get("/reseau/organisations/").status_code == 403
    assert client.get("/partenaires/").status_code == 403
    assert client.get("/api/network/organisations").status_code == 403
    assert client.get("/api/territory/mrcs").status_code == 200


def test_a_coordinator_cannot_edit_or_add_outside_their_territory(tiny_network):
    client = tiny_network.client("coord_r")
    assert (
        client.get(f"/reseau/organisations/{tiny_network.agency_mercier.pk}/modifier/").status_code
        == 200
    )
    response = client.post(
        "/api/network/organisations",
        {
            "name": "Nouveau comptoir",
            "kind": "community",
            "municipality_id": tiny_network.agency_huntingdon.municipality_id,
        },
        content_type="application/json",
    )
    assert response.status_code == 403
    response = client.post(
        "/api/network/organisations",
        {
            "name": "Nouveau comptoir",
            "kind": "community",
            "municipality_id": tiny_network.agency_mercier.municipality_id,
        },
        content_type="application/json",
    )
    assert response.status_code == 201


def test_anonymous_visitors_are_sent_to_sign_in_and_refused_by_the_api(db):
    from django.test import Client

    c = Client()
    assert c.get("/reseau/organisations/").status_code == 302
    assert c.get("/api/network/organisations").status_code == 401
