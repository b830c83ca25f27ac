"""Deterministic synthetic planning days (pure Python; reusable by a Django demo generator).

``regional_day`` places hubs in the most populous municipalities, and donors (pickups)
and agencies (deliveries) in municipalities drawn with probability proportional to
population, with a seeded random jitter (uniform in a disc of ``jitter_km``). Mixed cold
chain: some goods refrigerated/frozen, and each hub has refrigerated trucks (fridge +
freezer), refrigerated vans (fridge only) and ambient vans.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bonnebouffe.planning.routing.geo import Location
from bonnebouffe.planning.routing.model import (
    Depot,
    Load,
    RoutingProblem,
    Stop,
    StopKind,
    VehicleType,
)
from bonnebouffe.planning.routing.travel import HaversineProvider

H = 3600


@dataclass(frozen=True, slots=True)
class Municipality:
    """A municipality point (WGS84 degrees) and its population."""

    name: str
    lat: float
    lon: float
    population: int


def municipalities_from_rows(rows: Iterable[Mapping[str, str]]) -> list[Municipality]:
    """Parse rows with keys municipality, lat, lon, population_2021 (csv.DictReader rows)."""
    out = []
    for r in rows:
        out.append(
            Municipality(
                name=r["municipality"],
                lat=float(r["lat"]),
                lon=float(r["lon"]),
                population=int(float(r.get("population_2021") or 0) or 1),
            )
        )
    return out


def _jitter(rng: random.Random, m: Municipality, km: float) -> tuple[float, float]:
    r = km * math.sqrt(rng.random())
    a = rng.uniform(0, 2 * math.pi)
    dlat = r * math.cos(a) / 111.32
    dlon = r * math.sin(a) / (111.32 * math.cos(math.radians(m.lat)))
    return m.lat + dlat, m.lon + dlon


def _window(rng: random.Random, start_h: float, end_h: float, min_len_h: float) -> tuple[int, int]:
    length = rng.uniform(min_len_h, end_h - start_h)
    early = rng.uniform(start_h, end_h - length)
    return int(early * H), int((early + length) * H)


def regional_day(
    municipalities: Sequence[Municipality],
    *,
    hubs: int = 5,
    pickups: int = 300,
    deliveries: int = 400,
    vehicles: int = 30,
    seed: int = 0,
    jitter_km: float = 3.0,
    urban_population: int = 10_000,
    name: str = "regional-day",
) -> RoutingProblem:
    """Build a seeded synthetic day. Same inputs -> same problem.

    Loads in kg and litres (volume ~ 2.5 l/kg), times in seconds since midnight.
    Pickups: 70 % optional (prize = kg x urgency x 1.0 $/kg), windows 2 h+ within
    08:00-16:00. Deliveries: required, windows 3 h+ within 08:30-16:30. Vehicles: split
    evenly over hubs, cycling truck (3000 kg, fridge 1200, freezer 400) / refrigerated van
    (1200 kg, fridge 500) / ambient van (1000 kg); shift 07:00-18:00, max 10 h, up to 3
    reloads at the home hub.
    """
    rng = random.Random(seed)
    munis = list(municipalities)
    by_pop = sorted(munis, key=lambda m: (-m.population, m.name))
    weights = [m.population for m in munis]
    depots = tuple(
        Depot(
            id=f"hub{i}",
            location=Location(m.lat, m.lon, m.population >= urban_population),
            open_s=6 * H,
            close_s=19 * H,
            name=f"Hub {m.name}",
        )
        for i, m in enumerate(by_pop[:hubs])
    )

    def place() -> tuple[Location, str]:
        m = rng.choices(munis, weights=weights)[0]
        lat, lon = _jitter(rng, m, jitter_km)
        return Location(lat, lon, m.population >= urban_population), m.name

    stops: list[Stop] = []
    for i in range(pickups):
        loc, town = place()
        amb = rng.uniform(20, 250)
        ref = rng.uniform(10, 150) if rng.random() < 0.3 else 0.0
        frz = rng.uniform(10, 80) if rng.random() < 0.08 else 0.0
        early, late = _window(rng, 8, 16, 2)
        stops.append(
            Stop(
                id=f"P{i:04d}",
                kind=StopKind.PICKUP,
                location=loc,
                load=Load(
                    round(amb, 1), round(ref, 1), round(frz, 1), round(2.5 * (amb + ref + frz), 1)
                ),
                service_s=rng.choice([600, 900, 1200]),
                tw_early_s=early,
                tw_late_s=late,
                required=rng.random() < 0.3,
                urgency=float(rng.choice([1, 1, 2, 3])),
                site_type="donor",
                name=f"Donor {i} ({town})",
            )
        )
    for i in range(deliveries):
        loc, town = place()
        amb = rng.uniform(30, 180)
        ref = rng.uniform(10, 80) if rng.random() < 0.3 else 0.0
        frz = rng.uniform(5, 40) if rng.random() < 0.06 else 0.0
        early, late = _window(rng, 8.5, 16.5, 3)
        stops.append(
            Stop(
                id=f"D{i:04d}",
                kind=StopKind.DELIVERY,
                location=loc,
                load=Load(
                    round(amb, 1), round(ref, 1), round(frz, 1), round(2.5 * (amb + ref + frz), 1)
                ),
                service_s=rng.choice([600, 900]),
                tw_early_s=early,
                tw_late_s=late,
                required=True,
                site_type=rng.choice(["agency", "agency", "grocery", "mobile_unit"]),
                name=f"Agency {i} ({town})",
            )
        )
    kinds = [
        # id, capacity kg, fridge kg, freezer kg, volume l, $/km, fixed $
        ("truck", 3000.0, 1200.0, 400.0, 20_000.0, 0.9, 80.0),
        ("rvan", 1200.0, 500.0, 0.0, 8_000.0, 0.6, 50.0),
        ("van", 1000.0, 0.0, 0.0, 7_000.0, 0.5, 40.0),
    ]
    counts: dict[tuple[int, int], int] = {}
    for v in range(vehicles):
        hub = v % hubs
        kind = (v // hubs) % len(kinds)
        counts[(hub, kind)] = counts.get((hub, kind), 0) + 1
    vtypes = tuple(
        VehicleType(
            id=f"{kinds[k][0]}@hub{h}",
            depot_id=f"hub{h}",
            count=n,
            capacity_kg=kinds[k][1],
            capacity_refrigerated_kg=kinds[k][2],
            capacity_frozen_kg=kinds[k][3],
            capacity_volume_l=kinds[k][4],
            shift_start_s=7 * H,
            shift_end_s=18 * H,
            max_duration_s=10 * H,
            cost_per_km=kinds[k][5],
            cost_per_hour=30.0,
            fixed_cost=kinds[k][6],
            reload_depot_ids=(f"hub{h}",),
            max_reloads=3,
        )
        for (h, k), n in sorted(counts.items())
    )
    return RoutingProblem(
        name=name,
        depots=depots,
        stops=tuple(stops),
        vehicle_types=vtypes,
        travel=HaversineProvider(),
        prize_per_kg=1.0,
    )


# Approximate centres of southern-Québec cities (WGS84, rounded; population ~2021).
SOUTHERN_QUEBEC_CITIES: tuple[Municipality, ...] = (
    Municipality("Montréal", 45.5017, -73.5673, 1_762_949),
    Municipality("Québec", 46.8139, -71.2080, 549_459),
    Municipality("Laval", 45.6066, -73.7124, 438_366),
    Municipality("Gatineau", 45.4765, -75.7013, 291_041),
    Municipality("Longueuil", 45.5312, -73.5181, 254_483),
    Municipality("Sherbrooke", 45.4042, -71.8929, 172_950),
    Municipality("Lévis", 46.8033, -71.1779, 149_683),
    Municipality("Trois-Rivières", 46.3432, -72.5477, 139_163),
    Municipality("Terrebonne", 45.7000, -73.6470, 119_944),
    Municipality("Saint-Jean-sur-Richelieu", 45.3071, -73.2626, 97_873),
    Municipality("Repentigny", 45.7422, -73.4501, 86_893),
    Municipality("Drummondville", 45.8803, -72.4843, 79_258),
    Municipality("Saint-Jérôme", 45.7804, -74.0036, 80_213),
    Municipality("Granby", 45.4000, -72.7333, 69_025),
    Municipality("Saint-Hyacinthe", 45.6307, -72.9568, 57_239),
    Municipality("Shawinigan", 46.5668, -72.7491, 49_620),
    Municipality("Joliette", 46.0167, -73.4500, 21_384),
    Municipality("Victoriaville", 46.0571, -71.9658, 47_966),
    Municipality("Saint-Georges", 46.1180, -70.6690, 32_935),
    Municipality("Thetford Mines", 46.0918, -71.3014, 25_403),
    Municipality("Sorel-Tracy", 46.0430, -73.1130, 35_165),
    Municipality("Salaberry-de-Valleyfield", 45.2500, -74.1300, 42_410),
    Municipality("Cowansville", 45.2000, -72.7500, 14_930),
    Municipality("Magog", 45.2668, -72.1476, 28_312),
    Municipality("Rigaud", 45.4790, -74.3030, 8_000),
    Municipality("Lachute", 45.6500, -74.3333, 14_000),
    Municipality("Mont-Tremblant", 46.1184, -74.5961, 10_992),
    Municipality("Louiseville", 46.2550, -72.9420, 7_000),
    Municipality("Plessisville", 46.2180, -71.7750, 6_700),
    Municipality("Lac-Mégantic", 45.5780, -70.8830, 5_700),
)
