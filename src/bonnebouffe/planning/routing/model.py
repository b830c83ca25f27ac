"""Frozen dataclasses for routing problems and plans (pure Python, no solver import).

Units are in field names: ``_kg``, ``_l`` (litres), ``_s`` (seconds; times are seconds
since midnight of the planning date), ``_m`` (metres), costs in dollars (``cost_per_km``,
``cost_per_hour``, ``fixed_cost``, ``prize``).

Canonical location order (used by matrices): depots, stops, then for each shipment its
pickup and its delivery location, then vehicle starts (re-planning positions).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from bonnebouffe.planning.routing.errors import ErrorCode, RoutingInputError
from bonnebouffe.planning.routing.geo import Location
from bonnebouffe.planning.routing.travel import (
    EuclideanProvider,
    ExplicitMatrix,
    Factor,
    HaversineProvider,
    IntMatrix,
    TravelTimeProvider,
)

DAY_END_S = 2 * 86_400  # latest allowed time value: end of the day after the planning date
LOAD_DIMENSIONS = ("total_kg", "refrigerated_kg", "frozen_kg", "volume_l")

TravelModel = HaversineProvider | EuclideanProvider | ExplicitMatrix


def _req(cond: bool, code: ErrorCode, msg: str) -> None:
    if not cond:
        raise RoutingInputError(code, msg)


def _nonneg(name: str, value: float) -> None:
    _req(
        isinstance(value, int | float) and math.isfinite(value) and value >= 0,
        ErrorCode.NEGATIVE_VALUE,
        f"{name} must be a finite number >= 0, got {value!r}",
    )


def _time(name: str, value: int) -> None:
    _req(
        isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= DAY_END_S,
        ErrorCode.BAD_TIME_WINDOW,
        f"{name} must be an int in [0, {DAY_END_S}] seconds, got {value!r}",
    )


def _window(owner: str, early: int, late: int) -> None:
    _time(f"{owner} early", early)
    _time(f"{owner} late", late)
    _req(early <= late, ErrorCode.BAD_TIME_WINDOW, f"{owner}: window {early} > {late}")


@dataclass(frozen=True, slots=True)
class Load:
    """Goods by load dimension. Refrigerated and frozen kg are *part of* the total weight.

    ``total_kg`` = ambient_kg + refrigerated_kg + frozen_kg. ``volume_l`` in litres.

    Raises:
        RoutingInputError(NEGATIVE_VALUE): a negative or non-finite amount.
    """

    ambient_kg: float = 0.0
    refrigerated_kg: float = 0.0
    frozen_kg: float = 0.0
    volume_l: float = 0.0

    def __post_init__(self) -> None:
        for name in ("ambient_kg", "refrigerated_kg", "frozen_kg", "volume_l"):
            _nonneg(name, getattr(self, name))

    @property
    def total_kg(self) -> float:
        """Weight of all goods (kg)."""
        return self.ambient_kg + self.refrigerated_kg + self.frozen_kg

    def dims(self) -> tuple[float, float, float, float]:
        """Values in the capacity dimensions ``LOAD_DIMENSIONS``."""
        return (self.total_kg, self.refrigerated_kg, self.frozen_kg, self.volume_l)

    def is_cold(self) -> bool:
        """True if any refrigerated or frozen goods."""
        return self.refrigerated_kg > 0 or self.frozen_kg > 0


class StopKind(StrEnum):
    """A stop either picks goods up (donor) or delivers them (agency, grocery...)."""

    PICKUP = "pickup"
    DELIVERY = "delivery"


@dataclass(frozen=True, slots=True)
class Depot:
    """A hub. ``open_s``/``close_s``: opening hours (vehicles leave/return within them)."""

    id: str
    location: Location
    open_s: int = 0
    close_s: int = DAY_END_S
    name: str = ""

    def __post_init__(self) -> None:
        _req(bool(self.id), ErrorCode.EMPTY_ID, "depot id is empty")
        _window(f"depot {self.id}", self.open_s, self.close_s)


@dataclass(frozen=True, slots=True)
class Stop:
    """A pickup at a donor or a delivery to an agency / grocery / mobile-unit stop.

    Deliveries are loaded at the hub at the start of the trip that serves them; pickups
    stay on board until the next hub visit (reload or route end). ``service_s`` is the
    time on site; service must *start* within [tw_early_s, tw_late_s] (opening hours).
    ``prize`` ($) is earned when an optional stop is served; when None it is
    ``load.total_kg * urgency * problem.prize_per_kg``.
    """

    id: str
    kind: StopKind
    location: Location
    load: Load
    service_s: int = 0
    tw_early_s: int = 0
    tw_late_s: int = DAY_END_S
    required: bool = True
    urgency: float = 1.0
    prize: float | None = None
    site_type: str = ""
    name: str = ""
    max_vehicle_length_m: float | None = None  # site access: longer vehicles can't serve it

    def __post_init__(self) -> None:
        _req(bool(self.id), ErrorCode.EMPTY_ID, "stop id is empty")
        if self.max_vehicle_length_m is not None:
            _nonneg(f"stop {self.id} max_vehicle_length_m", self.max_vehicle_length_m)
        _req(isinstance(self.kind, StopKind), ErrorCode.BAD_PARAMETER, f"bad kind {self.kind!r}")
        _time(f"stop {self.id} service_s", self.service_s)
        _window(f"stop {self.id}", self.tw_early_s, self.tw_late_s)
        _nonneg(f"stop {self.id} urgency", self.urgency)
        if self.prize is not None:
            _nonneg(f"stop {self.id} prize", self.prize)


@dataclass(frozen=True, slots=True)
class Shipment:
    """Direct pickup-to-delivery transport on the same vehicle and the same trip.

    The goods are on board from the pickup to the delivery (they don't go through a hub).
    ``max_ride_s`` (perishables): at most this many seconds from the *departure* from the
    pickup to the *start* of the delivery service. The solver enforces it through the
    delivery window, cut to end at ``pickup_tw_early_s + pickup_service_s + max_ride_s``
    (``delivery_latest_s``): sound (no plan it accepts breaks the bound) but stricter
    than the bound when the pickup window is wide; the validator checks the ride itself.
    """

    id: str
    pickup_location: Location
    delivery_location: Location
    load: Load
    pickup_service_s: int = 0
    pickup_tw_early_s: int = 0
    pickup_tw_late_s: int = DAY_END_S
    delivery_service_s: int = 0
    delivery_tw_early_s: int = 0
    delivery_tw_late_s: int = DAY_END_S
    required: bool = True
    urgency: float = 1.0
    prize: float | None = None
    name: str = ""
    max_ride_s: int | None = None
    max_vehicle_length_m: float | None = None  # the tighter access of its two ends

    def __post_init__(self) -> None:
        _req(bool(self.id), ErrorCode.EMPTY_ID, "shipment id is empty")
        if self.max_vehicle_length_m is not None:
            _nonneg(f"shipment {self.id} max_vehicle_length_m", self.max_vehicle_length_m)
        _time(f"shipment {self.id} pickup_service_s", self.pickup_service_s)
        _time(f"shipment {self.id} delivery_service_s", self.delivery_service_s)
        _window(f"shipment {self.id} pickup", self.pickup_tw_early_s, self.pickup_tw_late_s)
        _window(f"shipment {self.id} delivery", self.delivery_tw_early_s, self.delivery_tw_late_s)
        if self.max_ride_s is not None:
            _req(
                self.max_ride_s > 0,
                ErrorCode.BAD_PARAMETER,
                f"shipment {self.id} max_ride_s must be > 0",
            )
            _req(
                self.delivery_tw_early_s <= self.delivery_latest_s,
                ErrorCode.BAD_TIME_WINDOW,
                f"shipment {self.id}: delivery opens after pickup_tw_early_s + "
                "pickup_service_s + max_ride_s",
            )
        _nonneg(f"shipment {self.id} urgency", self.urgency)
        if self.prize is not None:
            _nonneg(f"shipment {self.id} prize", self.prize)

    @property
    def delivery_latest_s(self) -> int:
        """Latest delivery start the solver may use (``max_ride_s`` folded in)."""
        if self.max_ride_s is None:
            return self.delivery_tw_late_s
        ride_end = self.pickup_tw_early_s + self.pickup_service_s + self.max_ride_s
        return min(self.delivery_tw_late_s, ride_end)


@dataclass(frozen=True, slots=True)
class VehicleType:
    """``count`` identical vehicles based at ``depot_id``.

    Capacities: ``capacity_kg`` (payload, all goods), ``capacity_refrigerated_kg`` and
    ``capacity_frozen_kg`` (cold compartments; 0 = cannot carry such goods),
    ``capacity_volume_l`` (None = not limited). Shift: route starts at or after
    ``shift_start_s`` and ends by ``shift_end_s``; ``max_duration_s`` bounds end - start.
    Reloads: the vehicle may come back to any of ``reload_depot_ids`` to unload pickups and
    load the next deliveries, at most ``max_reloads`` times (None = unlimited).
    ``duration_factor`` multiplies travel durations (slow trucks; solver profile).
    """

    id: str
    depot_id: str
    capacity_kg: float
    count: int = 1
    end_depot_id: str | None = None
    capacity_refrigerated_kg: float = 0.0
    capacity_frozen_kg: float = 0.0
    capacity_volume_l: float | None = None
    shift_start_s: int = 0
    shift_end_s: int = DAY_END_S
    max_duration_s: int | None = None
    max_distance_m: int | None = None
    cost_per_km: float = 0.0
    cost_per_hour: float = 0.0
    fixed_cost: float = 0.0
    reload_depot_ids: tuple[str, ...] = ()
    max_reloads: int | None = None
    duration_factor: float = 1.0
    name: str = ""
    length_m: float | None = None  # None: fits everywhere

    def __post_init__(self) -> None:
        _req(bool(self.id), ErrorCode.EMPTY_ID, "vehicle type id is empty")
        if self.length_m is not None:
            _nonneg(f"vehicle type {self.id} length_m", self.length_m)
        _req(
            isinstance(self.count, int) and self.count >= 0,
            ErrorCode.NEGATIVE_VALUE,
            f"vehicle type {self.id}: count must be an int >= 0",
        )
        for name in ("capacity_kg", "capacity_refrigerated_kg", "capacity_frozen_kg"):
            _nonneg(f"vehicle type {self.id} {name}", getattr(self, name))
        for name in ("cost_per_km", "cost_per_hour", "fixed_cost"):
            _nonneg(f"vehicle type {self.id} {name}", getattr(self, name))
        if self.capacity_volume_l is not None:
            _nonneg(f"vehicle type {self.id} capacity_volume_l", self.capacity_volume_l)
        _window(f"vehicle type {self.id} shift", self.shift_start_s, self.shift_end_s)
        if self.max_duration_s is not None:
            _time(f"vehicle type {self.id} max_duration_s", self.max_duration_s)
        if self.max_distance_m is not None:
            _req(
                isinstance(self.max_distance_m, int) and self.max_distance_m >= 0,
                ErrorCode.NEGATIVE_VALUE,
                f"vehicle type {self.id}: max_distance_m must be an int >= 0",
            )
        if self.max_reloads is not None:
            _req(
                isinstance(self.max_reloads, int) and self.max_reloads >= 0,
                ErrorCode.NEGATIVE_VALUE,
                f"vehicle type {self.id}: max_reloads must be an int >= 0",
            )
        _req(
            math.isfinite(self.duration_factor) and self.duration_factor > 0,
            ErrorCode.BAD_PARAMETER,
            f"vehicle type {self.id}: duration_factor must be > 0",
        )

    @property
    def end_depot(self) -> str:
        """Depot id where routes of this type end."""
        return self.end_depot_id or self.depot_id

    def capacity_dims(self) -> tuple[float, float, float, float]:
        """Capacity in ``LOAD_DIMENSIONS`` order (inf when volume is not limited)."""
        vol = math.inf if self.capacity_volume_l is None else self.capacity_volume_l
        return (self.capacity_kg, self.capacity_refrigerated_kg, self.capacity_frozen_kg, vol)

    def fits(self, item: Stop | Shipment) -> bool:
        """Whether this vehicle may serve ``item`` given its site access (length limit)."""
        limit = item.max_vehicle_length_m
        return limit is None or self.length_m is None or self.length_m <= limit

    def reloads_allowed(self) -> int:
        """Maximum number of reloads (0 when no reload depot)."""
        if not self.reload_depot_ids:
            return 0
        return 10_000 if self.max_reloads is None else self.max_reloads


@dataclass(frozen=True, slots=True)
class VehicleStart:
    """Re-planning: one vehicle of ``vehicle_type_id`` already on the road.

    Its done stops were removed from the problem; it starts at ``location`` at
    ``ready_s`` carrying ``onboard`` goods (picked up, not yet unloaded at a hub), and
    ends at its type's end depot. It uses one of the type's ``count`` vehicles.
    ``max_duration_s`` (optional) bounds the remaining route duration.
    """

    id: str
    vehicle_type_id: str
    location: Location
    ready_s: int
    onboard: Load = field(default_factory=Load)
    max_duration_s: int | None = None

    def __post_init__(self) -> None:
        _req(bool(self.id), ErrorCode.EMPTY_ID, "vehicle start id is empty")
        _time(f"vehicle start {self.id} ready_s", self.ready_s)
        if self.max_duration_s is not None:
            _time(f"vehicle start {self.id} max_duration_s", self.max_duration_s)


@dataclass(frozen=True, slots=True)
class RoutingProblem:
    """One planning problem (one hub or a whole network, one date).

    Raises:
        RoutingInputError: duplicate/empty ids, unknown depot or vehicle type references,
            no depot, bad values (see ``ErrorCode``).
    """

    name: str
    depots: tuple[Depot, ...]
    stops: tuple[Stop, ...]
    vehicle_types: tuple[VehicleType, ...]
    shipments: tuple[Shipment, ...] = ()
    vehicle_starts: tuple[VehicleStart, ...] = ()
    travel: TravelModel = field(default_factory=HaversineProvider)
    prize_per_kg: float = 1.0
    date: str = ""

    def __post_init__(self) -> None:
        for attr in ("depots", "stops", "vehicle_types", "shipments", "vehicle_starts"):
            object.__setattr__(self, attr, tuple(getattr(self, attr)))
        _req(len(self.depots) > 0, ErrorCode.NO_DEPOT, "problem has no depot")
        _req(len(self.vehicle_types) > 0, ErrorCode.NO_VEHICLE, "problem has no vehicle type")
        _nonneg("prize_per_kg", self.prize_per_kg)
        _unique("depot", (d.id for d in self.depots))
        _unique("stop/shipment", [s.id for s in self.stops] + [s.id for s in self.shipments])
        _unique("vehicle type", (v.id for v in self.vehicle_types))
        _unique("vehicle start", (v.id for v in self.vehicle_starts))
        depot_ids = {d.id for d in self.depots}
        for vt in self.vehicle_types:
            for ref in (vt.depot_id, vt.end_depot, *vt.reload_depot_ids):
                _req(
                    ref in depot_ids,
                    ErrorCode.UNKNOWN_REFERENCE,
                    f"vehicle type {vt.id}: unknown depot {ref!r}",
                )
        types = {vt.id: vt for vt in self.vehicle_types}
        per_type: dict[str, int] = {}
        for vs in self.vehicle_starts:
            _req(
                vs.vehicle_type_id in types,
                ErrorCode.UNKNOWN_REFERENCE,
                f"vehicle start {vs.id}: unknown vehicle type {vs.vehicle_type_id!r}",
            )
            per_type[vs.vehicle_type_id] = per_type.get(vs.vehicle_type_id, 0) + 1
        for type_id, n in per_type.items():
            _req(
                n <= types[type_id].count,
                ErrorCode.BAD_PARAMETER,
                f"vehicle type {type_id}: {n} vehicle starts but count={types[type_id].count}",
            )
        if isinstance(self.travel, HaversineProvider):
            for loc in self.locations():
                _req(loc.is_geographic(), ErrorCode.BAD_COORDINATE, f"not WGS84: {loc}")
        if isinstance(self.travel, ExplicitMatrix):
            n = len(self.travel.distance_m)
            _req(
                n == self.num_locations,
                ErrorCode.BAD_MATRIX,
                f"matrix has {n} rows, problem has {self.num_locations} locations",
            )

    # ---- canonical location indexing
    @property
    def num_locations(self) -> int:
        """Number of matrix rows."""
        return (
            len(self.depots) + len(self.stops) + 2 * len(self.shipments) + len(self.vehicle_starts)
        )

    def locations(self) -> list[Location]:
        """All locations in canonical order (see module docstring)."""
        locs = [d.location for d in self.depots] + [s.location for s in self.stops]
        for sh in self.shipments:
            locs += [sh.pickup_location, sh.delivery_location]
        locs += [v.location for v in self.vehicle_starts]
        return locs

    def depot_loc(self, depot_index: int) -> int:
        """Matrix index of depot number ``depot_index``."""
        return depot_index

    def stop_loc(self, stop_index: int) -> int:
        """Matrix index of stop number ``stop_index``."""
        return len(self.depots) + stop_index

    def shipment_locs(self, shipment_index: int) -> tuple[int, int]:
        """Matrix indices (pickup, delivery) of shipment number ``shipment_index``."""
        base = len(self.depots) + len(self.stops) + 2 * shipment_index
        return base, base + 1

    def start_loc(self, start_index: int) -> int:
        """Matrix index of vehicle start number ``start_index``."""
        return len(self.depots) + len(self.stops) + 2 * len(self.shipments) + start_index

    def stop_prize(self, stop: Stop | Shipment) -> float:
        """Prize ($) for serving an optional stop or shipment."""
        if stop.prize is not None:
            return stop.prize
        return stop.load.total_kg * stop.urgency * self.prize_per_kg

    def matrices(self) -> tuple[IntMatrix, IntMatrix]:
        """``(distance_m, duration_s)`` from ``self.travel`` over ``locations()``."""
        return self.travel.matrix(self.locations())


def _unique(what: str, ids: Iterable[str]) -> None:
    seen: set[str] = set()
    for i in ids:
        _req(i not in seen, ErrorCode.DUPLICATE_ID, f"duplicate {what} id {i!r}")
        seen.add(i)


def attach_matrix(problem: RoutingProblem, provider: TravelTimeProvider) -> RoutingProblem:
    """Return a copy of ``problem`` whose travel model is the provider's frozen matrix.

    Use this for HTTP providers (OSRM, Valhalla): the matrix (metres, seconds) and the
    provider name/factors are then stored in the problem, plan and JSON.

    Raises:
        RoutingInputError(PROVIDER_FAILED / BAD_MATRIX): from the provider.
    """
    dist, dur = provider.matrix(problem.locations())
    explicit = ExplicitMatrix.from_arrays(
        dist, dur, source=provider.name, source_factors=provider.factors()
    )
    return _replace(problem, travel=explicit)


def _replace(problem: RoutingProblem, **changes: object) -> RoutingProblem:
    import dataclasses

    return dataclasses.replace(problem, **changes)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------ plans


class VisitKind(StrEnum):
    """What happens at a visit of a route."""

    STOP = "stop"
    SHIPMENT_PICKUP = "shipment_pickup"
    SHIPMENT_DELIVERY = "shipment_delivery"
    RELOAD = "reload"


class LeftOutReason(StrEnum):
    """Why an optional stop/shipment is not in the plan (heuristic, see ``reasons``)."""

    NO_CAPACITY_COLD = "no_capacity_cold"
    NO_CAPACITY = "no_capacity"
    NO_VEHICLE = "no_vehicle"
    VEHICLE_TOO_LONG = "vehicle_too_long"
    OUTSIDE_TIME_WINDOW_REACH = "outside_time_window_reach"
    NOT_WORTH_COST = "not_worth_cost"
    NO_ROOM_IN_PLAN = "no_room_in_plan"
    SOLVER_FAILED = "solver_failed"


@dataclass(frozen=True, slots=True)
class Visit:
    """One visit. Times in seconds since midnight: arrival, service start, departure.

    ``ref_id``: stop id, shipment id, or depot id for reloads. ``trip``: 0-based trip
    number (increments after each reload). ``load_after``: goods on board on leaving.
    """

    kind: VisitKind
    ref_id: str
    trip: int
    arrival_s: int
    start_s: int
    departure_s: int
    load_after: Load


@dataclass(frozen=True, slots=True)
class Route:
    """One vehicle's day. ``start_id`` is a depot id, or a vehicle start id (re-planning).

    ``start_s``: departure from the start; ``end_s``: arrival at ``end_depot_id``.
    ``start_load``: goods on board when leaving the start (deliveries of trip 0 + onboard).
    """

    vehicle_type_id: str
    vehicle_no: int
    start_id: str
    end_depot_id: str
    start_s: int
    end_s: int
    start_load: Load
    visits: tuple[Visit, ...]
    distance_m: int
    duration_s: int
    cost: float

    @property
    def num_trips(self) -> int:
        """Trips = reloads + 1."""
        return 1 + sum(1 for v in self.visits if v.kind is VisitKind.RELOAD)


@dataclass(frozen=True, slots=True)
class LeftOut:
    """An unserved stop or shipment and the (heuristic) reason."""

    ref_id: str
    required: bool
    reason: LeftOutReason
    detail: str = ""


@dataclass(frozen=True, slots=True)
class SolverStats:
    """Solver statistics: wall runtime (s), seed of the kept run, seeds tried."""

    runtime_s: float
    seed: int
    seeds: tuple[int, ...]
    workers: int
    time_limit_s: float
    iterations: int = 0
    hub_parts: int = 0
    solver: str = "pyvrp"


@dataclass(frozen=True, slots=True)
class TravelInfo:
    """Travel-time provider name and factors used for the plan."""

    provider: str
    factors: tuple[tuple[str, Factor], ...] = ()

    def as_dict(self) -> dict[str, Factor]:
        """Factors as a dict."""
        return dict(self.factors)


@dataclass(frozen=True, slots=True)
class RoutePlan:
    """Solution. ``cost`` ($) = travel (km, hours) + fixed costs; ``objective`` = cost +
    prizes of left-out optional stops (what the solver minimises). ``feasible`` is the
    solver's own verdict; use ``validate_routing`` for an independent check.
    """

    problem_name: str
    routes: tuple[Route, ...]
    left_out: tuple[LeftOut, ...]
    distance_m: int
    duration_s: int
    cost: float
    prize_collected: float
    prize_missed: float
    objective: float
    feasible: bool
    stats: SolverStats
    travel: TravelInfo


def travel_info(problem: RoutingProblem) -> TravelInfo:
    """TravelInfo of a problem's travel model."""
    factors: Mapping[str, Factor] = problem.travel.factors()
    return TravelInfo(provider=problem.travel.name, factors=tuple(sorted(factors.items())))


def duration_for(duration_s: IntMatrix, factor: float) -> IntMatrix:
    """Duration matrix for a vehicle type's ``duration_factor`` (rounded to seconds)."""
    import numpy as np

    if factor == 1.0:
        return duration_s
    return np.rint(duration_s.astype(np.float64) * factor).astype(np.int64)


def route_cost(vt: VehicleType, distance_m: int, duration_s: int) -> float:
    """Dollar cost of a route of ``vt`` (fixed + per km + per hour)."""
    return (
        vt.fixed_cost
        + distance_m / 1000.0 * vt.cost_per_km
        + duration_s / 3600.0 * (vt.cost_per_hour)
    )


def ids(items: Sequence[Depot | Stop | Shipment | VehicleType | VehicleStart]) -> list[str]:
    """Ids of a sequence of problem items."""
    return [i.id for i in items]
