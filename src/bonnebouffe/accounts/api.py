from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from .selectors import scope_for

router = Router(tags=["accounts"])


class MembershipOut(Schema):
    organisation_id: int
    organisation: str
    role: str


class MeOut(Schema):
    username: str
    language: str
    memberships: list[MembershipOut]


@router.get("/me", response=MeOut, summary="Who I am and my roles")
def me(request: HttpRequest) -> MeOut:
    scope = scope_for(request.user)
    return MeOut(
        username=request.user.get_username(),
        language=getattr(request.user, "preferred_language", "fr-ca"),
        memberships=[
            MembershipOut(organisation_id=o, organisation=n, role=r)
            for o, n, r in scope.memberships
        ],
    )
