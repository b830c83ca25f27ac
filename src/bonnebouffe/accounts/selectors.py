"""Reads about accounts, and the scope: what a signed-in user may see.

Every list, page, export and API endpoint filters through `scope_for(user)`. The rules:

- network administrator: every record of the networks of their organisations;
- hub coordinator: the records of the MRCs their hub serves (a Roussillon coordinator sees
  Roussillon, not Le Haut-Saint-Laurent), and the hubs of their network;
- donor, driver, kitchen manager, grocery staff, agency staff: their own organisations and the
  hubs of their network;
- evaluator: aggregates only, never an individual record;
- household member: their own household only.
The partner directory (what partners offer to shared projects) is open to every staff member
of the same network; it shows no private field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from .models import AuditLogEntry, Membership, Role

STAFF_ROLES = frozenset(
    {
        Role.NETWORK_ADMIN,
        Role.HUB_COORDINATOR,
        Role.DONOR,
        Role.DRIVER,
        Role.KITCHEN_MANAGER,
        Role.GROCERY_STAFF,
        Role.AGENCY_STAFF,
    }
)
OWN_ORG_ROLES = STAFF_ROLES - {Role.NETWORK_ADMIN, Role.HUB_COORDINATOR}


@dataclass(frozen=True)
class Scope:
    user_id: int | None
    is_superuser: bool = False
    roles: frozenset[str] = frozenset()
    network_ids: frozenset[int] = frozenset()
    admin_network_ids: frozenset[int] = frozenset()
    coordinator_mrc_ids: frozenset[int] = frozenset()
    coordinator_hub_ids: frozenset[int] = frozenset()
    own_org_ids: frozenset[int] = frozenset()
    household_org_ids: frozenset[int] = frozenset()
    memberships: tuple[tuple[int, str, str], ...] = field(default=())

    @property
    def is_staff_member(self) -> bool:
        return self.is_superuser or bool(self.roles & STAFF_ROLES)

    @property
    def is_admin(self) -> bool:
        return self.is_superuser or Role.NETWORK_ADMIN in self.roles

    @property
    def sees_records(self) -> bool:
        """Individual organisation and site records (not evaluators, not households)."""
        return self.is_staff_member

    @property
    def sees_directory(self) -> bool:
        return self.is_staff_member

    @property
    def sees_aggregates(self) -> bool:
        return self.is_staff_member or Role.EVALUATOR in self.roles

    @property
    def is_household(self) -> bool:
        return Role.HUB_COORDINATOR not in self.roles and Role.HOUSEHOLD in self.roles

    def has_role(self, *roles: str) -> bool:
        return self.is_superuser or bool(self.roles & set(roles))


ANONYMOUS_SCOPE = Scope(user_id=None)


def scope_for(user: Any) -> Scope:
    """The scope of a user, computed once per request and kept on the user object."""
    if user is None or not user.is_authenticated:
        return ANONYMOUS_SCOPE
    cached = getattr(user, "_bb_scope", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    memberships = list(
        Membership.objects.filter(user=user, organisation__is_active=True)
        .select_related("organisation")
        .prefetch_related("organisation__served_mrcs")
    )
    roles = frozenset(m.role for m in memberships)
    scope = Scope(
        user_id=user.pk,
        is_superuser=bool(user.is_superuser),
        roles=roles,
        network_ids=frozenset(m.organisation.network_id for m in memberships),
        admin_network_ids=frozenset(
            m.organisation.network_id for m in memberships if m.role == Role.NETWORK_ADMIN
        ),
        coordinator_mrc_ids=frozenset(
            mrc.pk
            for m in memberships
            if m.role == Role.HUB_COORDINATOR
            for mrc in m.organisation.served_mrcs.all()
        ),
        coordinator_hub_ids=frozenset(
            m.organisation_id for m in memberships if m.role == Role.HUB_COORDINATOR
        ),
        own_org_ids=frozenset(m.organisation_id for m in memberships if m.role in OWN_ORG_ROLES),
        household_org_ids=frozenset(
            m.organisation_id for m in memberships if m.role == Role.HOUSEHOLD
        ),
        memberships=tuple((m.organisation_id, m.organisation.name, m.role) for m in memberships),
    )
    user._bb_scope = scope
    return scope


def membership_list(*, user_id: int) -> QuerySet[Membership]:
    return Membership.objects.filter(user_id=user_id).select_related("organisation")


def users_with_role(*, organisation_ids: Any, role: str) -> QuerySet[Any]:
    """Active users holding ``role`` in one of the organisations (e.g. a hub's drivers)."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__organisation_id__in=organisation_ids,
            memberships__role=role,
        )
        .distinct()
        .order_by("username")
    )


def audit_log_list(*, object_type: str | None = None) -> QuerySet[AuditLogEntry]:
    qs = AuditLogEntry.objects.select_related("actor")
    if object_type:
        qs = qs.filter(object_type=object_type)
    return qs
