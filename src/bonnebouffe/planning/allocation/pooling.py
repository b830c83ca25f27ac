"""Pooling mode after Feeding America's Choice System (Prendergast 2022), pure and exact.

Shares are whole numbers (int) so conservation is exact.  Each period hubs are issued shares in
proportion to need; pooled lots are sold in sealed-bid first-price rounds (bids in shares); the
winner pays its bid; at the end of the round the shares spent are redistributed to *all* hubs in
proportion to need (largest-remainder rounding), so the total balance is conserved by a round.
Small hubs may bid jointly: a joint bid declares fractions summing to 1; the lot (grams) and the
price (shares) are split by the same fractions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .errors import AllocationError, ErrorCode

FRACTION_TOL = 1e-9


def split_proportionally(total: int, weights: Mapping[str, float]) -> dict[str, int]:
    """Split ``total`` (int >= 0) in proportion to ``weights`` by largest remainder.

    Ties on the remainder go to the larger weight, then to the smaller key, so the result is
    deterministic and sums exactly to ``total``.  Raises AllocationError(BAD_SHARES) if
    ``total`` < 0 or no weight is positive while total > 0.
    """
    if total < 0:
        raise AllocationError(ErrorCode.BAD_SHARES, "cannot split a negative total")
    keys = sorted(weights)
    wsum = sum(max(0.0, float(weights[k])) for k in keys)
    if total == 0:
        return dict.fromkeys(keys, 0)
    if wsum <= 0:
        raise AllocationError(ErrorCode.BAD_SHARES, "no positive weight to split over")
    exact = {k: total * max(0.0, float(weights[k])) / wsum for k in keys}
    out = {k: math.floor(exact[k]) for k in keys}
    rest = total - sum(out.values())
    order = sorted(keys, key=lambda k: (-(exact[k] - out[k]), -float(weights[k]), k))
    for k in order[:rest]:
        out[k] += 1
    return out


@dataclass(frozen=True)
class PoolHub:
    """A hub taking part in pooling, with its need weight (persons served x adjustment)."""

    hub_id: str
    need_weight: float

    def __post_init__(self) -> None:
        if not self.hub_id:
            raise AllocationError(ErrorCode.EMPTY_ID, "hub_id must be non-empty")
        if not (math.isfinite(self.need_weight) and self.need_weight > 0):
            raise AllocationError(ErrorCode.NON_POSITIVE_PEOPLE, "need_weight must be > 0")


@dataclass(frozen=True)
class PooledLot:
    """A lot offered to the pool (``quantity_g`` grams)."""

    lot_id: str
    quantity_g: int

    def __post_init__(self) -> None:
        if not self.lot_id:
            raise AllocationError(ErrorCode.EMPTY_ID, "lot_id must be non-empty")
        if self.quantity_g <= 0:
            raise AllocationError(ErrorCode.NON_POSITIVE_QUANTITY, "quantity_g must be > 0")


@dataclass(frozen=True)
class Bid:
    """A sealed bid of ``shares`` (int >= 0) for ``lot_id``.

    ``bidders`` is ((hub_id, fraction), ...); a single hub bids with fraction 1.  Fractions must
    be > 0, from distinct hubs, and sum to 1.
    """

    bid_id: str
    lot_id: str
    shares: int
    bidders: tuple[tuple[str, float], ...]

    def __post_init__(self) -> None:
        if not self.bid_id:
            raise AllocationError(ErrorCode.EMPTY_ID, "bid_id must be non-empty")
        if isinstance(self.shares, bool) or int(self.shares) != self.shares or self.shares < 0:
            raise AllocationError(ErrorCode.NEGATIVE_BID, f"bid {self.bid_id}: shares must be >= 0")
        hubs = [h for h, _ in self.bidders]
        fracs = [float(f) for _, f in self.bidders]
        if not hubs or len(set(hubs)) != len(hubs) or any(not (f > 0) for f in fracs):
            raise AllocationError(ErrorCode.BAD_FRACTIONS, f"bid {self.bid_id}: bad bidders")
        if abs(sum(fracs) - 1.0) > FRACTION_TOL:
            raise AllocationError(
                ErrorCode.BAD_FRACTIONS, f"bid {self.bid_id}: fractions must sum to 1"
            )

    def cost_split(self) -> dict[str, int]:
        """Shares each bidder pays if this bid wins (largest remainder on the fractions)."""
        return split_proportionally(int(self.shares), dict(self.bidders))


@dataclass(frozen=True)
class AwardPart:
    """One bidder's part of an award: grams received and shares paid."""

    hub_id: str
    fraction: float
    quantity_g: int
    paid_shares: int


@dataclass(frozen=True)
class Award:
    """Lot ``lot_id`` won by bid ``bid_id`` at ``price_shares`` (first price)."""

    lot_id: str
    bid_id: str
    price_shares: int
    parts: tuple[AwardPart, ...]


@dataclass(frozen=True)
class Rejection:
    """A bid that was not considered, with the error code saying why."""

    bid_id: str
    lot_id: str
    code: ErrorCode
    message: str


@dataclass(frozen=True)
class RoundResult:
    """Outcome of one sealed-bid round."""

    awards: tuple[Award, ...]
    rejections: tuple[Rejection, ...]
    unsold_lot_ids: tuple[str, ...]
    spent_shares: int
    balances_after_payment: Mapping[str, int] = field(hash=False)
    redistribution: Mapping[str, int] = field(hash=False)
    balances: Mapping[str, int] = field(hash=False)  # after redistribution


