"""Pure route-planning core (no Django). Only ``pyvrp_adapter`` imports PyVRP.

Public API: RoutingProblem & friends (model), solve_routing, validate_routing, providers.
"""

from bonnebouffe.planning.routing.errors import ErrorCode, RoutingInputError
from bonnebouffe.planning.routing.geo import Location
from bonnebouffe.planning.routing.model import (
    Depot,
    LeftOut,
    LeftOutReason,
    Load,
    Route,
    RoutePlan,
    RoutingProblem,
    Shipment,
    SolverStats,
    Stop,
    StopKind,
    TravelInfo,
    VehicleStart,
    VehicleType,
    Visit,
    VisitKind,
    attach_matrix,
)
from bonnebouffe.planning.routing.replan import replan_problem
from bonnebouffe.planning.routing.solve import solve_routing
from bonnebouffe.planning.routing.travel import (
    EuclideanProvider,
    ExplicitMatrix,
    HaversineProvider,
    MatrixCache,
    OsrmProvider,
    TravelTimeProvider,
    ValhallaProvider,
)
from bonnebouffe.planning.routing.validate import Violation, ViolationCode, validate_routing

__all__ = [
    "Depot",
    "ErrorCode",
    "EuclideanProvider",
    "ExplicitMatrix",
    "HaversineProvider",
    "LeftOut",
    "LeftOutReason",
    "Load",
    "Location",
    "MatrixCache",
    "OsrmProvider",
    "Route",
    "RoutePlan",
    "RoutingInputError",
    "RoutingProblem",
    "Shipment",
    "SolverStats",
    "Stop",
    "StopKind",
    "TravelInfo",
    "TravelTimeProvider",
    "ValhallaProvider",
    "VehicleStart",
    "VehicleType",
    "Violation",
    "ViolationCode",
    "Visit",
    "VisitKind",
    "attach_matrix",
    "replan_problem",
    "solve_routing",
    "validate_routing",
]
