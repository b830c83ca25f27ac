"""Writes about households, and the audited reads of their personal information."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from bonnebouffe.accounts.models import AuditAction
from bonnebouffe.accounts.selectors import Scope
from bonnebouffe.accounts.services import audit_record

from .models import Household
from .selectors import household_find


def household_open(
    *, scope: Scope, actor: Any, pk: int, channel: str = "web", ip_address: str | None = None
) -> Household | None:
    """Return a household the scope may see, and write the access to the audit log."""
    household = household_find(scope=scope, pk=pk)
    if household is not None:
        audit_record(
            actor=actor,
            action=AuditAction.VIEW,
            object_type="household",
            object_id=household.pk,
            channel=channel,
            ip_address=ip_address,
        )
    return household


def household_export(
    *, scope: Scope, actor: Any, pk: int, channel: str = "web", ip_address: str | None = None
) -> dict[str, Any] | None:
    """All the personal data held on a household, as a structured document (portability)."""
    household = household_find(scope=scope, pk=pk)
    if household is None:
        return None
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        object_type="household",
        object_id=household.pk,
        channel=channel,
        detail="json",
        ip_address=ip_address,
    )
    return {
        "reference": household.reference,
        "display_name": household.display_name,
        "size": household.size,
        "municipality": household.municipality.name,
        "preferred_language": household.preferred_language,
        "email": household.email,
        "phone": household.phone,
        "serving_organisation": household.agency.name,
        "consent_at": household.consent_at.isoformat() if household.consent_at else None,
        "created_at": household.created_at.isoformat(),
        "exported_at": timezone.now().isoformat(),
    }


def household_register(
    *,
    agency: Any,
    size: int,
    municipality: Any,
    preferred_language: str,
    email: str = "",
    actor: Any = None,
) -> Household:
    """Register a household with the minimum (Law 25): size, municipality, language, and an
    email only if the household wants messages. The reference is generated (never a name)."""
    import secrets

    from django.db import transaction

    with transaction.atomic():
        for _attempt in range(10):
            reference = "E-" + "".join(secrets.choice("0123456789") for _ in range(6))
            if not Household.objects.filter(reference=reference).exists():
                break
        household = Household(
            agency=agency,
            reference=reference,
            size=size,
            municipality=municipality,
            preferred_language=preferred_language,
            email=email,
            consent_at=timezone.now(),
            last_activity_at=timezone.now(),
        )
        household.full_clean()
        household.save()
        audit_record(
            actor=actor,
            action=AuditAction.CHANGE,
            object_type="household",
            object_id=household.pk,
            detail="registered",
        )
    return household
