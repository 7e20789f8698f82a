"""The organiser's dashboard: for each event and workshop, delegates, commitments and the
follow-up funnel with its denominators, and every commitment's latest status."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, QuerySet
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_GET

from sessions.access import Action, get_event_for
from sessions.commitments.funnel import funnel
from sessions.models import CheckIn, Commitment, Event, Workshop
from sessions.peers.services import counts as peer_counts
from sessions.requests import AuthenticatedHttpRequest
from sessions.spreadsheet import csv_response


def _commitments(event: Event) -> QuerySet[Commitment]:
    return Commitment.objects.filter(step__workshop__event=event)


@login_required
@require_GET
def dashboard(request: AuthenticatedHttpRequest, event_id: int) -> HttpResponse:
    event = get_event_for(request.user, event_id, Action.VIEW)
    workshops = (
        Workshop.objects.filter(event=event)
        .annotate(delegate_count=Count("attendances", distinct=True))
        .order_by("created_at")
    )
    rows = [
        (workshop, funnel(_commitments(event).filter(step__workshop=workshop)))
        for workshop in workshops
    ]
    latest = CheckIn.objects.order_by("-created_at", "-id")
    commitments = (
        _commitments(event)
        .select_related("step__workshop", "delegate", "challenge", "cluster")
        .prefetch_related(Prefetch("check_ins", queryset=latest))
        .order_by("step__workshop__created_at", "created_at", "id")
    )
    context = {
        "event": event,
        "delegate_count": event.delegates.count(),
        "total": funnel(_commitments(event)),
        "workshops": rows,
        "commitments": commitments,
        "peers": peer_counts(event),
    }
    return render(request, "workshops/dashboard.html", context)


CSV_HEADER = (
    "workshop", "commitment id", "made at", "action", "about", "first step when",
    "first step then", "first step on", "measure", "done by", "help wanted", "followed up",
    "name", "email", "latest status", "status given at", "first step taken", "check-ins",
    "latest what happened", "latest verdict", "latest next step",
)  # fmt: skip


def _csv_row(c: Commitment) -> tuple[object, ...]:
    latest = max(c.check_ins.all(), key=lambda ci: (ci.created_at, ci.pk), default=None)
    named = c.consent and c.delegate_id is not None
    delegate = c.delegate if named else None
    return (
        c.step.workshop.title, c.pk, c.created_at, f"I will {c.action}" if c.action else "",
        c.linked_to, c.first_step_when, c.first_step_then, c.first_step_on, c.measure,
        c.done_by, "; ".join(c.help_wanted), c.consent,
        delegate.display_name if delegate else "", c.email if named else "",
        c.status_label, c.status_at,
        c.first_step_taken, len(c.check_ins.all()),
        latest.what_happened if latest else "",
        latest.get_verdict_display() if latest and latest.verdict else "",
        latest.next_step if latest else "",
    )  # fmt: skip


@login_required
@require_GET
def dashboard_csv(request: AuthenticatedHttpRequest, event_id: int) -> HttpResponseBase:
    """Every commitment of the event with its latest status, streamed in chunks of 500."""
    event = get_event_for(request.user, event_id, Action.VIEW)
    rows = (
        _commitments(event)
        .select_related("step__workshop", "delegate", "challenge", "cluster")
        .prefetch_related("check_ins")
        .order_by("id")
    )
    return csv_response(
        f"commitments-event-{event.pk}.csv",
        CSV_HEADER,
        (_csv_row(c) for c in rows.iterator(chunk_size=500)),
    )
