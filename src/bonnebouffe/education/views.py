"""Pages of the education side: recipes (with this week's surplus suggestions), the weekly
budget helper, the workshop calendar with registration, and the needs survey."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from bonnebouffe.accounts.selectors import Scope, scope_for

from .errors import EducationError
from .forms import BudgetForm, RegistrationForm, SurveyForm
from .models import MAX_SEATS_PER_REGISTRATION
from .selectors import (
    network_id_for,
    recipe_cost_for,
    recipe_get,
    recipe_plate,
    surplus_suggestions,
    survey_answerable_by,
    survey_mrc_choices,
    survey_municipality_choices,
    survey_results_visible_to,
    weekly_budget,
    workshop_list_upcoming,
)
from .selectors import (
    recipe_list as recipe_list_selector,
)
from .selectors import (
    survey_results as survey_results_selector,
)
from .services import survey_response_submit, workshop_registration_cancel
from .services import workshop_register as workshop_register_service

# The plate groups carry the names of the matching food categories (same messages).
PLATE_LABELS = {
    "vegetables_fruits": gettext_lazy("Vegetables and fruits"),
    "whole_grains": gettext_lazy("Whole grain foods"),
    "protein": gettext_lazy("Protein foods"),
}


def _network(request: HttpRequest) -> tuple[Scope, int | None]:
    scope = scope_for(request.user)
    return scope, network_id_for(scope)


def _plate_rows(shares: object) -> list[tuple[str, int, int]]:
    rows = shares.as_rows()  # type: ignore[attr-defined]
    return [(str(PLATE_LABELS[group]), share, target) for group, share, target in rows]


@login_required
def recipe_list(request: HttpRequest) -> HttpResponse:
    scope, network_id = _network(request)
    recipes = list(recipe_list_selector(network_id=network_id)) if network_id else []
    suggestions = surplus_suggestions(network_id=network_id) if network_id else []
    return render(
        request,
        "education/recipe_list.html",
        {
            "recipes": recipes,
            "suggestions": suggestions,
            "can_answer_survey": survey_answerable_by(scope),
        },
    )


@login_required
def recipe_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _scope, network_id = _network(request)
    recipe = recipe_get(network_id=network_id, pk=pk) if network_id else None
    if recipe is None or network_id is None:
        raise Http404
    plate = recipe_plate(recipe=recipe)
    return render(
        request,
        "education/recipe_detail.html",
        {
            "recipe": recipe,
            "plate": plate,
            "plate_rows": _plate_rows(plate),
            "cost": recipe_cost_for(recipe=recipe, network_id=network_id),
        },
    )


@login_required
def budget(request: HttpRequest) -> HttpResponse:
    _scope, network_id = _network(request)
    form = BudgetForm(request.GET if "household_size" in request.GET else None)
    result = None
    no_policy = False
    if form.is_valid() and network_id is not None:
        result = weekly_budget(
            network_id=network_id, household_size=form.cleaned_data["household_size"]
        )
        no_policy = result is None
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(
        request,
        "education/budget.html",
        {
            "form": form,
            "budget": result,
            "no_policy": no_policy or network_id is None,
            "plate_rows": [
                (
                    str(PLATE_LABELS["vegetables_fruits"]),
                    Decimal(result.vegetables_fruits_cents) / 100,
                    50,
                ),
                (str(PLATE_LABELS["whole_grains"]), Decimal(result.whole_grains_cents) / 100, 25),
                (str(PLATE_LABELS["protein"]), Decimal(result.protein_cents) / 100, 25),
            ]
            if result
            else [],
        },
        status=status,
    )


@login_required
def workshop_list(request: HttpRequest) -> HttpResponse:
    _scope, network_id = _network(request)
    workshops = (
        list(workshop_list_upcoming(network_id=network_id, user_id=request.user.pk))
        if network_id
        else []
    )
    for w in workshops:
        w.seats_left = max(w.capacity - w.seats_taken, 0)  # type: ignore[attr-defined]
        w.seat_choices = range(  # type: ignore[attr-defined]
            1,
            min(MAX_SEATS_PER_REGISTRATION, w.seats_left) + 1,  # type: ignore[attr-defined]
        )
    return render(request, "education/workshop_list.html", {"workshops": workshops})


@login_required
@require_POST
def workshop_register(request: HttpRequest, pk: int) -> HttpResponse:
    _scope, network_id = _network(request)
    if network_id is None:
        raise PermissionDenied
    form = RegistrationForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            _("Choose between 1 and %(max)s seats.") % {"max": MAX_SEATS_PER_REGISTRATION},
        )
        return redirect("education:workshop_list")
    try:
        registration = workshop_register_service(
            network_id=network_id,
            workshop_id=pk,
            user=request.user,
            seats=form.cleaned_data["seats"],
        )
    except EducationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("You are registered for “%(title)s” (seats: %(seats)s).")
            % {"title": registration.workshop.title, "seats": registration.seats},
        )
    return redirect("education:workshop_list")


@login_required
@require_POST
def workshop_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        workshop_registration_cancel(workshop_id=pk, user=request.user)
    except EducationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your registration was cancelled. Thank you for telling us."))
    return redirect("education:workshop_list")


@login_required
def survey(request: HttpRequest) -> HttpResponse:
    scope, network_id = _network(request)
    if network_id is None or not survey_answerable_by(scope):
        raise PermissionDenied
    form = SurveyForm(
        request.POST or None,
        mrcs=survey_mrc_choices(network_id=network_id),
        municipalities=survey_municipality_choices(network_id=network_id),
    )
    if request.method == "POST" and form.is_valid():
        try:
            survey_response_submit(network_id=network_id, **form.cleaned_data)
        except EducationError as exc:
            form.add_error("mrc", exc.message)
        else:
            messages.success(request, _("Thank you! Your answer was recorded without your name."))
            return redirect("education:survey")
    return render(request, "education/survey_form.html", {"form": form})


@login_required
def survey_results(request: HttpRequest) -> HttpResponse:
    scope, network_id = _network(request)
    if network_id is None or not survey_results_visible_to(scope):
        raise PermissionDenied
    rows = survey_results_selector(network_id=network_id)
    return render(
        request,
        "education/survey_results.html",
        {"rows": rows, "total": sum(r.responses for r in rows)},
    )
