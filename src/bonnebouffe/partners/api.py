from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema
from ninja.responses import Status

from bonnebouffe.accounts.selectors import scope_for
from bonnebouffe.territory.models import MRC

from .models import ContributionType
from .selectors import directory_list, project_get, project_list
from .services import contribution_declare, partner_organisations

router = Router(tags=["partners"])


class ContributionOut(Schema):
    id: int
    project_id: int
    project: str
    mrc: str
    kind: str
    offer: str


class PartnerOut(Schema):
    id: int
    name: str
    kind: str
    municipality: str
    mrc: str
    contributions: list[ContributionOut]


class ProjectOut(Schema):
    id: int
    code: str
    name: str
    status: str
    carrier_id: int | None
    territory_ids: list[int]


class ContributionIn(Schema):
    organisation_id: int
    project_id: int
    mrc_ids: list[int] = Field(..., min_length=1)
    kinds: list[ContributionType] = Field(..., min_length=1)
    offer: str = Field(..., min_length=1, max_length=2000)


def _scope(request: HttpRequest):  # type: ignore[no-untyped-def]
    scope = scope_for(request.user)
    if not scope.sees_directory:
        raise PermissionDenied
    return scope


def _partner(org) -> PartnerOut:  # type: ignore[no-untyped-def]
    return PartnerOut(
        id=org.pk,
        name=org.name,
        kind=org.kind,
        municipality=org.municipality.name,
        mrc=org.mrc.name,
        contributions=[
            ContributionOut(
                id=c.pk,
                project_id=c.project_id,
                project=c.project.name,
                mrc=c.mrc.name,
                kind=c.kind,
                offer=c.offer,
            )
            for c in org.shown_contributions
        ],
    )


@router.get("/directory", response=list[PartnerOut])
def directory(  # type: ignore[no-untyped-def]
    request: HttpRequest,
    q: str = "",
    type: str = "",
    project_id: int | None = None,
    mrc_id: int | None = None,
    kind: str = "",
):
    qs = directory_list(
        scope=_scope(request),
        search=q,
        contribution_type=type,
        project_id=project_id,
        mrc_id=mrc_id,
        kind=kind,
    )
    return [_partner(o) for o in qs]


@router.get("/projects", response=list[ProjectOut])
def projects(request: HttpRequest):  # type: ignore[no-untyped-def]
    return [
        ProjectOut(
            id=p.pk,
            code=p.code,
            name=p.name,
            status=p.status,
            carrier_id=p.carrier_id,
            territory_ids=[t.pk for t in p.territories.all()],
        )
        for p in project_list(scope=_scope(request))
    ]


@router.post("/contributions", response={201: list[ContributionOut]})
def contribute(request: HttpRequest, payload: ContributionIn):  # type: ignore[no-untyped-def]
    scope = _scope(request)
    org = next(
        (o for o in partner_organisations(scope=scope) if o.pk == payload.organisation_id), None
    )
    project = project_get(scope=scope, pk=payload.project_id)
    if org is None:
        raise PermissionDenied
    if project is None:
        raise Http404
    mrcs = list(MRC.objects.filter(pk__in=payload.mrc_ids))
    if len(mrcs) != len(set(payload.mrc_ids)):
        raise Http404
    saved = contribution_declare(
        scope=scope,
        organisation=org,
        project=project,
        mrcs=mrcs,
        kinds=[str(k) for k in payload.kinds],
        offer=payload.offer,
    )
    return Status(
        201,
        [
            ContributionOut(
                id=c.pk,
                project_id=c.project_id,
                project=project.name,
                mrc=c.mrc.name,
                kind=c.kind,
                offer=c.offer,
            )
            for c in saved
        ],
    )
