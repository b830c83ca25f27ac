"""Writes to the network registry. Each is atomic and validates with full_clean()."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import time
from itertools import pairwise
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from bonnebouffe.accounts.selectors import Scope
from bonnebouffe.territory.models import Municipality

from .models import Network, OpeningHours, Organisation, OrganisationKind, Site
from .selectors import organisation_scope_q


def _can_edit_organisation(scope: Scope, organisation: Organisation) -> bool:
    if scope.is_superuser or organisation.network_id in scope.admin_network_ids:
        return True
    if (
        organisation.mrc_id in scope.coordinator_mrc_ids
        and organisation.network_id in scope.network_ids
    ):
        return True
    return organisation.pk in scope.own_org_ids and not organisation.is_hub


def organisation_editable(*, scope: Scope, organisation: Organisation) -> bool:
    return _can_edit_organisation(scope, organisation)


@transaction.atomic
def organisation_create(
    *,
    scope: Scope | None,
    network: Network,
    name: str,
    kind: str,
    municipality: Municipality,
    hub: Organisation | None = None,
    served_mrc_ids: Iterable[int] = (),
    description: str = "",
    website: str = "",
    public_email: str = "",
    public_phone: str = "",
) -> Organisation:
    """Create an organisation in the municipality's MRC. `scope=None` is for system jobs."""
    org = Organisation(
        network=network,
        name=name,
        kind=kind,
        municipality=municipality,
        mrc=municipality.mrc,
        hub=hub,
        description=description,
        website=website,
        public_email=public_email,
        public_phone=public_phone,
    )
    if scope is not None and not _can_edit_organisation(scope, org):
        raise PermissionDenied(_("You may not add an organisation in this territory."))
    org.full_clean()
    org.save()
    if kind == OrganisationKind.HUB:
        org.served_mrcs.set(list(served_mrc_ids) or [municipality.mrc_id])
    return org


@transaction.atomic
def organisation_update(*, scope: Scope, organisation: Organisation, **fields: Any) -> Organisation:
    if not _can_edit_organisation(scope, organisation):
        raise PermissionDenied(_("You may not change this organisation."))
    for key, value in fields.items():
        setattr(organisation, key, value)
    if "municipality" in fields:
        organisation.mrc = organisation.municipality.mrc
    if not _can_edit_organisation(scope, organisation):
        raise PermissionDenied(_("You may not move this organisation out of your territory."))
    organisation.full_clean()
    organisation.save()
    return organisation


def _check_hours(hours: Sequence[tuple[int, time, time]]) -> None:
    errors = []
    for weekday, opens, closes in hours:
        if not 0 <= weekday <= 6:
            errors.append(_("Unknown weekday."))
        if closes <= opens:
            errors.append(_("Closing time must be after opening time."))
    by_day: dict[int, list[tuple[time, time]]] = {}
    for weekday, opens, closes in hours:
        by_day.setdefault(weekday, []).append((opens, closes))
    for periods in by_day.values():
        periods.sort()
        for (_o1, c1), (o2, _c2) in pairwise(periods):
            if o2 < c1:
                errors.append(_("Opening periods of the same day overlap."))
    if errors:
        raise ValidationError({"opening_hours": sorted(set(errors))})


@transaction.atomic
def site_save(
    *,
    scope: Scope | None,
    organisation: Organisation,
    site: Site | None = None,
    opening_hours: Sequence[tuple[int, time, time]] | None = None,
    **fields: Any,
) -> Site:
    """Create or update a site and replace its opening hours, all or nothing."""
    if scope is not None:
        visible = Organisation.objects.filter(
            organisation_scope_q(scope), pk=organisation.pk
        ).exists()
        if not visible or not _can_edit_organisation(scope, organisation):
            raise PermissionDenied(_("You may not change the sites of this organisation."))
    site = site or Site(organisation=organisation)
    if site.organisation_id != organisation.pk:
        raise PermissionDenied(_("This site belongs to another organisation."))
    for key, value in fields.items():
        setattr(site, key, value)
    site.full_clean()
    if opening_hours is not None:
        _check_hours(opening_hours)
    site.save()
    if site.is_primary:
        Site.objects.filter(organisation=organisation).exclude(pk=site.pk).update(is_primary=False)
    if opening_hours is not None:
        site.opening_hours.all().delete()
        OpeningHours.objects.bulk_create(
            OpeningHours(site=site, weekday=d, opens=o, closes=c) for d, o, c in opening_hours
        )
    return site
