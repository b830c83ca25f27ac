"""The demo network generator: seeded and deterministic, built on the same services as the app.

`--scale region`: the 5 MRCs of the west of Montérégie, a regional food bank, 5 hubs and about
60 agencies, plus donors and partners. `--scale province`: about 1,200 agencies (benchmarks).
Organisations and sites sit in real municipalities; every name is generic ("Antenne
Roussillon", "Comptoir alimentaire de Mercier"): no real person appears anywhere.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from bonnebouffe.accounts.models import Membership, Role, User
from bonnebouffe.accounts.services import membership_create, user_create
from bonnebouffe.allocation.demo import demo_allocation_generate
from bonnebouffe.education.demo import demo_education_generate, demo_education_reset
from bonnebouffe.grocery.demo import demo_grocery_generate, demo_grocery_reset
from bonnebouffe.households.models import Household
from bonnebouffe.logistics.demo import demo_logistics_generate
from bonnebouffe.network.models import (
    Network,
    OpeningHours,
    Organisation,
    OrganisationKind,
    Site,
    TruckAccess,
)
from bonnebouffe.partners.models import Contribution, ContributionType, Project, ProjectStatus
from bonnebouffe.territory.models import MRC, Municipality, Region

from .stock import demo_stock_generate, demo_stock_reset

NETWORK_SLUG = "ouest-monteregie"
NETWORK_NAME = "Réseau Bonne Bouffe — Ouest de la Montérégie"
DEMO_PASSWORD = "bonnebouffe-demo"

# The hub town of each MRC (generic hub names, real municipalities).
HUB_TOWNS = {
    "Beauharnois-Salaberry": "Salaberry-de-Valleyfield",
    "Le Haut-Saint-Laurent": "Huntingdon",
    "Les Jardins-de-Napierville": "Saint-Rémi",
    "Roussillon": "Châteauguay",
    "Vaudreuil-Soulanges": "Saint-Polycarpe",
}
SHORT_MRC = {
    "Beauharnois-Salaberry": "Beauharnois-Salaberry",
    "Le Haut-Saint-Laurent": "Haut-Saint-Laurent",
    "Les Jardins-de-Napierville": "Jardins-de-Napierville",
    "Roussillon": "Roussillon",
    "Vaudreuil-Soulanges": "Vaudreuil-Soulanges",
}

# Agency kinds with their name pattern and weight in the demo.
AGENCY_KINDS: list[tuple[str, str, int]] = [
    (OrganisationKind.COMMUNITY, "Comptoir alimentaire de {m}", 14),
    (OrganisationKind.COMMUNITY, "Maison de la famille de {m}", 6),
    (OrganisationKind.SCHOOL, "École primaire de {m}", 8),
    (OrganisationKind.CHSLD, "CHSLD de {m}", 3),
    (OrganisationKind.DAYCARE, "CPE Les Petits Pas de {m}", 5),
    (OrganisationKind.SOCIAL_HOUSING, "Habitations communautaires de {m}", 4),
    (OrganisationKind.WOMENS_CENTRE, "Centre de femmes de {m}", 3),
    (OrganisationKind.COLLECTIVE_KITCHEN, "Cuisine collective de {m}", 6),
    (OrganisationKind.DEPANNEUR, "Dépanneur du village de {m}", 3),
    (OrganisationKind.LOCAL_SHOP, "Marché local de {m}", 2),
    (OrganisationKind.SOCIAL_ECONOMY, "Entreprise d'insertion de {m}", 2),
]
DONOR_KINDS: list[tuple[str, str]] = [
    (OrganisationKind.FARM, "Ferme maraîchère de {m}"),
    (OrganisationKind.FARM, "Verger de {m}"),
    (OrganisationKind.GROCERY, "Épicerie de {m}"),
    (OrganisationKind.RESTAURANT, "Traiteur de {m}"),
    (OrganisationKind.LOCAL_SHOP, "Boulangerie de {m}"),
    (OrganisationKind.SCHOOL, "Cafétéria de l'école secondaire de {m}"),
]

PROJECTS = [
    (
        "epicerie-communautaire",
        "Épicerie communautaire avec un volet mobile et éducatif",
        "Épicerie communautaire ouverte à tous, avec tarification selon le revenu (carte "
        "privilège), une unité mobile pour les milieux sans commerce, la commande en ligne et un "
        "volet éducatif (budget, choix d'aliments sains, recettes).",
        ProjectStatus.PLANNING,
        "Beauharnois-Salaberry",
    ),
    (
        "conditionnement-surplus",
        "Projet collectif de conditionnement des surplus alimentaires",
        "Mutualisation sur les 5 territoires de MRC pour conditionner les surplus alimentaires, "
        "avec des plateaux de travail et la participation des personnes concernées à toutes les "
        "étapes.",
        ProjectStatus.ACTIVE,
        "Vaudreuil-Soulanges",
    ),
    (
        "recuperation-valorisation",
        "Récupération alimentaire et valorisation à 100 %",
        "Récupérer les surplus des producteurs, épiceries et institutions, avec des pôles "
        "locaux, un transport et un entreposage adaptés, et valoriser chaque kilogramme.",
        ProjectStatus.PLANNING,
        "Roussillon",
    ),
    (
        "cuisine-transformation",
        "Cuisine de transformation partagée",
        "Une cuisine collective partagée où les organismes réservent des plages horaires pour "
        "transformer les surplus, avec une tarification selon la capacité de payer.",
        ProjectStatus.IDEA,
        "Les Jardins-de-Napierville",
    ),
    (
        "reseau-regional",
        "Réseau régional qui récupère, conditionne, transforme et livre",
        "Un réseau régional dont les antennes locales gèrent leurs propres tournées de "
        "récupération et de livraison.",
        ProjectStatus.IDEA,
        "Le Haut-Saint-Laurent",
    ),
]
OFFERS = {
    ContributionType.CONNECTOR: [
        "Met en lien les producteurs agricoles du secteur avec l'antenne.",
        "Relie les organismes de la table de concertation locale.",
    ],
    ContributionType.COLLABORATOR: [
        "Chambre froide disponible deux jours par semaine.",
        "Bénévoles pour le tri et l'emballage le mardi.",
        "Prêt d'un camion réfrigéré les fins de semaine.",
    ],
    ContributionType.FACILITATOR: [
        "Accompagnement au montage financier du projet.",
        "Animation des rencontres de co-construction.",
    ],
    ContributionType.EVALUATOR: [
        "Aide à définir les indicateurs et à l'autoévaluation.",
    ],
    ContributionType.RELAYER: [
        "Diffuse les nouvelles du projet dans son bulletin et ses réseaux.",
        "Affiche l'horaire de l'unité mobile dans ses locaux.",
    ],
    ContributionType.LOCAL_PROMOTER: [
        "Porte le projet auprès du conseil municipal.",
        "Anime un point de chute local.",
    ],
}
STREETS = [
    "rue Principale",
    "rue Saint-Joseph",
    "boulevard du Lac",
    "rue de l'Église",
    "chemin du Rang",
    "rue Notre-Dame",
    "montée du Moulin",
    "rue des Érables",
]


@dataclass
class DemoSummary:
    scale: str
    organisations: int = 0
    sites: int = 0
    hubs: int = 0
    agencies: int = 0
    users: int = 0
    households: int = 0
    contributions: int = 0
    offers: int = 0
    lots: int = 0
    readings: int = 0
    products: int = 0
    accounts: list[tuple[str, str]] = field(default_factory=list)


def demo_reset() -> None:
    """Remove the demo network and everything attached to it."""
    network = Network.objects.filter(slug=NETWORK_SLUG).first()
    if network is None:
        return
    orgs = Organisation.objects.filter(network=network)
    demo_education_reset(network=network)
    demo_grocery_reset(network=network)
    demo_stock_reset(orgs)
    Household.objects.filter(agency__in=orgs).delete()
    Contribution.objects.filter(organisation__in=orgs).delete()
    Project.objects.filter(network=network).delete()
    user_ids = list(
        Membership.objects.filter(organisation__in=orgs).values_list("user_id", flat=True)
    )
    User.objects.filter(pk__in=user_ids, is_superuser=False).delete()
    Site.objects.filter(organisation__in=orgs).delete()
    orgs.exclude(kind=OrganisationKind.HUB).update(hub=None)
    orgs.filter(hub__isnull=False).update(hub=None)
    orgs.delete()
    network.delete()


def _hours(rng: random.Random, kind: str) -> list[tuple[int, time, time]]:
    if kind in (OrganisationKind.CHSLD, OrganisationKind.DEPANNEUR):
        return [(d, time(7, 0), time(21, 0)) for d in range(7)]
    if kind == OrganisationKind.HUB:
        return [(d, time(7, 30), time(16, 30)) for d in range(5)]
    days = rng.sample(range(5), k=rng.choice([2, 3, 5]))
    opens = rng.choice([time(8, 30), time(9, 0), time(13, 0)])
    closes = time(opens.hour + rng.choice([3, 4]), opens.minute)
    return [(d, opens, closes) for d in sorted(days)]


def _storage(rng: random.Random, kind: str) -> tuple[int, int, int]:
    if kind == OrganisationKind.HUB:
        return (
            rng.randrange(8000, 20000, 500),
            rng.randrange(2000, 6000, 250),
            rng.randrange(1000, 4000, 250),
        )
    if kind == OrganisationKind.FOOD_BANK:
        return (60000, 15000, 10000)
    if kind in (OrganisationKind.FARM, OrganisationKind.GROCERY, OrganisationKind.RESTAURANT):
        return (0, 0, 0)
    return (rng.randrange(200, 2500, 50), rng.randrange(0, 800, 50), rng.randrange(0, 400, 50))


def _point(rng: random.Random, m: Municipality) -> tuple[Decimal, Decimal]:
    lat = Decimal(str(round(float(m.latitude) + rng.uniform(-0.008, 0.008), 5)))
    lon = Decimal(str(round(float(m.longitude) + rng.uniform(-0.011, 0.011), 5)))
    return lat, lon


@transaction.atomic
def demo_generate(
    *, scale: str = "region", seed: int = 42, with_stock: bool = False
) -> DemoSummary:
    """Generate the demo network. Raises ValueError if it already exists (reset first)."""
    if scale not in ("region", "province"):
        raise ValueError("scale must be 'region' or 'province'")
    if Network.objects.filter(slug=NETWORK_SLUG).exists():
        raise ValueError("The demo network already exists; use --reset to generate it again.")
    rng = random.Random(seed)
    summary = DemoSummary(scale=scale)
    region = Region.objects.get(code="16")
    network = Network.objects.create(name=NETWORK_NAME, slug=NETWORK_SLUG)
    network.regions.add(region)
    municipalities = list(Municipality.objects.select_related("mrc").order_by("csd_code"))
    by_name = {m.name: m for m in municipalities}
    mrcs = list(MRC.objects.order_by("name"))
    orgs: list[Organisation] = []
    site_specs: list[tuple[Organisation, Municipality, str]] = []

    def add(
        name: str,
        kind: str,
        muni: Municipality,
        hub: Organisation | None = None,
        description: str = "",
    ) -> Organisation:
        org = Organisation(
            network=network,
            name=name,
            kind=kind,
            municipality=muni,
            mrc=muni.mrc,
            hub=hub,
            description=description,
            public_email=f"info@{slugify(name)[:40]}.example.org",
        )
        orgs.append(org)
        site_specs.append((org, muni, kind))
        return org

    # The regional food bank and the hubs (one per MRC; four per MRC at province scale).
    valleyfield = by_name["Salaberry-de-Valleyfield"]
    food_bank = add(
        "Banque alimentaire régionale du Suroît",
        OrganisationKind.FOOD_BANK,
        valleyfield,
        description="Banque alimentaire régionale (démo) qui approvisionne les antennes.",
    )
    hubs_by_mrc: dict[int, list[Organisation]] = {}
    hubs_per_mrc = 4 if scale == "province" else 1
    for mrc in mrcs:
        town = by_name[HUB_TOWNS[mrc.name]]
        others = [m for m in municipalities if m.mrc_id == mrc.pk and m != town]
        towns = [town, *others][:hubs_per_mrc]
        for i, t in enumerate(towns):
            suffix = "" if i == 0 else f" — point de service {t.name}"
            hub = add(
                f"Antenne {SHORT_MRC[mrc.name]}{suffix}",
                OrganisationKind.HUB,
                t,
                hub=None,
                description=f"Antenne locale du réseau pour la MRC {mrc.name}.",
            )
            hubs_by_mrc.setdefault(mrc.pk, []).append(hub)
    # Agencies placed by population.
    n_agencies = 1200 if scale == "province" else 60
    weights = [max(m.population or 500, 500) for m in municipalities]
    kinds = [(k, pattern) for k, pattern, w in AGENCY_KINDS for _ in range(w)]
    used: set[str] = {o.name for o in orgs}
    agencies: list[Organisation] = []
    # Every MRC gets agencies in its larger municipalities first (rural MRCs too), then the
    # rest follow population. The last in the list is the demo agency account's organisation.
    per_mrc = 16 if scale == "province" else 4
    guaranteed: list[Municipality] = []
    for mrc in mrcs:
        local = sorted(
            (m for m in municipalities if m.mrc_id == mrc.pk), key=lambda m: -(m.population or 0)
        )
        guaranteed += [local[i % min(len(local), 3)] for i in range(per_mrc)]
    guaranteed.append(by_name["Châteauguay"])
    while len(agencies) < n_agencies:
        muni = guaranteed.pop() if guaranteed else rng.choices(municipalities, weights=weights)[0]
        kind, pattern = (
            (OrganisationKind.COMMUNITY, AGENCY_KINDS[0][1]) if not agencies else rng.choice(kinds)
        )
        name = pattern.format(m=muni.name)
        n = 2
        while name in used:
            name = f"{pattern.format(m=muni.name)} ({n})"
            n += 1
        used.add(name)
        agencies.append(add(name, kind, muni, hub=rng.choice(hubs_by_mrc[muni.mrc_id])))
    # Donors, institutions and partners.
    n_donors = 240 if scale == "province" else 24
    for i in range(n_donors):
        # Two donors per MRC first, so that every hub has food to rescue.
        muni = (
            rng.choice([m for m in municipalities if m.mrc_id == mrcs[i // 2].pk])
            if i < 2 * len(mrcs)
            else rng.choices(municipalities, weights=weights)[0]
        )
        kind, pattern = DONOR_KINDS[i % len(DONOR_KINDS)]
        name = pattern.format(m=muni.name)
        if name in used:
            name = f"{name} ({i})"
        used.add(name)
        add(name, kind, muni, hub=hubs_by_mrc[muni.mrc_id][0])
    for mrc in mrcs:
        seat = by_name[HUB_TOWNS[mrc.name]]
        add(f"MRC {mrc.name}", OrganisationKind.MUNICIPALITY, seat)
    add(
        "Centre de services scolaire de l'Ouest (démo)",
        OrganisationKind.SCHOOL_SERVICE_CENTRE,
        by_name["Vaudreuil-Dorion"],
    )
    add("Réseau local de santé de l'Ouest (démo)", OrganisationKind.HEALTH, by_name["Châteauguay"])
    add(
        "Cuisine partagée du Suroît",
        OrganisationKind.COLLECTIVE_KITCHEN,
        by_name["Beauharnois"],
        hub=hubs_by_mrc[by_name["Beauharnois"].mrc_id][0],
    )
    add(
        "Épicerie solidaire de Valleyfield",
        OrganisationKind.SOCIAL_ECONOMY,
        valleyfield,
        hub=hubs_by_mrc[valleyfield.mrc_id][0],
    )

    # Hubs first (others point to them), then the rest, in bulk.
    hubs = [o for o in orgs if o.kind == OrganisationKind.HUB]
    Organisation.objects.bulk_create(hubs)
    rest = [o for o in orgs if o.kind != OrganisationKind.HUB]
    for o in rest:
        o.hub_id = o.hub.pk if o.hub else None
    Organisation.objects.bulk_create(rest)
    for mrc_id, mrc_hubs in hubs_by_mrc.items():
        for hub in mrc_hubs:
            hub.served_mrcs.add(mrc_id)
    sites: list[Site] = []
    for org, muni, kind in site_specs:
        lat, lon = _point(rng, muni)
        amb, fridge, frozen = _storage(rng, kind)
        sites.append(
            Site(
                organisation=org,
                name="Site principal" if kind != OrganisationKind.HUB else "Entrepôt",
                address=f"{rng.randint(10, 2500)}, {rng.choice(STREETS)}",
                municipality=muni,
                latitude=lat,
                longitude=lon,
                storage_ambient_kg=amb,
                storage_refrigerated_kg=fridge,
                storage_frozen_kg=frozen,
                truck_access=(
                    TruckAccess.ANY
                    if kind in (OrganisationKind.HUB, OrganisationKind.FOOD_BANK)
                    # Most sites take a delivery truck; a quarter only a van. (Four choices,
                    # as before: the same draws, so the rest of the demo is unchanged.)
                    else rng.choice(
                        [TruckAccess.LARGE, TruckAccess.ANY, TruckAccess.SMALL, TruckAccess.LARGE]
                    )
                ),
                max_vehicle_length_m=None
                if kind == OrganisationKind.HUB
                else Decimal(rng.choice(["8.0", "10.0", "12.0"])),
                access_notes=rng.choice(
                    [
                        "",
                        "Livraison par la porte arrière.",
                        "Sonner à la réception.",
                        "Stationnement étroit : camion cube seulement.",
                    ]
                ),
                accessibility_notes=rng.choice(
                    ["", "Entrée de plain-pied.", "Rampe d'accès côté est."]
                ),
                contact_role=rng.choice(
                    ["Coordination", "Réception", "Responsable de l'aide alimentaire"]
                ),
                is_primary=True,
            )
        )
    Site.objects.bulk_create(sites)
    hours = [
        OpeningHours(site=s, weekday=d, opens=o, closes=c)
        for s, (_org, _m, kind) in zip(sites, site_specs, strict=True)
        for d, o, c in _hours(rng, kind)
    ]
    OpeningHours.objects.bulk_create(hours)

    # The workshop's five projects and partner contributions.
    mrc_by_name = {m.name: m for m in mrcs}
    projects = []
    for code, name, description, status, carrier_mrc in PROJECTS:
        project = Project.objects.create(
            network=network,
            code=code,
            name=name,
            description=description,
            status=status,
            carrier=hubs_by_mrc[mrc_by_name[carrier_mrc].pk][0],
        )
        project.territories.set(mrcs)
        projects.append(project)
    partner_pool = [
        o for o in orgs if o.kind not in (OrganisationKind.FARM, OrganisationKind.RESTAURANT)
    ]
    contributions: list[Contribution] = []
    seen: set[tuple[int, int, int, str]] = set()
    n_contrib = 600 if scale == "province" else 70
    types = list(ContributionType)
    while len(contributions) < n_contrib:
        org = rng.choice(partner_pool)
        project = rng.choice(projects)
        kind = rng.choice(types)
        key = (org.pk, project.pk, org.mrc_id, kind.value)
        if key in seen:
            continue
        seen.add(key)
        contributions.append(
            Contribution(
                organisation=org,
                project=project,
                mrc_id=org.mrc_id,
                kind=kind,
                offer=rng.choice(OFFERS[kind]),
            )
        )
    Contribution.objects.bulk_create(contributions)

    # One demo account per role.
    hub_of = {m.name: hubs_by_mrc[m.pk][0] for m in mrcs}
    chateauguay_agency = next(a for a in agencies if a.municipality.name == "Châteauguay")
    farm = next(o for o in orgs if o.kind == OrganisationKind.FARM)
    kitchen = next(o for o in orgs if o.name == "Cuisine partagée du Suroît")
    grocery = next(o for o in orgs if o.name == "Épicerie solidaire de Valleyfield")
    evaluator_org = next(o for o in orgs if o.kind == OrganisationKind.HEALTH)
    accounts = [
        ("admin.reseau", "Administration", Role.NETWORK_ADMIN, food_bank),
        ("coord.roussillon", "Coordination Roussillon", Role.HUB_COORDINATOR, hub_of["Roussillon"]),
        (
            "coord.hsl",
            "Coordination Haut-Saint-Laurent",
            Role.HUB_COORDINATOR,
            hub_of["Le Haut-Saint-Laurent"],
        ),
        ("donneur.ferme", "Ferme (démo)", Role.DONOR, farm),
        ("chauffeur.roussillon", "Chauffeur (démo)", Role.DRIVER, hub_of["Roussillon"]),
        ("cuisine.partagee", "Cuisine (démo)", Role.KITCHEN_MANAGER, kitchen),
        ("epicerie.valleyfield", "Épicerie (démo)", Role.GROCERY_STAFF, grocery),
        ("organisme.chateauguay", "Organisme (démo)", Role.AGENCY_STAFF, chateauguay_agency),
        ("evaluation", "Évaluation (démo)", Role.EVALUATOR, evaluator_org),
        ("menage.demo", "Ménage (démo)", Role.HOUSEHOLD, chateauguay_agency),
    ]
    demo_users: dict[str, User] = {}
    for username, first_name, role, org in accounts:
        user = User.objects.filter(username=username).first() or user_create(
            username=username,
            password=DEMO_PASSWORD,
            first_name=first_name,
            email=f"{username}@demo.example.org",
        )
        membership_create(user=user, organisation_id=org.pk, role=role)
        demo_users[username] = user
        summary.accounts.append((username, role))

    # Households: references and sizes only; a few with a pseudonym. No real person.
    now = timezone.now()
    households = []
    serving = [
        a
        for a in agencies
        if a.kind in (OrganisationKind.COMMUNITY, OrganisationKind.WOMENS_CENTRE)
    ]
    n_households = 2000 if scale == "province" else 120
    for i in range(n_households):
        agency = rng.choice(serving)
        households.append(
            Household(
                agency=agency,
                reference=f"M-{i + 1:05d}",
                size=rng.choice([1, 1, 2, 2, 3, 4, 5, 6]),
                municipality=agency.municipality,
                preferred_language=rng.choice(["fr-ca"] * 9 + ["en"]),
                consent_at=now - timedelta(days=rng.randint(1, 400)),
                last_activity_at=now - timedelta(days=rng.randint(0, 200)),
            )
        )
    households[0].agency = chateauguay_agency
    households[0].municipality = chateauguay_agency.municipality
    households[0].display_name = "Ménage démo"
    households[0].email = "menage.demo@demo.example.org"
    households[0].user = demo_users["menage.demo"]
    Household.objects.bulk_create(households)
    grocery_counts = demo_grocery_generate(
        rng=rng, network=network, n_products=5000 if scale == "province" else None
    )
    summary.products = grocery_counts["products"]
    # A copy of the generator: the education demo leaves the main stream (and so every
    # figure generated after it) unchanged.
    education_rng = random.Random()
    education_rng.setstate(rng.getstate())
    demo_education_generate(rng=education_rng, network=network)

    if with_stock:
        stock = demo_stock_generate(rng=rng)
        demo_allocation_generate(rng=rng)
        demo_logistics_generate(rng=rng)
        summary.offers, summary.lots, summary.readings = stock.offers, stock.lots, stock.readings
    summary.organisations = len(orgs)
    summary.sites = len(sites)
    summary.hubs = len(hubs)
    summary.agencies = len(agencies)
    summary.users = len(demo_users)
    summary.households = len(households)
    summary.contributions = len(contributions)
    return summary
