"""Reads of households. Only the serving agency's staff, network administrators and the
household itself may see a household; every read of one record is audit-logged by services."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from bonnebouffe.accounts.models import Role
from bonnebouffe.accounts.selectors import Scope

from .models import Household


def household_scope_q(scope: Scope) -> Q:
    if scope.is_superuser:
        return Q()
    q = Q(pk__in=[])
    if scope.admin_network_ids:
        q |= Q(agency__network_id__in=scope.admin_network_ids)
    if Role.AGENCY_STAFF in scope.roles:
        agency_orgs = [org for org, _name, role in scope.memberships if role == Role.AGENCY_STAFF]
        q |= Q(agency_id__in=agency_orgs)
    if scope.user_id is not None and Role.HOUSEHOLD in scope.roles:
        q |= Q(user_id=scope.user_id)
    return q


def household_list(*, scope: Scope, search: str = "") -> QuerySet[Household]:
    qs = Household.objects.filter(household_scope_q(scope)).select_related("agency", "municipality")
    if search:
        qs = qs.filter(Q(reference__icontains=search) | Q(display_name__icontains=search))
    return qs


def household_find(*, scope: Scope, pk: int) -> Household | None:
    return household_list(scope=scope).filter(pk=pk).first()
