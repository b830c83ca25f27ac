"""Writes of in-app notifications."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from .models import Notification
from .selectors import notification_list


def notification_send(
    *,
    message: str,
    url: str = "",
    organisation_ids: Iterable[int] = (),
    user_ids: Iterable[int] = (),
) -> list[Notification]:
    """Address one message to organisations (all their members see it) and/or users."""
    rows = [
        Notification(organisation_id=o, message=message[:300], url=url)
        for o in set(organisation_ids)
    ]
    rows += [Notification(user_id=u, message=message[:300], url=url) for u in set(user_ids)]
    return Notification.objects.bulk_create(rows)


def notification_mark_all_read(*, user: Any) -> int:
    return notification_list(user=user).filter(read_at__isnull=True).update(read_at=timezone.now())
