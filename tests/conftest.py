"""Shared fixtures: small named scenarios built with the app's own services."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from bonnebouffe.accounts.models import Role, User
from bonnebouffe.accounts.services import membership_create, user_create
from bonnebouffe.households.models import Household
from bonnebouffe.network.models import Network, Organisation, OrganisationKind
from bonnebouffe.network.services import organisation_create, site_save
from bonnebouffe.partners.models import Contribution, ContributionType, Project
from bonnebouffe.territory.models import Municipality, Region


@dataclass
class TinyNetwork:
    """2 hubs (Roussillon, Haut-Saint-Laurent), 4 agencies, a donor, a project, users per role."""

    network: Network
    hub_roussillon: Organisation
    hub_hsl: Organisation
    agency_chateauguay: Organisation
    agency_mercier: Organisation
    agency_huntingdon: Organisation
    agency_ormstown: Organisation
    farm: Organisation
    project: Project
    users: dict[str, User]
    household: Household
    other_household: Household

    def client(self, username: str) -> Client:
        c = Client()
        c.force_login(self.users[username])
        return c


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):  # type: ignore[no-untyped-def]
    """A transactional test (the PostgreSQL concurrency tests) ends with a flush that also
    wipes the territory its data migration loaded: put it back, once every teardown (the
    flush included) is done, for the next tests of the same worker."""
    yield
    marker = item.get_closest_marker("django_db")
    if nextitem is None or marker is None or not marker.kwargs.get("transaction"):
        return  # (after the last test the test database is already gone)
    if "live_server" in getattr(item, "fixturenames", ()):
        return  # the browser tests manage their own database (tests/browser/conftest.py)
    import importlib

    from django.apps import apps
    from django.db import connection
    from pytest_django.plugin import blocking_manager_key

    name = str(connection.settings_dict["NAME"])
    if not (name.startswith("test_") or "memory" in name):
        return  # never touch anything but the test database

    migration = importlib.import_module(
        "bonnebouffe.territory.migrations.0002_load_west_monteregie"
    )
    with item.config.stash[blocking_manager_key].unblock():
        migration.load(apps, None)


def _muni(name: str) -> Municipality:
    return Municipality.objects.get(name=name)


@pytest.fixture
def tiny_network(db) -> TinyNetwork:  # type: ignore[no-untyped-def]
    network = Network.objects.create(name="Réseau test", slug="test")
    network.regions.add(Region.objects.get(code="16"))

    def org(name: str, kind: str, town: str, hub: Organisation | None = None) -> Organisation:
        o = organisation_create(
            scope=None, network=network, name=name, kind=kind, municipality=_muni(town), hub=hub
        )
        m = _muni(town)
        site_save(
            scope=None,
            organisation=o,
            name="Site",
            address="1, rue Principale",
            municipality=m,
            latitude=m.latitude,
            longitude=m.longitude,
            storage_ambient_kg=500,
            is_primary=True,
            opening_hours=[],
        )
        return o

    hub_r = org("Antenne Roussillon", OrganisationKind.HUB, "Châteauguay")
    hub_h = org("Antenne HSL", OrganisationKind.HUB, "Huntingdon")
    a1 = org("Comptoir Châteauguay", OrganisationKind.COMMUNITY, "Châteauguay", hub_r)
    a2 = org("Comptoir Mercier", OrganisationKind.COMMUNITY, "Mercier", hub_r)
    a3 = org("Comptoir Huntingdon", OrganisationKind.COMMUNITY, "Huntingdon", hub_h)
    a4 = org("Cuisine Ormstown", OrganisationKind.COLLECTIVE_KITCHEN, "Ormstown", hub_h)
    farm = org("Ferme Saint-Rémi", OrganisationKind.FARM, "Saint-Rémi")
    project = Project.objects.create(network=network, code="p1", name="Épicerie communautaire")
    Contribution.objects.create(
        organisation=a1,
        project=project,
        mrc=a1.mrc,
        kind=ContributionType.CONNECTOR,
        offer="Relie les producteurs",
    )
    Contribution.objects.create(
        organisation=a3,
        project=project,
        mrc=a3.mrc,
        kind=ContributionType.RELAYER,
        offer="Diffuse les nouvelles",
    )
    roles = {
        "admin": (Role.NETWORK_ADMIN, hub_r),
        "coord_r": (Role.HUB_COORDINATOR, hub_r),
        "coord_h": (Role.HUB_COORDINATOR, hub_h),
        "donor": (Role.DONOR, farm),
        "agency_a1": (Role.AGENCY_STAFF, a1),
        "agency_a3": (Role.AGENCY_STAFF, a3),
        "evaluator": (Role.EVALUATOR, a1),
        "household": (Role.HOUSEHOLD, a1),
    }
    users = {}
    for username, (role, organisation) in roles.items():
        u = user_create(username=username, password="not-used-here-123")
        membership_create(user=u, organisation_id=organisation.pk, role=role)
        users[username] = u
    users["outsider"] = user_create(username="outsider", password="not-used-here-123")
    h1 = Household.objects.create(
        agency=a1,
        reference="M-1",
        size=3,
        municipality=a1.municipality,
        user=users["household"],
        email="m1@example.org",
    )
    h2 = Household.objects.create(agency=a3, reference="M-2", size=1, municipality=a3.municipality)
    return TinyNetwork(network, hub_r, hub_h, a1, a2, a3, a4, farm, project, users, h1, h2)
