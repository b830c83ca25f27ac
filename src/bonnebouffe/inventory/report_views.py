"""Pages of the stock reports: the valorisation reconciliation, traceability and recalls.

Reconciliation: staff and evaluators (totals only for evaluators: no lot code, no lot list).
Traceability, CSV, recall notice and the recall action: staff, within `lot_scope_q`; the
recall action is for network administrators and hub coordinators.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from bonnebouffe.accounts.models import AuditAction
from bonnebouffe.accounts.selectors import Scope, scope_for
from bonnebouffe.core.http import HtmxHttpRequest
from bonnebouffe.jobs.selectors import job_get
from bonnebouffe.network.models import Organisation
from bonnebouffe.territory.models import MRC

from .report_jobs import RECALL_REPORT, recall_report_submit
from .report_queries import (
    TraceReport,
    donor_choices,
    may_recall,
    period_bounds,
    recall_notice_organisations,
    reconciliation_build,
    reconciliation_lots,
    report_hubs,
    report_mrcs,
    trace_report,
    trace_start_lots,
)
from .reports import trace_csv
from .selectors import lot_get
from .services import lot_recall_notify, trace_people_open

MOVEMENTS_SHOWN = 500  # on the page; the CSV and the PDF have them all


class DateInput(forms.DateInput):
    input_type = "date"  # the browser's calendar; the value is always YYYY-MM-DD

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class ReconciliationForm(forms.Form):
    hub = forms.ModelChoiceField(
        label=gettext_lazy("Hub"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=gettext_lazy("All the hubs I may see"),
    )
    mrc = forms.ModelChoiceField(
        label=gettext_lazy("MRC"),
        queryset=MRC.objects.none(),
        required=False,
        empty_label=gettext_lazy("All MRCs"),
    )
    lot = forms.CharField(label=gettext_lazy("Lot code"), required=False, max_length=20)
    start = forms.DateField(
        label=gettext_lazy("From (day included)"), required=False, widget=DateInput()
    )
    end = forms.DateField(
        label=gettext_lazy("To (day included)"), required=False, widget=DateInput()
    )

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["hub"].queryset = report_hubs(scope)  # type: ignore[attr-defined]
        self.fields["mrc"].queryset = report_mrcs(scope)  # type: ignore[attr-defined]
        if not scope.sees_records:  # evaluators: totals only
            del self.fields["lot"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError(_("The first day must come before the last day."))
        return data


class TraceForm(forms.Form):
    lot = forms.CharField(label=gettext_lazy("Lot code"), required=False, max_length=20)
    donor = forms.ModelChoiceField(
        label=gettext_lazy("Donor"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=gettext_lazy("Any donor"),
    )
    product = forms.CharField(
        label=gettext_lazy("Product name contains"), required=False, max_length=100
    )

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["donor"].queryset = donor_choices(scope)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["lot"] = (data.get("lot") or "").strip()
        data["product"] = (data.get("product") or "").strip()
        if not (data["lot"] or data.get("donor") or data["product"]):
            raise forms.ValidationError(_("Give a lot code, a donor or a product name."))
        return data

    def criteria(self) -> dict[str, Any]:
        donor = self.cleaned_data.get("donor")
        return {
            "lot_code": self.cleaned_data["lot"],
            "donor_id": donor.pk if donor else None,
            "product": self.cleaned_data["product"],
        }

    def query(self) -> str:
        donor = self.cleaned_data.get("donor")
        params = {
            "lot": self.cleaned_data["lot"],
            "donor": donor.pk if donor else "",
            "product": self.cleaned_data["product"],
        }
        return urlencode({k: v for k, v in params.items() if v})


def _staff(request: HttpRequest) -> Scope:
    scope = scope_for(request.user)
    if not scope.sees_records:
        raise PermissionDenied
    return scope


# --- Reconciliation ------------------------------------------------------------------


@login_required
def reconciliation(request: HtmxHttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not scope.sees_aggregates:
        raise PermissionDenied
    form = ReconciliationForm(request.GET or None, scope=scope)
    report = None
    if not request.GET or form.is_valid():
        data = form.cleaned_data if form.is_bound else {}
        hub, mrc = data.get("hub"), data.get("mrc")
        lots = reconciliation_lots(
            scope=scope,
            hub_id=hub.pk if hub else None,
            mrc_id=mrc.pk if mrc else None,
            lot_code=data.get("lot") or "",
        )
        start, end = period_bounds(data.get("start"), data.get("end"))
        report = reconciliation_build(lots=lots, start=start, end=end)
    template = (
        "inventory/reports/reconciliation.html#results"
        if request.htmx
        else "inventory/reports/reconciliation.html"
    )
    return render(
        request,
        template,
        {"form": form, "report": report, "lot_level": scope.sees_records},
    )


# --- Traceability --------------------------------------------------------------------


def _trace_page(
    request: HttpRequest,
    *,
    form: TraceForm,
    report: TraceReport | None = None,
    upstream: TraceReport | None = None,
    status: int = 200,
    template: str = "inventory/reports/trace.html",
) -> HttpResponse:
    scope = scope_for(request.user)
    return render(
        request,
        template,
        {
            "form": form,
            "report": report,
            "upstream": upstream,
            "query": form.query() if form.is_bound and form.is_valid() else "",
            "may_recall": may_recall(scope),
            "movements_shown": MOVEMENTS_SHOWN,
        },
        status=status,
    )


def _trace_from(form: TraceForm, scope: Scope) -> TraceReport:
    start = trace_start_lots(scope=scope, **form.criteria())
    return trace_report(scope=scope, lot_ids=list(start.values_list("pk", flat=True)))


def _with_people(request: HttpRequest, report: TraceReport, *, action: str, detail: str) -> None:
    """Add the households (or their count) to a downstream trace; names shown are logged."""
    trace_people_open(
        scope=scope_for(request.user),
        actor=request.user,
        report=report,
        action=action,
        detail=detail,
        ip_address=request.META.get("REMOTE_ADDR"),
    )


@login_required
def trace(request: HtmxHttpRequest) -> HttpResponse:
    scope = _staff(request)
    form = TraceForm(request.GET or None, scope=scope)
    report = _trace_from(form, scope) if form.is_bound and form.is_valid() else None
    if report is not None:
        _with_people(request, report, action=AuditAction.VIEW, detail="trace page")
    template = (
        "inventory/reports/trace.html#results" if request.htmx else "inventory/reports/trace.html"
    )
    return _trace_page(request, form=form, report=report, template=template)


@login_required
def trace_upstream(request: HtmxHttpRequest) -> HttpResponse:
    """Where a lot came from: the lots and donors upstream, through transformations."""
    scope = _staff(request)
    lot = lot_get(scope=scope, code=(request.GET.get("lot") or "").strip())
    if lot is None:
        raise Http404
    upstream = trace_report(scope=scope, lot_ids=[lot.pk], direction="up")
    form = TraceForm(scope=scope, initial={"lot": lot.code})
    template = (
        "inventory/reports/trace.html#upstream" if request.htmx else "inventory/reports/trace.html"
    )
    return _trace_page(request, form=form, upstream=upstream, template=template)


@login_required
def trace_export_csv(request: HttpRequest) -> HttpResponse:
    scope = _staff(request)
    form = TraceForm(request.GET or None, scope=scope)
    if not form.is_valid():
        return _trace_page(request, form=form, status=400)
    report = _trace_from(form, scope)
    _with_people(request, report, action=AuditAction.EXPORT, detail="trace csv")
    response = HttpResponse(trace_csv(report), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="tracabilite-{stamp}.csv"'
    return response


@login_required
@require_POST
def recall_pdf(request: HttpRequest) -> HttpResponse:
    """Queue the recall notice PDF; the job page shows progress, then the download link."""
    scope = _staff(request)
    form = TraceForm(request.POST, scope=scope)
    if not form.is_valid():
        return _trace_page(request, form=form, status=400)
    if not trace_start_lots(scope=scope, **form.criteria()).exists():
        messages.error(request, _("No lot of your territory matches these criteria."))
        return redirect(reverse("inventory:trace") + "?" + form.query())
    job = recall_report_submit(user=request.user, **form.criteria())
    return redirect("inventory:recall_job", pk=job.pk)


def _own_recall_job(request: HttpRequest, pk: Any) -> Any:
    job = job_get(user=request.user, pk=pk)
    if job is None or job.kind != RECALL_REPORT or job.owner_id != request.user.pk:
        raise Http404
    return job


@login_required
def recall_job(request: HtmxHttpRequest, pk: str) -> HttpResponse:
    job = _own_recall_job(request, pk)
    template = (
        "inventory/reports/recall_job.html#progress"
        if request.htmx
        else "inventory/reports/recall_job.html"
    )
    return render(request, template, {"job": job})


@login_required
def recall_download(request: HttpRequest, pk: str) -> FileResponse:
    """The PDF, for the person who asked for it only."""
    job = _own_recall_job(request, pk)
    name = (job.result or {}).get("file") if job.status == "succeeded" else None
    if not name or not default_storage.exists(name):
        raise Http404
    stamp = timezone.localtime(job.finished_at or job.created_at).strftime("%Y-%m-%d-%H%M")
    return FileResponse(
        default_storage.open(name, "rb"),
        as_attachment=True,
        filename=f"avis-de-rappel-{stamp}.pdf",
        content_type="application/pdf",
    )


# --- Recall action -------------------------------------------------------------------


@transaction.atomic
@login_required
@require_http_methods(["GET", "POST"])
def recall_lots(request: HttpRequest) -> HttpResponse:
    """Confirm, then recall every lot of the trace (administrators and coordinators)."""
    scope = _staff(request)
    if not may_recall(scope):
        raise PermissionDenied
    form = TraceForm(request.POST if request.method == "POST" else request.GET, scope=scope)
    if not form.is_valid():
        return _trace_page(request, form=form, status=400)
    report = _trace_from(form, scope)
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        recalled, told = lot_recall_notify(report=report, query=form.query())
        if recalled:
            messages.success(
                request,
                _("%(lots)s lots recalled; %(orgs)s organisations notified.")
                % {"lots": recalled, "orgs": told},
            )
        else:
            messages.info(request, _("These lots were already recalled."))
        return redirect(reverse("inventory:trace") + "?" + form.query())
    return render(
        request,
        "inventory/reports/recall_confirm.html",
        {
            "form": form,
            "report": report,
            "to_recall": [lt for lt in report.lots if not lt.lot.recalled],
            "organisations": recall_notice_organisations(report),
        },
    )
