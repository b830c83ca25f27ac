"""Error types of the routing core (pure Python, no Django)."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """Machine-readable codes carried by :class:`RoutingInputError`."""

    EMPTY_ID = "empty_id"
    DUPLICATE_ID = "duplicate_id"
    UNKNOWN_REFERENCE = "unknown_reference"
    NEGATIVE_VALUE = "negative_value"
    BAD_TIME_WINDOW = "bad_time_window"
    BAD_COORDINATE = "bad_coordinate"
    NO_DEPOT = "no_depot"
    NO_VEHICLE = "no_vehicle"
    BAD_MATRIX = "bad_matrix"
    BAD_PARAMETER = "bad_parameter"
    BAD_JSON = "bad_json"
    BAD_SOLOMON = "bad_solomon"
    PROVIDER_FAILED = "provider_failed"


class RoutingInputError(ValueError):
    """Invalid routing input; ``code`` says which rule was broken."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(f"[{code.value}] {message}")
        self.code = code
        self.message = message
