"""The Productivity Snapshot: the delegate's pages (by invitation, then by their own link)
and the organiser's page for an event.

Each answer is its own POST: htmx sends it and gets the next screen as an out-of-band
`#snapshot-card` (with its address pushed to the history); without JavaScript the form
posts and is redirected to the next screen.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.forms import Form
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from sessions.access import Action, get_event_for
from sessions.errors import InvalidInput, NotFound
from sessions.identity import read_delegate_key, remember_delegate
from sessions.models import SnapshotResponse
from sessions.requests import AuthenticatedHttpRequest, HtmxHttpRequest
from sessions.snapshot import services
from sessions.snapshot.bank import DIMENSION_BY_CODE, ITEMS, NOT_SURE, SCALE, item_text
from sessions.snapshot.forms import AboutForm, AnswerForm, ChallengesForm, SetupForm, item_field
from sessions.snapshot.report import export_header, export_rows, organiser_context, results_context
from sessions.spreadsheet import csv_response

FLOW = "workshops/snapshot/flow.html"


# --- the delegate ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, token: str) -> HttpResponse:
    """The organiser's invitation: start (or, on a known phone, continue) the Snapshot."""
    setup = services.setup_by_invitation(token)
    key = read_delegate_key(request.COOKIES, setup.event_id)
    if request.method == "POST":
        response = services.start(setup=setup, delegate_key=key)
        answer = redirect("workshops:snapshot_resume", token=response.token)
        remember_delegate(answer, setup.event_id, response.delegate.key)
        return answer
    mine = SnapshotResponse.objects.filter(delegate__key=key, round=1).first() if key else None
    context = {"setup": setup, "event": setup.event, "mine": mine, "count": len(ITEMS)}
    return render(request, "workshops/snapshot/invite.html", context)


@require_safe
def resume(request: HttpRequest, token: str) -> HttpResponse:
    """The delegate's own link: on to where they left off, from any device (which then
    knows them at this event too)."""
    response = services.response_by_token(token)
    answer = redirect(_place_url(response, *services.next_place(response)))
    remember_delegate(answer, response.setup.event_id, response.delegate.key)
    return answer


def _place_url(response: SnapshotResponse, place: str, number: int | None = None) -> str:
    if place == "item":
        return reverse("workshops:snapshot_item", args=[response.token, number])
    return reverse(f"workshops:snapshot_{place}", args=[response.token])


def _item_number(number: int) -> int:
    if not 1 <= number <= len(ITEMS):
        raise NotFound(_("The Snapshot has questions 1 to %(n)d.") % {"n": len(ITEMS)})
    return number


def _flow(
    request: HtmxHttpRequest,
    response: SnapshotResponse,
    place: str,
    *,
    number: int | None = None,
    form: Form | None = None,
    status: int = 200,
) -> HttpResponse:
    """A screen of the Snapshot: the whole page, or for htmx the card and a new address."""
    context: dict[str, Any] = {
        "response": response,
        "place": place,
        "total": len(ITEMS),
        "form": form,
    }
    if place == "item" and number is not None:
        item = ITEMS[number - 1]
        answers = services.answers_of(response)
        context.update(
            number=number,
            item_text=item_text(item.code, response.setup.wording),
            dimension=DIMENSION_BY_CODE[item.dimension],
            scale=SCALE,
            not_sure=NOT_SURE,
            current=("unsure" if answers.get(item.code, 0) is None else answers.get(item.code)),
            answered=item.code in answers,
            done=len(answers),
        )
    if not request.htmx or request.method == "GET":
        return render(request, FLOW, context, status=status)
    html = render_to_string(f"{FLOW}#card", context, request=request)
    answer = HttpResponse(html, status=status)
    if status < 400:
        answer["HX-Push-Url"] = _place_url(response, place, number)
    return answer


@require_http_methods(["GET", "POST"])
def item(request: HtmxHttpRequest, token: str, number: int) -> HttpResponse:
    """One question. A POST saves the answer at once and moves to the next screen."""
    response = services.response_by_token(token)
    number = _item_number(number)
    if request.method == "GET":
        return _flow(request, response, "item", number=number)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(_("Choose one of the answers shown, or “not sure”. Nothing was saved."))
    services.answer(response=response, item=ITEMS[number - 1].code, value=form.answer())
    if number < len(ITEMS):
        return _go(request, response, "item", number + 1)
    return _go(request, response, "about")


