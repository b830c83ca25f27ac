"""Writes to the directory: a partner declares (or withdraws) a contribution."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from bonnebouffe.accounts.selectors import Scope
from bonnebouffe.network.models import Organisation
from bonnebouffe.territory.models import MRC

from .models import Contribution, Project


def _may_speak_for(scope: Scope, organisation: Organisation) -> bool:
    return (
        scope.is_superuser
        or organisation.network_id in scope.admin_network_ids
        or organisation.pk in scope.own_org_ids
        or organisation.pk in scope.coordinator_hub_ids
        or (
            organisation.mrc_id in scope.coordinator_mrc_ids
            and organisation.network_id in scope.network_ids
        )
    )


def partner_organisations(*, scope: Scope) -> list[Organisation]:
    qs = Organisation.objects.filter(is_active=True).order_by("name")
    if not scope.is_superuser:
        qs = qs.filter(network_id__in=scope.network_ids)
    return [o for o in qs if _may_speak_for(scope, o)]


@transaction.atomic
def contribution_declare(
    *,
    scope: Scope,
    organisation: Organisation,
    project: Project,
    mrcs: list[MRC],
    kinds: list[str],
    offer: str,
) -> list[Contribution]:
    """Declare one contribution per (MRC, type); existing ones get the new offer text."""
    if not _may_speak_for(scope, organisation) or project.network_id != organisation.network_id:
        raise PermissionDenied(_("You may not declare contributions for this organisation."))
    saved = []
    for mrc in mrcs:
        for kind in kinds:
            contribution, _created = Contribution.objects.get_or_create(
                organisation=organisation,
                project=project,
                mrc=mrc,
                kind=kind,
                defaults={"offer": offer},
            )
            if contribution.offer != offer:
                contribution.offer = offer
            contribution.full_clean()
            contribution.save()
            saved.append(contribution)
    return saved


@transaction.atomic
def contribution_withdraw(*, scope: Scope, contribution: Contribution) -> None:
    if not _may_speak_for(scope, contribution.organisation):
        raise PermissionDenied(_("You may not withdraw this contribution."))
    contribution.delete()
