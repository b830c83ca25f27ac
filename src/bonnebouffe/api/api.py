"""The REST API: one NinjaAPI mounting each app's router, with session and token sign-in.

OpenAPI schema at /api/openapi.json, interactive docs at /api/docs. Every endpoint filters
through the same scope as the pages (bonnebouffe.accounts.selectors.scope_for).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyCookie, HttpBearer

from bonnebouffe.accounts.api import router as accounts_router
from bonnebouffe.accounts.services import api_token_authenticate
from bonnebouffe.allocation.api import router as allocation_router
from bonnebouffe.coldchain.api import router as coldchain_router
from bonnebouffe.grocery.api import router as grocery_router
from bonnebouffe.grocery.mobile_api import router as grocery_mobile_router
from bonnebouffe.households.api import router as households_router
from bonnebouffe.inventory.api import router as inventory_router
from bonnebouffe.jobs.api import router as jobs_router
from bonnebouffe.logistics.api import router as logistics_router
from bonnebouffe.network.api import router as network_router
from bonnebouffe.partners.api import router as partners_router
from bonnebouffe.rescue.api import router as rescue_router
from bonnebouffe.territory.api import router as territory_router


class TokenAuth(HttpBearer):
    """Authorization: Bearer <token> (create one on the "API tokens" page)."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(secret=token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The browser session; unsafe methods need the CSRF token, as for the pages."""

    param_name = "sessionid"

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if request.user.is_authenticated:
            return request.user
        return None


api = NinjaAPI(
    title="Bonne Bouffe API",
    version="1.0",
    description="Regional food-access network. Same permissions as the web pages.",
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
)

# Field error messages in the user's language (pydantic's own are English only).
PYDANTIC_MESSAGES = {
    "missing": lambda: _("This field is required."),
    "int_parsing": lambda: _("Enter a whole number."),
    "int_type": lambda: _("Enter a whole number."),
    "float_parsing": lambda: _("Enter a number."),
    "decimal_parsing": lambda: _("Enter a number."),
    "string_type": lambda: _("Enter text."),
    "string_too_long": lambda: _("This text is too long."),
    "string_too_short": lambda: _("This text is too short."),
    "greater_than_equal": lambda: _("This number is too small."),
    "less_than_equal": lambda: _("This number is too large."),
    "greater_than": lambda: _("This number is too small."),
    "less_than": lambda: _("This number is too large."),
    "enum": lambda: _("This is not one of the allowed choices."),
    "literal_error": lambda: _("This is not one of the allowed choices."),
    "value_error": lambda: _("This value is not valid."),
    "json_invalid": lambda: _("The request body is not valid JSON."),
    "bool_parsing": lambda: _("Enter true or false."),
}


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = []
    for error in exc.errors:
        loc = [
            str(p) for p in error.get("loc", []) if p not in ("body", "payload", "query", "path")
        ]
        message = PYDANTIC_MESSAGES.get(
            str(error.get("type")), lambda: _("This value is not valid.")
        )()
        errors.append({"field": ".".join(loc), "message": message, "code": error.get("type")})
    return api.create_response(
        request, {"detail": _("Some fields are not valid."), "errors": errors}, status=422
    )


@api.exception_handler(DjangoValidationError)
def on_django_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    if hasattr(exc, "message_dict"):
        errors = [{"field": f, "message": m} for f, msgs in exc.message_dict.items() for m in msgs]
    else:
        errors = [{"field": "", "message": m} for m in exc.messages]
    return api.create_response(
        request, {"detail": _("Some fields are not valid."), "errors": errors}, status=422
    )


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(
        request, {"detail": str(exc) or _("You may not do this.")}, status=403
    )


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"detail": _("Sign in or send an API token.")}, status=401)


api.add_router("/accounts/", accounts_router)
api.add_router("/territory/", territory_router)
api.add_router("/network/", network_router)
api.add_router("/partners/", partners_router)
api.add_router("/households/", households_router)
api.add_router("/jobs/", jobs_router)
api.add_router("/stock/", inventory_router)
api.add_router("/rescue/", rescue_router)
api.add_router("/coldchain/", coldchain_router)
api.add_router("/allocation/", allocation_router)
api.add_router("/logistics/", logistics_router)
api.add_router("/grocery/mobile/", grocery_mobile_router)
api.add_router("/grocery/", grocery_router)
