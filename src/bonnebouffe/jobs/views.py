from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from bonnebouffe.core.http import HtmxHttpRequest

from .selectors import job_get, job_list
from .services import job_cancel


@login_required
def job_index(request: HttpRequest) -> HttpResponse:
    return render(request, "jobs/list.html", {"jobs": job_list(user=request.user)[:50]})


@login_required
def job_detail(request: HtmxHttpRequest, pk: str) -> HttpResponse:
    job = job_get(user=request.user, pk=pk)
    if job is None:
        raise Http404
    template = "jobs/detail.html#progress" if request.htmx else "jobs/detail.html"
    return render(request, template, {"job": job})


@login_required
@require_POST
def job_cancel_view(request: HtmxHttpRequest, pk: str) -> HttpResponse:
    job = job_get(user=request.user, pk=pk)
    if job is None:
        raise Http404
    job = job_cancel(job=job)
    if request.htmx:
        return render(request, "jobs/detail.html#progress", {"job": job})
    return redirect("jobs:detail", pk=job.pk)
