"""Reads of in-app notifications: those addressed to the user or to one of their organisations."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from bonnebouffe.accounts.selectors import scope_for

from .models import Notification


def notification_list(*, user: Any) -> QuerySet[Notification]:
    scope = scope_for(user)
    if scope.user_id is None:
        return Notification.objects.none()
    org_ids = {org for org, _name, _role in scope.memberships}
    return Notification.objects.filter(Q(user_id=scope.user_id) | Q(organisation_id__in=org_ids))


def notification_unread_count(*, user: Any) -> int:
    return notification_list(user=user).filter(read_at__isnull=True).count()
