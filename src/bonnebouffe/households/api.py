from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router

from bonnebouffe.accounts.selectors import scope_for

from .services import household_export

router = Router(tags=["households"])


@router.get("/{household_id}", response=dict[str, Any], summary="A household's data (audit-logged)")
def household(request: HttpRequest, household_id: int):  # type: ignore[no-untyped-def]
    data = household_export(
        scope=scope_for(request.user),
        actor=request.user,
        pk=household_id,
        channel="api",
        ip_address=request.META.get("REMOTE_ADDR"),
    )
    if data is None:
        raise Http404
    return data
