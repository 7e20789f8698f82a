"""The console's "Rehearse this installation": start a rehearsal in the background, follow it,
and the last few verdicts. For facilitators only (`access.require_facilitator`)."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_safe

from sessions.access import require_facilitator
from sessions.errors import Conflict, NotFound
from sessions.models import Rehearsal
from sessions.rehearsal import services
from sessions.rehearsal.figures import limits_text, rows
from sessions.rehearsal.forms import RehearsalForm
from sessions.requests import AuthenticatedHttpRequest
from sessions.responses import request_base_url

RECENT = 5


@login_required
@require_http_methods(["GET", "POST"])
def rehearsals(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The form (a second start while one runs is refused, 409) and the recent verdicts."""
    user = require_facilitator(request.user)
    form = RehearsalForm(request.POST or None)
    status, refused = 200, ""
    if request.method == "POST":
        if form.is_valid():
            try:
                rehearsal = services.start_in_background(
                    url=settings.PUBLIC_URL or request_base_url(request),
                    phones=form.cleaned_data["phones"],
                    user=user,
                )
            except Conflict as refusal:
                refused = refusal.message
                status = refusal.status
            else:
                return redirect("workshops:rehearsal", rehearsal_id=rehearsal.pk)
        else:
            status = 400
    context = {
        "form": form,
        "recent": Rehearsal.objects.all()[:RECENT],
        "limits": limits_text(),
        "refusal": refused,
        "running": Rehearsal.objects.filter(state=Rehearsal.State.RUNNING).first(),
    }
    return render(request, "workshops/rehearsal/rehearsals.html", context, status=status)


@login_required
@require_safe
def rehearsal(request: AuthenticatedHttpRequest, rehearsal_id: int) -> HttpResponse:
    """One rehearsal: its progress while it runs (htmx polls the partial), then its verdict
    and figures."""
    require_facilitator(request.user)
    found = Rehearsal.objects.filter(pk=rehearsal_id).first()
    if found is None:
        raise NotFound(_("That rehearsal does not exist."))
    template = "workshops/rehearsal/rehearsal.html"
    if request.htmx:
        template += "#progress"
    context = {
        "rehearsal": found,
        "rows": rows(found.figures) if found.figures else [],
        "limits": limits_text(),
    }
    return render(request, template, context)
