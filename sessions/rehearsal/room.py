"""The rehearsal's room, made on the installation's database and removed afterwards: an event
flagged as a rehearsal (listed nowhere, counted in no dashboard or report), one workshop with
a dot vote, an ideas step and a commitment step, and a facilitator account of its own.

Only the setting up goes through the services directly; everything the room does (showing
and opening steps, joining, voting, sending) goes over the network (`sessions.rehearsal.drive`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from axes.models import AccessAttempt, AccessLog
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from sessions.agenda import services as agenda
from sessions.commitments import services as commitments
from sessions.ideas import services as ideas
from sessions.models import Event
from sessions.voting import services as voting

OPTIONS = ["Changeovers", "Stock levels", "Scrap", "Training", "Energy", "Suppliers"]
PER_OPTION_MAX = 2
USERNAME_PREFIX = "rehearsal-"


@dataclass(frozen=True)
class Room:
    event_id: int
    user_id: int
    username: str
    password: str
    workshop_id: int
    join_token: str
    display_token: str
    vote_step_id: int
    poll_id: int
    option_ids: list[int]
    ideas_step_id: int
    board_id: int
    commit_step_id: int
    dots: int


@transaction.atomic
def make_room(*, dots: int) -> Room:
    """The rehearsal's event, workshop, steps and facilitator account."""
    now = timezone.localtime()
    name = f"Rehearsal {now:%Y-%m-%d %H:%M}"
    username = f"{USERNAME_PREFIX}{secrets.token_hex(6)}"
    password = secrets.token_urlsafe(24)
    user = get_user_model().objects.create_user(username=username, password=password)
    event = agenda.create_event(user=user, name=name, date=now.date(), is_rehearsal=True)
    workshop = agenda.create_workshop(event=event, title=name)
    settings = voting.PollSettings(
        kind="dots",
        options=OPTIONS,
        budget=dots,
        per_option_max=PER_OPTION_MAX,
        show_live=True,
    )
    vote = voting.add_vote_step(
        workshop=workshop, title="Which challenge first?", body="", settings=settings
    )
    board_step = ideas.add_ideas_step(
        workshop=workshop,
        title="Ideas",
        prompt="How might we cut changeover time?",
        show_names=False,
        needs_approval=False,
        staged=False,
        delegates_suggest=False,
    )
    commit = commitments.add_commit_step(workshop=workshop, title="Commit", body="")
    assert vote is not None
    assert board_step is not None
    assert commit is not None
    return Room(
        event_id=event.pk,
        user_id=user.pk,
        username=username,
        password=password,
        workshop_id=workshop.pk,
        join_token=workshop.join_token,
        display_token=workshop.display_token,
        vote_step_id=vote.pk,
        poll_id=vote.poll.pk,
        option_ids=list(vote.poll.options.order_by("position").values_list("pk", flat=True)),
        ideas_step_id=board_step.pk,
        board_id=board_step.board.pk,
        commit_step_id=commit.pk,
        dots=dots,
    )


def remove_room(room: Room) -> None:
    """Remove everything the rehearsal made: the event (with its workshop, steps, delegates
    and everything they sent) and the account. Safe to call twice."""
    with transaction.atomic():
        Event.objects.filter(pk=room.event_id, is_rehearsal=True).delete()
        get_user_model().objects.filter(pk=room.user_id, username=room.username).delete()
        # The sign-in's record in the sign-in guessing limit's log.
        AccessLog.objects.filter(username=room.username).delete()
        AccessAttempt.objects.filter(username=room.username).delete()


def stored_dots(poll_id: int) -> dict[int, int]:
    """Dots stored per option of the rehearsal's vote."""
    from django.db.models import Sum

    from sessions.models import Mark

    rows = (
        Mark.objects.filter(ballot__poll_id=poll_id)
        .values("option_id")
        .annotate(n=Sum("value"))
        .values_list("option_id", "n")
    )
    return {option: n or 0 for option, n in rows}
