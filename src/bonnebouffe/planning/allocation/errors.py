"""Error codes and the exception type raised by the allocation core."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """Stable, machine-readable codes carried by :class:`AllocationError`."""

    EMPTY_ID = "empty_id"
    DUPLICATE_ID = "duplicate_id"
    UNKNOWN_HUB = "unknown_hub"
    UNKNOWN_CATEGORY = "unknown_category"
    UNKNOWN_STORAGE_CLASS = "unknown_storage_class"
    UNKNOWN_LOT_SCOPE = "unknown_lot_scope"
    NON_POSITIVE_QUANTITY = "non_positive_quantity"
    NEGATIVE_QUANTITY = "negative_quantity"
    NON_POSITIVE_PEOPLE = "non_positive_people"
    BAD_DEPRIVATION_FACTOR = "bad_deprivation_factor"
    NEGATIVE_CAPACITY = "negative_capacity"
    NEGATIVE_COST = "negative_cost"
    BAD_UNIT = "bad_unit"
    LOT_NOT_MULTIPLE_OF_UNIT = "lot_not_multiple_of_unit"
    BAD_DELTA = "bad_delta"
    BAD_POLICY = "bad_policy"
    BAD_PERIOD = "bad_period"
    BAD_JSON = "bad_json"
    NO_AGENCIES = "no_agencies"
    SOLVER_FAILED = "solver_failed"
    HARD_BAND_INFEASIBLE = "hard_band_infeasible"
    # pooling (Choice System)
    BAD_SHARES = "bad_shares"
    BAD_FRACTIONS = "bad_fractions"
    UNKNOWN_LOT = "unknown_lot"
    BID_EXCEEDS_BALANCE = "bid_exceeds_balance"
    NEGATIVE_BID = "negative_bid"
    DUPLICATE_BID = "duplicate_bid"


class AllocationError(ValueError):
    """Invalid allocation input or failed solve; ``code`` says which rule was broken."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(f"[{code.value}] {message}")
        self.code = code
        self.message = message
