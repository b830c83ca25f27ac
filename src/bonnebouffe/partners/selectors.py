"""Reads of the partner directory and projects. The directory is open to staff of the network."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from bonnebouffe.accounts.selectors import Scope
from bonnebouffe.network.models import Organisation, Site

from .models import Contribution, Project


def _networks_q(scope: Scope, prefix: str = "") -> Q:
    if scope.is_superuser:
        return Q()
    if not scope.sees_directory:
        return Q(pk__in=[])
    return Q(**{f"{prefix}network_id__in": scope.network_ids})


def directory_list(
    *,
    scope: Scope,
    search: str = "",
    contribution_type: str = "",
    project_id: int | None = None,
    mrc_id: int | None = None,
    kind: str = "",
) -> QuerySet[Organisation]:
    """Partners (organisations with at least one contribution) matching the filters."""
    contributions = Contribution.objects.select_related("project", "mrc").order_by(
        "project__name", "kind"
    )
    cq = Q()
    if contribution_type:
        cq &= Q(kind=contribution_type)
    if project_id:
        cq &= Q(project_id=project_id)
    if mrc_id:
        cq &= Q(mrc_id=mrc_id)
    matching = Contribution.objects.filter(cq).values("organisation_id")
    qs = Organisation.objects.filter(_networks_q(scope), is_active=True, pk__in=matching)
    if search:
        qs = qs.filter(
            Q(name__icontains=search)
            | Q(description__icontains=search)
            | Q(contributions__offer__icontains=search)
        ).distinct()
    if kind:
        qs = qs.filter(kind=kind)
    return (
        qs.select_related("municipality", "mrc")
        .prefetch_related(
            Prefetch(
                "contributions", queryset=contributions.filter(cq), to_attr="shown_contributions"
            ),
            Prefetch(
                "sites",
                queryset=Site.objects.select_related("municipality").prefetch_related(
                    "opening_hours"
                ),
            ),
        )
        .order_by("name")
    )


def project_list(*, scope: Scope) -> QuerySet[Project]:
    return (
        Project.objects.filter(_networks_q(scope))
        .select_related("carrier")
        .prefetch_related("territories", "contributions__organisation")
        .order_by("name")
    )


def project_get(*, scope: Scope, pk: int) -> Project | None:
    return project_list(scope=scope).filter(pk=pk).first()
