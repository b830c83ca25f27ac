"""Writes about accounts: users, memberships, API tokens, audit entries."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from .models import ApiToken, AuditLogEntry, Membership, User

TOKEN_PREFIX_LENGTH = 8


def user_create(
    *,
    username: str,
    password: str | None,
    email: str = "",
    first_name: str = "",
    language: str = "fr-ca",
    is_superuser: bool = False,
) -> User:
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        preferred_language=language,
        is_superuser=is_superuser,
        is_staff=is_superuser,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user


def membership_create(*, user: User, organisation_id: int, role: str) -> Membership:
    membership = Membership(user=user, organisation_id=organisation_id, role=role)
    membership.full_clean()
    membership.save()
    return membership


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token; the clear secret is returned once and never stored."""
    secret = secrets.token_urlsafe(32)
    token = ApiToken(
        user=user, name=name, prefix=secret[:TOKEN_PREFIX_LENGTH], digest=_digest(secret)
    )
    token.full_clean()
    token.save()
    return token, secret


def api_token_authenticate(*, secret: str) -> User | None:
    token = ApiToken.objects.select_related("user").filter(digest=_digest(secret)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    # At most one write a minute per token: a busy client must not turn every read into a write.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def api_token_revoke(*, user: User, token_id: int) -> bool:
    deleted, _rows = ApiToken.objects.filter(user=user, pk=token_id).delete()
    return deleted > 0


def audit_record(
    *,
    actor: Any,
    action: str,
    object_type: str,
    object_id: Any,
    channel: str = "web",
    detail: str = "",
    ip_address: str | None = None,
) -> AuditLogEntry:
    """Write one audit entry for an access to personal information (Law 25)."""
    return audit_record_many(
        actor=actor,
        action=action,
        subjects=[(object_type, object_id)],
        channel=channel,
        detail=detail,
        ip_address=ip_address,
    )[0]


def audit_record_many(
    *,
    actor: Any,
    action: str,
    subjects: Iterable[tuple[str, Any]],
    channel: str = "web",
    detail: str = "",
    ip_address: str | None = None,
) -> list[AuditLogEntry]:
    """`audit_record` for several records shown at once (a list, a report): one entry per
    distinct (object type, object id), written in one query."""
    entries = [
        AuditLogEntry(
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            channel=channel,
            detail=detail[:200],
            ip_address=ip_address,
        )
        for object_type, object_id in dict.fromkeys((t, str(i)) for t, i in subjects)
    ]
    return AuditLogEntry.objects.bulk_create(entries) if entries else []
