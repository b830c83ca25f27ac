"""The valorisation scale and the reconciliation identity, to the gram.

US EPA Wasted Food Scale (2023): prevent → feed people (donate, sell) → upcycle/transform →
feed animals → compost or anaerobic digestion → disposal. Every gram received ends in
exactly one of these (or is still on hand, or a recorded loss).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass


class Destination(enum.StrEnum):
    FOOD = "food"  # given or sold as food
    TRANSFORMED = "transformed"
    ANIMAL_FEED = "animal_feed"
    COMPOST = "compost"  # compost or anaerobic digestion
    DISPOSAL = "disposal"
    LOSS = "loss"  # recorded losses (count variance, spoilage found, theft)


SCALE_ORDER = [
    Destination.FOOD,
    Destination.TRANSFORMED,
    Destination.ANIMAL_FEED,
    Destination.COMPOST,
    Destination.DISPOSAL,
    Destination.LOSS,
]


@dataclass(frozen=True)
class Reconciliation:
    """received_g (+ produced_g by transformation) = on_hand_g + Σ destinations; gap_g = 0."""

    received_g: int
    produced_g: int
    on_hand_g: int
    by_destination_g: Mapping[Destination, int]

    @property
    def accounted_g(self) -> int:
        return self.on_hand_g + sum(self.by_destination_g.get(d, 0) for d in Destination)

    @property
    def gap_g(self) -> int:
        """Inflow not accounted for (positive) or over-accounted (negative). Must be 0."""
        return self.received_g + self.produced_g - self.accounted_g

    @property
    def closes(self) -> bool:
        return self.gap_g == 0

    def share(self, destination: Destination) -> float:
        total = self.received_g + self.produced_g
        return 0.0 if total == 0 else self.by_destination_g.get(destination, 0) / total
