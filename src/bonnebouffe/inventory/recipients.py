"""People downstream of a trace: an extension point for the apps that hand food to people.

The ledger ends at organisations (a movement's `recipient`). An app that knows which person
or household received food from a lot (the grocery: a sale line taken from the lot, to a
member card or an order) registers a *provider* in its AppConfig.ready(); the trace, its CSV,
the recall PDF and the API then show what the providers return. `inventory` never imports
those apps (import-linter layering): they import this module.

A provider decides who may read names (the app owns that rule) and returns, for the viewer,
either the rows (`people`) or only how many recipients there are (`hidden_count`). Rows are
personal information: callers get them through `services.trace_people_open`, which writes
one audit entry per person shown (Québec Law 25), never by calling the providers directly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from bonnebouffe.accounts.selectors import Scope


@dataclass(frozen=True)
class PersonRecipient:
    """One hand-over of a lot to a person: what a recall needs to reach them, nothing more."""

    lot_id: int
    lot_code: str
    at: datetime
    quantity_g: int
    reference: str  # the household's reference in the application (never a name)
    card_number: str  # member card number, "" when none
    name: str  # the name the household chose to be called, "" when none stored
    email: str
    phone: str
    receipt: str  # the sale (receipt) or order number
    movement_id: int | None  # the ledger movement this hand-over is (one CSV row)
    audit_type: str  # AuditLogEntry.object_type of the person
    audit_id: int

    @property
    def kg(self) -> Decimal:
        return (Decimal(self.quantity_g) / 1000).quantize(Decimal("0.001"))


@dataclass(frozen=True)
class RecipientGroup:
    """What one provider returns for one viewer."""

    key: str  # e.g. "households"
    title: str  # translated heading
    # Whether the viewer's role may see these people at all (False: counts only).
    names_allowed: bool = False
    people: list[PersonRecipient] = field(default_factory=list)
    # Recipients the viewer may not see by name (all of them for a role without the right).
    hidden_count: int = 0
    # Hand-overs to nobody known (a sale without a member card).
    anonymous_count: int = 0

    @property
    def person_count(self) -> int:
        return len({(p.audit_type, p.audit_id) for p in self.people})

    @property
    def by_movement(self) -> dict[int, PersonRecipient]:
        return {p.movement_id: p for p in self.people if p.movement_id is not None}


Provider = Callable[..., RecipientGroup]  # provider(*, scope: Scope, lot_ids: Sequence[int])

_providers: dict[str, Provider] = {}


def recipient_provider_register(key: str, provider: Provider) -> None:
    """Register (or replace: ready() may run twice in tests) the provider named `key`."""
    _providers[key] = provider


def recipient_providers() -> dict[str, Provider]:
    return dict(_providers)


def people_downstream(*, scope: Scope, lot_ids: Sequence[int]) -> list[RecipientGroup]:
    """Every provider's group for these lots, as `scope` may see them (no audit: see the
    module docstring). Providers run in registration order; none runs without lots."""
    if not lot_ids:
        return []
    return [provider(scope=scope, lot_ids=list(lot_ids)) for provider in _providers.values()]
