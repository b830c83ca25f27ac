from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .models import ApiToken, Role
from .selectors import audit_log_list, scope_for
from .services import api_token_create, api_token_revoke

DEMO_PASSWORD = "bonnebouffe-demo"

# One demo account per role; the demo generator creates them.
DEMO_ACCOUNTS: list[tuple[str, str]] = [
    ("admin.reseau", Role.NETWORK_ADMIN),
    ("coord.roussillon", Role.HUB_COORDINATOR),
    ("coord.hsl", Role.HUB_COORDINATOR),
    ("donneur.ferme", Role.DONOR),
    ("chauffeur.roussillon", Role.DRIVER),
    ("cuisine.partagee", Role.KITCHEN_MANAGER),
    ("epicerie.valleyfield", Role.GROCERY_STAFF),
    ("organisme.chateauguay", Role.AGENCY_STAFF),
    ("evaluation", Role.EVALUATOR),
    ("menage.demo", Role.HOUSEHOLD),
]


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):  # type: ignore[no-untyped-def]
        context = super().get_context_data(**kwargs)
        if settings.DEMO_MODE:
            context["demo_accounts"] = [(u, Role(r).label) for u, r in DEMO_ACCOUNTS]
            context["demo_password"] = DEMO_PASSWORD
        return context


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    if not scope_for(request.user).is_admin:
        raise PermissionDenied
    page = Paginator(audit_log_list(), 50).get_page(request.GET.get("page"))
    return render(request, "accounts/audit_log.html", {"page": page})


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    new_secret = None
    if request.method == "POST":
        name = (request.POST.get("name") or "").strip()[:100]
        if not name:
            messages.error(request, _("Give the token a name."))
        else:
            _token, new_secret = api_token_create(user=request.user, name=name)  # type: ignore[arg-type]
    return render(
        request,
        "accounts/tokens.html",
        {
            "tokens": ApiToken.objects.filter(user_id=int(request.user.pk or 0)),
            "new_secret": new_secret,
        },
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    if api_token_revoke(user=request.user, token_id=pk):  # type: ignore[arg-type]
        messages.success(request, _("The token was revoked."))
    return redirect("accounts:tokens")
