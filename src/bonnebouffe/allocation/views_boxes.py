"""Pages of portioned boxes: list and create compositions, assemble boxes at a hub site."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from bonnebouffe.accounts.selectors import Scope, scope_for
from bonnebouffe.inventory.models import Allergen

from .boxes import (
    box_assemble,
    box_assembly_get,
    box_assembly_list,
    box_can_manage,
    box_composition_create,
    box_composition_list,
    box_networks,
    box_sites,
)
from .errors import AllocationFailed
from .forms_boxes import BoxAssembleForm, BoxCompositionForm


def _manager(request: HttpRequest) -> Scope:
    scope = scope_for(request.user)
    if not box_can_manage(scope):
        raise PermissionDenied
    return scope


@login_required
def box_list(request: HttpRequest) -> HttpResponse:
    scope = _manager(request)
    return render(
        request,
        "allocation/box_list.html",
        {
            "compositions": box_composition_list(scope=scope),
            "assemblies": box_assembly_list(scope=scope)[:20],
        },
    )


@login_required
def box_create(request: HttpRequest) -> HttpResponse:
    scope = _manager(request)
    networks = {n.pk: n for n in box_networks(scope)}
    form = BoxCompositionForm(
        request.POST or None, network_choices=[(pk, n.name) for pk, n in networks.items()]
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            box_composition_create(
                scope=scope,
                network=networks[d["network"]],
                name=d["name"],
                description=d["description"],
                storage_class=d["storage_class"],
                lines=form.lines(),
            )
        except AllocationFailed as exc:
            form.add_error(None, exc.message)
            for detail in exc.details:
                form.add_error(None, detail)
        else:
            messages.success(request, _("Box saved."))
            return redirect("allocation:box_list")
    return render(request, "allocation/box_form.html", {"form": form})


@login_required
def box_assemble_view(request: HttpRequest) -> HttpResponse:
    scope = _manager(request)
    compositions = {c.pk: c for c in box_composition_list(scope=scope).filter(is_active=True)}
    sites = {s.pk: s for s in box_sites(scope)}
    form = BoxAssembleForm(
        request.POST or None,
        initial={"composition": request.GET.get("panier")},
        composition_choices=[
            (pk, f"{c.name} ({c.box_weight_g / 1000:.3f} kg)") for pk, c in compositions.items()
        ],
        site_choices=[(pk, f"{s.organisation.name} · {s.name}") for pk, s in sites.items()],
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            assembly = box_assemble(
                composition=compositions[d["composition"]],
                site=sites[d["site"]],
                count=d["count"],
                actor=request.user,
                scope=scope,
            )
        except AllocationFailed as exc:
            form.add_error(None, exc.message)
            for detail in exc.details:
                form.add_error(None, detail)
        else:
            messages.success(request, _("Boxes assembled."))
            return redirect("allocation:box_assembly", assembly.pk)
    return render(request, "allocation/box_assemble.html", {"form": form})


@login_required
def box_assembly_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = _manager(request)
    assembly = box_assembly_get(scope=scope, pk=pk)
    if assembly is None:
        raise Http404
    labels = dict(Allergen.choices)
    inputs = assembly.transformation.movements.filter(kind="transform_in").select_related("lot")
    return render(
        request,
        "allocation/box_assembly.html",
        {
            "assembly": assembly,
            "inputs": inputs,
            "allergens": [labels.get(a, a) for a in assembly.box_lot.allergens or []],
        },
    )