def _need(hubs: Sequence[PoolHub]) -> dict[str, float]:
    out: dict[str, float] = {}
    for h in hubs:
        if h.hub_id in out:
            raise AllocationError(ErrorCode.DUPLICATE_ID, f"duplicate hub {h.hub_id}")
        out[h.hub_id] = h.need_weight
    if not out:
        raise AllocationError(ErrorCode.NO_AGENCIES, "pooling needs at least one hub")
    return out


def issue_period_shares(
    hubs: Sequence[PoolHub], balances: Mapping[str, int], shares_per_period: int
) -> dict[str, int]:
    """New balances after issuing ``shares_per_period`` shares in proportion to need.

    Raises AllocationError (BAD_SHARES, DUPLICATE_ID, UNKNOWN_HUB).
    """
    need = _need(hubs)
    _check_balances(need, balances)
    issued = split_proportionally(shares_per_period, need)
    return {h: int(balances.get(h, 0)) + issued[h] for h in sorted(need)}


def _check_balances(need: Mapping[str, float], balances: Mapping[str, int]) -> None:
    for h, b in balances.items():
        if h not in need:
            raise AllocationError(ErrorCode.UNKNOWN_HUB, f"balance for unknown hub {h}")
        if int(b) != b or b < 0:
            raise AllocationError(ErrorCode.BAD_SHARES, f"balance of {h} must be an int >= 0")


def check_bid(balances: Mapping[str, int], bid: Bid) -> None:
    """Raise AllocationError(BID_EXCEEDS_BALANCE) if a bidder cannot pay its part of ``bid``."""
    for hub, cost in bid.cost_split().items():
        if cost > int(balances.get(hub, 0)):
            raise AllocationError(
                ErrorCode.BID_EXCEEDS_BALANCE,
                f"bid {bid.bid_id}: {hub} would pay {cost} shares but holds "
                f"{int(balances.get(hub, 0))}",
            )


def run_round(
    hubs: Sequence[PoolHub],
    balances: Mapping[str, int],
    lots: Sequence[PooledLot],
    bids: Sequence[Bid],
) -> RoundResult:
    """Run one sealed-bid first-price round and redistribute the shares spent.

    Lots are sold in the given order.  For each lot the highest bid wins; ties go to the bid
    submitted first (position in ``bids``).  A bid whose bidders cannot pay their part with
    their current balance (including earlier payments in this round) is rejected with
    BID_EXCEEDS_BALANCE and the next bid is considered.  Bids on unknown lots or from unknown
    hubs are rejected (UNKNOWN_LOT / UNKNOWN_HUB); a second bid with the same id is rejected
    (DUPLICATE_BID).  Invariant: sum(balances) before == sum(result.balances).

    Raises AllocationError for invalid hubs/balances/lots (DUPLICATE_ID, UNKNOWN_HUB,
    BAD_SHARES).
    """
    need = _need(hubs)
    _check_balances(need, balances)
    bal = {h: int(balances.get(h, 0)) for h in sorted(need)}
    lot_by_id: dict[str, PooledLot] = {}
    for lot in lots:
        if lot.lot_id in lot_by_id:
            raise AllocationError(ErrorCode.DUPLICATE_ID, f"duplicate lot {lot.lot_id}")
        lot_by_id[lot.lot_id] = lot
    rejections: list[Rejection] = []
    by_lot: dict[str, list[tuple[int, Bid]]] = {lot_id: [] for lot_id in lot_by_id}
    seen: set[str] = set()
    for pos, bid in enumerate(bids):
        if bid.bid_id in seen:
            rejections.append(
                Rejection(bid.bid_id, bid.lot_id, ErrorCode.DUPLICATE_BID, "duplicate bid id")
            )
            continue
        seen.add(bid.bid_id)
        if bid.lot_id not in lot_by_id:
            rejections.append(
                Rejection(bid.bid_id, bid.lot_id, ErrorCode.UNKNOWN_LOT, "lot not in this round")
            )
            continue
        unknown = [h for h, _ in bid.bidders if h not in need]
        if unknown:
            rejections.append(
                Rejection(bid.bid_id, bid.lot_id, ErrorCode.UNKNOWN_HUB, f"unknown {unknown}")
            )
            continue
        by_lot[bid.lot_id].append((pos, bid))
    awards: list[Award] = []
    unsold: list[str] = []
    spent = 0
    for lot in lots:
        candidates = sorted(by_lot[lot.lot_id], key=lambda pb: (-pb[1].shares, pb[0]))
        winner: Bid | None = None
        for _pos, bid in candidates:
            try:
                check_bid(bal, bid)
            except AllocationError as exc:
                rejections.append(Rejection(bid.bid_id, bid.lot_id, exc.code, exc.message))
                continue
            winner = bid
            break
        if winner is None:
            unsold.append(lot.lot_id)
            continue
        costs = winner.cost_split()
        grams = split_proportionally(lot.quantity_g, dict(winner.bidders))
        parts = []
        for hub, frac in winner.bidders:
            bal[hub] -= costs[hub]
            parts.append(AwardPart(hub, float(frac), grams[hub], costs[hub]))
        spent += int(winner.shares)
        awards.append(Award(lot.lot_id, winner.bid_id, int(winner.shares), tuple(parts)))
    after_payment = dict(bal)
    back = split_proportionally(spent, need)
    final = {h: bal[h] + back[h] for h in bal}
    return RoundResult(
        awards=tuple(awards),
        rejections=tuple(rejections),
        unsold_lot_ids=tuple(unsold),
        spent_shares=spent,
        balances_after_payment=after_payment,
        redistribution=back,
        balances=final,
    )
