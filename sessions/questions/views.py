"""The Q&A's pages: a delegate asks and upvotes (htmx or plain form posts), the facilitator
switches and moderates from the console."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django_stubs_ext import StrOrPromise

from sessions import ratelimit
from sessions.access import get_membership, get_workshop_for_facilitator, member_id
from sessions.commands import invalid_form
from sessions.errors import NOT_UNDERSTOOD, InvalidInput
from sessions.live.audiences import DELEGATE, FACILITATOR
from sessions.live.regions import render_regions
from sessions.live.views import answer
from sessions.middleware import send_uncompressed
from sessions.models import Change, Delegate, Workshop
from sessions.questions import read, services
from sessions.questions.forms import AskForm, EditForm, ModerateForm, SwitchForm, UpvoteForm
from sessions.requests import AuthenticatedHttpRequest, HtmxHttpRequest
from sessions.responses import request_base_url, with_flash
from sessions.voting.writer import release_connections, writer

# --- delegates -----------------------------------------------------------------------------


def _back_to_questions(request: HttpRequest, workshop_id: int) -> str:
    """The phone page's questions, in the order the phone chose."""
    page = reverse("workshops:phone", args=[workshop_id])
    sort = read.sort_of(request)
    return page + ("?questions=new" if sort == "new" else "") + "#questions"


def _answer_delegate(
    request: HtmxHttpRequest, workshop: Workshop, delegate: Delegate, message: StrOrPromise
) -> HttpResponse:
    """After commit: htmx gets the delegate's own #questions (their upvotes marked) and a
    message; a plain form post goes back to the page's questions."""
    if not request.htmx:
        return redirect(_back_to_questions(request, workshop.pk))
    frame = render_regions(
        workshop.pk,
        DELEGATE,
        ("questions",),
        base_url=request_base_url(request),
        request=request,
        delegate=delegate,
    )
    return with_flash(frame.joined(), message)


@require_POST
def question_ask(request: HtmxHttpRequest, workshop_id: int) -> HttpResponse:
    """Ask a question. Refusals (blank, too long, closed) come back as the message, with what
    was typed kept."""
    workshop, delegate = get_membership(request, workshop_id)
    ratelimit.keep_pace(delegate.pk)
    form = AskForm(request.POST)
    if not form.is_valid():
        raise invalid_form(form)
    question = services.ask(
        workshop_id=workshop.pk,
        delegate_id=delegate.pk,
        text=form.cleaned_data["text"],
        name_shown=form.cleaned_data["name_shown"],
        key=form.command_key(),
    )
    if question is None:
        message = _("Already sent.")
    elif question.status == question.Status.SHOWN:
        message = _("Thank you: your question is on the list.")
    else:
        message = _("Thank you: the facilitator will read your question before it is shown.")
    return _answer_delegate(request, workshop, delegate, message)


@require_POST
async def question_upvote(request: HtmxHttpRequest, workshop_id: int) -> HttpResponse:
    """Upvote a question, or take the upvote back (`up=0`), over HTTP: the phone's path when
    its socket is not live, and without scripts. As for an HTTP vote, the upvote is written
    by the process's batched writer (`sessions.voting.writer`) with the taps arriving at the
    same time over sockets and HTTP, and its answer drawn on the writer's thread right after
    the commit; the request gives its database connection back before it waits."""
    delegate_id, form = await sync_to_async(_understood_upvote)(request, workshop_id)
    up: bool = form.cleaned_data["up"]
    key = form.command_key()
    sort = read.sort_of(request)

    def answered(result: services.UpvoteResult) -> str:
        if not request.htmx:
            return ""
        return read.render_upvote_answer(
            workshop_id,
            delegate_id,
            sort=sort,
            key=key or "",
            version=result.version or Change.objects.version_of(workshop_id),
            message=services.upvote_message(result, up=up),
            upvoted=result.upvoted,
        )

    answer: str = await writer.upvote(
        workshop_id=workshop_id,
        delegate_id=delegate_id,
        answer=answered,
        question_id=form.cleaned_data["question"],
        up=up,
        key=key,
    )
    if not request.htmx:
        return redirect(_back_to_questions(request, workshop_id))
    return send_uncompressed(HttpResponse(answer))


def _understood_upvote(request: HttpRequest, workshop_id: int) -> tuple[int, UpvoteForm]:
    """Whose upvote this is (the writer reads the workshop and the attendance under its
    lock), within their pace, and what it says; refused otherwise. The request's database
    connection goes back before the upvote waits for the writer."""
    try:
        delegate_id = member_id(request, workshop_id)
    finally:
        release_connections()
    ratelimit.keep_pace(delegate_id)
    form = UpvoteForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(NOT_UNDERSTOOD, form.errors)
    return delegate_id, form


# --- the facilitator -----------------------------------------------------------------------


def _answer_console(
    request: HttpRequest, workshop: Workshop, message: StrOrPromise
) -> HttpResponse:
    return answer(
        request,  # type: ignore[arg-type]
        reverse("workshops:console", args=[workshop.pk]) + "#questions",
        workshop_id=workshop.pk,
        audience=FACILITATOR,
        regions=("questions",),
        message=message,
    )


SWITCHED = {
    "open": _("Questions are open: phones show Ask."),
    "close": _("Questions are closed."),
    "approval_on": _("New questions wait for your approval."),
    "approval_off": _("New questions show at once."),
    "projector_off": _("Questions are not on the projector."),
    "projector_beside": _("Questions are on the projector beside the step."),
    "projector_instead": _("Questions are on the projector instead of the step."),
}


@login_required
@require_POST
def question_switch(request: AuthenticatedHttpRequest, workshop_id: int) -> HttpResponse:
    """Open or close questions, switch the approval queue, choose the projector's view."""
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    form = SwitchForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(NOT_UNDERSTOOD)
    action = form.cleaned_data["action"]
    if action in {"open", "close"}:
        services.open_questions(workshop=workshop, is_open=action == "open")
    elif action.startswith("approval_"):
        services.set_question_settings(workshop=workshop, approval=action == "approval_on")
    else:
        services.set_question_settings(workshop=workshop, projector=action.split("_", 1)[1])
    return _answer_console(request, workshop, SWITCHED[action])


MODERATED = {
    "show": _("The question is shown."),
    "hide": _("The question is hidden."),
    "pin": _("The question is pinned."),
    "unpin": _("The question is unpinned."),
    "answered": _("Marked answered."),
    "unanswered": _("Marked not answered."),
}


@login_required
@require_POST
def question_moderate(
    request: AuthenticatedHttpRequest, workshop_id: int, question_id: int
) -> HttpResponse:
    """Show, hide, pin, unpin, mark answered or not."""
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    form = ModerateForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(NOT_UNDERSTOOD)
    action = form.cleaned_data["action"]
    services.moderate_question(workshop=workshop, question_id=question_id, action=action)
    return _answer_console(request, workshop, MODERATED[action])


@login_required
@require_POST
def question_edit(
    request: AuthenticatedHttpRequest, workshop_id: int, question_id: int
) -> HttpResponse:
    """Correct a question's wording."""
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    form = EditForm(request.POST)
    if not form.is_valid():
        raise invalid_form(form)
    services.edit_question(
        workshop=workshop, question_id=question_id, text=form.cleaned_data["text"]
    )
    return _answer_console(request, workshop, _("The question is corrected."))
