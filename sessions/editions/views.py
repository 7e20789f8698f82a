"""The organiser's series pages: joining a series, mapping an edition's challenge wordings,
and the comparison of this edition with the last."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.defaultfilters import date as date_filter
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST
from django_stubs_ext import StrOrPromise

from sessions.access import Action, get_event_for, get_workshop_for_delegate, may_see_series
from sessions.commands import invalid_form
from sessions.commitments import followups
from sessions.editions import compare, read, returning, services
from sessions.editions.forms import MappingForm, ReturnForm, SeriesForm
from sessions.errors import NOT_UNDERSTOOD, Conflict, InvalidInput
from sessions.models import AccessLink, Event
from sessions.requests import AuthenticatedHttpRequest
from sessions.responses import with_flash
from sessions.snapshot import scoring

NO_LAST = _(
    "This event has no earlier edition to compare with. Make it the next edition of one on "
    "its Editions page."
)


def _posted(request: HttpRequest) -> QueryDict | None:
    return request.POST if request.method == "POST" else None


def _other_events(user: User, event: Event) -> QuerySet[Event]:
    """Events `user` may set up (so may link to), other than `event`."""
    events = Event.objects.filter(is_rehearsal=False).exclude(pk=event.pk)
    if not user.is_superuser:
        events = events.filter(Q(facilitators=user) | Q(organisers=user)).distinct()
    return events.order_by("-date", "name")


def _series_page(
    request: AuthenticatedHttpRequest,
    event: Event,
    series_form: SeriesForm | None = None,
    mapping_form: MappingForm | None = None,
) -> HttpResponse:
    context: dict[str, object] = {"event": event, "series_form": series_form}
    if event.series is not None:
        challenges = list(event.series.challenges.all())
        context.update(
            editions=services.editions(event.series),
            may_see_report=may_see_series(request.user, event.series),
            challenges=challenges,
            mapping_form=mapping_form
            or MappingForm(wordings=services.wordings(event), challenges=challenges),
        )
    elif series_form is None:
        context["series_form"] = SeriesForm(events=_other_events(request.user, event))
    failed = (series_form and series_form.errors) or (mapping_form and mapping_form.errors)
    return render(request, "workshops/editions/series.html", context, status=400 if failed else 200)


@login_required
@require_GET
def series(request: AuthenticatedHttpRequest, event_id: int) -> HttpResponse:
    """The event's series: join one, or map this edition's challenge wordings."""
    event = get_event_for(request.user, event_id, Action.SURVEY)
    return _series_page(request, event)


@login_required
@require_POST
def series_join(request: AuthenticatedHttpRequest, event_id: int) -> HttpResponse:
    event = get_event_for(request.user, event_id, Action.SURVEY)
    form = SeriesForm(request.POST, events=_other_events(request.user, event))
    if not form.is_valid():
        return _series_page(request, event, series_form=form)
    previous = form.cleaned_data["previous"]
    name = form.cleaned_data["name"]
    if previous is None:
        services.start_series(event=event, name=name)
    else:
        services.follow_edition(event=event, previous=previous, name=name or previous.name)
    return redirect("workshops:series", event_id=event.pk)


@login_required
@require_POST
def series_mapping(request: AuthenticatedHttpRequest, event_id: int) -> HttpResponse:
    """Confirm the mapping of every wording at once."""
    event = get_event_for(request.user, event_id, Action.SURVEY)
    if event.series is None:
        raise Conflict(services.NO_SERIES)
    form = MappingForm(
        request.POST,
        wordings=services.wordings(event),
        challenges=list(event.series.challenges.all()),
    )
    if not form.is_valid():
        return _series_page(request, event, mapping_form=form)
    services.confirm_mapping(event=event, choices=form.choices())
    return redirect("workshops:series", event_id=event.pk)


@login_required
@require_GET
def compare_editions(request: AuthenticatedHttpRequest, event_id: int) -> HttpResponse:
    """This edition and the last, every figure suppressed below its group minimum."""
    event = get_event_for(request.user, event_id, Action.VIEW)
    last = services.last_edition(event)
    if last is None:
        raise Conflict(NO_LAST)
    now, then = compare.edition(event), compare.edition(last)
    pairs = compare.returning_pairs(last, event)
    context = {
        "event": event,
        "last": last,
        "now": now,
        "then": then,
        "moved": compare.moved(then.top, now.top),
        "outcomes": compare.outcomes(last),
        "dimensions": compare.dimensions(then.cohort, now.cohort, scoring.paired_change(pairs)),
        "pairs": compare.shown(len(pairs)),
        "paired": compare.paired(last, event),
    }
    return render(request, "workshops/editions/compare.html", context)


# --- the returning delegate ------------------------------------------------------------------


@require_POST
def bring_back(request: HttpRequest, commitment_id: int, token: str) -> HttpResponse:
    """From a follow-up link opened on a phone that joined a later edition: show the
    commitment on that phone, then go to its workshop."""
    link = followups.resolve_link(token, AccessLink.Purpose.CHECK_IN, commitment_id=commitment_id)
    assert link.commitment is not None  # a check-in link names its commitment
    delegate = returning.later_delegate(request.COOKIES, link.commitment)
    if delegate is None:
        raise Conflict(returning.NO_LATER_EDITION)
    returning.bring_back(link=link, delegate=delegate)
    latest = delegate.attendances.order_by("-joined_at", "-id").first()
    assert latest is not None  # a later edition's delegate is known by having joined
    return redirect("workshops:phone", workshop_id=latest.workshop_id)


@require_POST
def close_returned(request: HttpRequest, workshop_id: int, return_id: int) -> HttpResponse:
    """The phone's one tap on last edition's commitment: done, or renewed. Answered with
    the phone's #returned region over htmx, else by going back to the phone page."""
    workshop, delegate = get_workshop_for_delegate(request.COOKIES, workshop_id)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        raise invalid_form(form)
    key = form.command_key()
    if key is None:
        raise InvalidInput(NOT_UNDERSTOOD)
    returned = returning.close_return(
        workshop_id=workshop.pk,
        delegate=delegate,
        return_id=return_id,
        outcome=form.cleaned_data["outcome"],
        key=key,
    )
    if not getattr(request, "htmx", False):
        return redirect(reverse("workshops:phone", args=[workshop.pk]) + "#returned")
    # The answer's words go in the page's #flash: the delegate's sockets (this page's too)
    # redraw #returned as it now is, and may do so after this answer has been swapped in.
    message: StrOrPromise = _("Marked done. Well done.")
    if returned.outcome == "renewed":
        done_by = date_filter(returned.commitment.done_by, "j M Y")
        message = _("Kept going: done by %(date)s. We will check in on it again.") % {
            "date": done_by
        }
    context = {**read.returned_context(workshop, delegate), "oob": True}
    return with_flash(render_to_string(read.TEMPLATE, context, request=request), message)