def _go(
    request: HtmxHttpRequest, response: SnapshotResponse, place: str, number: int | None = None
) -> HttpResponse:
    if not request.htmx:
        return redirect(_place_url(response, place, number))
    form: Form | None = None
    if place == "about":
        form = AboutForm(initial=_profile(response))
    elif place == "challenges":
        form = ChallengesForm(offered=response.setup.challenges)
    return _flow(request, response, place, number=number, form=form)


def _posted(request: HttpRequest) -> QueryDict | None:
    """The posted data, or None for a GET (an empty POST still binds its form)."""
    return request.POST if request.method == "POST" else None


def _profile(response: SnapshotResponse) -> dict[str, Any]:
    return {name: getattr(response, name) for name in services.PROFILE_FIELDS}


@require_http_methods(["GET", "POST"])
def about(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """Sector, size, region, role and the consent choices."""
    response = services.response_by_token(token)
    form = AboutForm(_posted(request), initial=_profile(response))
    if request.method == "POST":
        if not form.is_valid():
            return _flow(request, response, "about", form=form, status=400)
        services.save_profile(response=response, **form.cleaned_data)
        return _go(request, response, "challenges")
    return _flow(request, response, "about", form=form)


@require_http_methods(["GET", "POST"])
def challenges(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """The top-3 challenges, then finish. Finishing again changes nothing."""
    response = services.response_by_token(token)
    if response.is_complete:
        return redirect("workshops:snapshot_results", token=response.token)
    offered = response.setup.challenges
    form = ChallengesForm(_posted(request), offered=offered, initial={"picks": response.challenges})
    if request.method == "POST":
        if not form.is_valid():
            return _flow(request, response, "challenges", form=form, status=400)
        services.finish(
            response=response, picks=form.cleaned_data["picks"], other=form.cleaned_data["other"]
        )
        answer: HttpResponse = redirect("workshops:snapshot_results", token=response.token)
        if request.htmx:
            answer = HttpResponse(status=204)
            answer["HX-Redirect"] = reverse("workshops:snapshot_results", args=[response.token])
        return answer
    return _flow(request, response, "challenges", form=form)


@require_safe
def results(request: HttpRequest, token: str) -> HttpResponse:
    response = services.response_by_token(token)
    if not response.is_complete:
        return redirect(_place_url(response, *services.next_place(response)))
    context = results_context(response)
    context["own_link"] = request.build_absolute_uri(
        reverse("workshops:snapshot_resume", args=[response.token])
    )
    return render(request, "workshops/snapshot/results.html", context)


@require_http_methods(["GET", "POST"])
def retake(request: HttpRequest, token: str) -> HttpResponse:
    """The day-90 retake, reached from the first round's link."""
    first = services.response_by_token(token)
    if request.method == "POST":
        second = services.start_retake(first=first)
        return redirect("workshops:snapshot_resume", token=second.token)
    return render(request, "workshops/snapshot/retake.html", {"first": first})


# --- the organiser ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def organiser(request: AuthenticatedHttpRequest, event_id: int) -> HttpResponse:
    """Set-up (state, challenges, wording of non-core items) and the figures."""
    event = get_event_for(request.user, event_id, Action.SURVEY)
    setup = services.setup_for(event)
    initial = {"state": setup.state, "challenges": "\n".join(setup.challenges)}
    initial.update({item_field(code): text for code, text in setup.wording.items()})
    form = SetupForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        services.configure(
            setup=setup,
            state=form.cleaned_data["state"],
            challenges=form.cleaned_data["challenges"],
            wording=form.wording(),
        )
        return redirect("workshops:snapshot_organiser", event_id=event.pk)
    context = organiser_context(setup)
    context.update(
        event=event,
        form=form,
        invite_url=request.build_absolute_uri(
            reverse("workshops:snapshot_invite", args=[setup.invite_token])
        ),
    )
    status = 400 if form.errors else 200
    return render(request, "workshops/snapshot/organiser.html", context, status=status)


@login_required
@require_GET
def export(request: AuthenticatedHttpRequest, event_id: int) -> HttpResponseBase:
    """Finished responses whose consent allows export, one row each, no names."""
    event = get_event_for(request.user, event_id, Action.VIEW)
    setup = services.setup_for(event)
    return csv_response(f"snapshot-event-{event.pk}.csv", export_header(), export_rows(setup))
