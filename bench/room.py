"""The room under test, made through the app's own services: an event, a workshop, delegates
who joined it (with the cookies their phones hold), and one dot vote per ladder step.

These functions use the Django ORM synchronously; the load generator calls them through
`asyncio.to_thread`, between measurements. A room for the bare server is made up in memory.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass

BUDGET = 5
PER_OPTION_MAX = 2
OPTION_COUNT = 6


@dataclass(frozen=True)
class Room:
    workshop_id: int
    display_token: str
    cookies: list[str]  # one "name=value" per phone, probes last


@dataclass(frozen=True)
class Vote:
    poll_id: int
    option_ids: list[int]


def setup_django(env: dict[str, str]) -> None:
    """Use the servers' database, channel layer and secret from this process too, so what the
    bench does through services (show a step, open a vote) is pushed to the phones."""
    os.environ.update(env)
    os.environ["LOG_LEVEL"] = "WARNING"  # this process's own logging only
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "facilitate.settings")
    import django

    django.setup()


def make_room(phones: int, label: str) -> Room:
    from django.contrib.auth import get_user_model

    from sessions.agenda import services
    from sessions.identity import cookie_name, signed_cookie_value
    from sessions.models import Attendance, Delegate

    user, _ = get_user_model().objects.get_or_create(username="bench")
    event = services.create_event(user=user, name=f"Bench {label}", date=datetime.date.today())
    workshop = services.create_workshop(event=event, title=f"Bench {label}")
    delegates = Delegate.objects.bulk_create(
        Delegate(event=event, display_name=f"Phone {i}") for i in range(phones)
    )
    Attendance.objects.bulk_create(Attendance(workshop=workshop, delegate=d) for d in delegates)
    name = cookie_name(event.pk)
    cookies = [f"{name}={signed_cookie_value(event.pk, d.key)}" for d in delegates]
    return Room(workshop.pk, workshop.display_token, cookies)


def open_vote(workshop_id: int, title: str) -> Vote:
    """Add a dot vote with live results, show it and open it (as a facilitator would)."""
    from sessions.agenda import services
    from sessions.models import Workshop
    from sessions.voting import services as voting

    workshop = Workshop.objects.get(pk=workshop_id)
    settings = voting.PollSettings(
        kind="dots",
        options=[f"Option {chr(65 + i)}" for i in range(OPTION_COUNT)],
        budget=BUDGET,
        per_option_max=PER_OPTION_MAX,
        show_live=True,
    )
    step = voting.add_vote_step(workshop=workshop, title=title, body="", settings=settings)
    assert step is not None
    services.show_step(workshop=workshop, step=step)
    poll = voting.open_poll(poll=step.poll)
    return Vote(poll.pk, list(poll.options.values_list("pk", flat=True)))


QUESTION_COUNT = BUDGET  # a phone upvotes each question of a step at most once


def open_questions(workshop_id: int, title: str) -> Vote:
    """Fresh questions for an upvote step (fresh upvotes for every phone): the earlier ones
    hidden, `QUESTION_COUNT` new ones asked, questions open and on the projector instead of
    the step (which shows them all). Its `poll_id` is the Q&A board's."""
    from sessions.models import Attendance, Question, Workshop
    from sessions.questions import services as qa

    workshop = Workshop.objects.get(pk=workshop_id)
    board = qa.open_questions(workshop=workshop)
    qa.set_question_settings(workshop=workshop, approval=False, projector="instead")
    for question_id in Question.objects.filter(board=board, status="shown").values_list(
        "pk", flat=True
    ):
        qa.moderate_question(workshop=workshop, question_id=question_id, action="hide")
    asker = Attendance.objects.filter(workshop=workshop).values_list("delegate_id", flat=True)[0]
    ids = []
    for i in range(QUESTION_COUNT):
        text = f"{title}: question {chr(65 + i)}"
        question = qa.ask(workshop_id=workshop_id, delegate_id=asker, text=text)
        assert question is not None
        ids.append(question.pk)
    return Vote(board.pk, ids)


def stored_upvotes(question_ids: list[int]) -> dict[str, int]:
    """The upvote rows of an upvote step's questions (as `stored_votes` counts marks)."""
    from sessions.models import Upvote

    count = Upvote.objects.filter(question_id__in=question_ids).count()
    return {"marks": count, "spent": count}


def stored_votes(poll_id: int) -> dict[str, int]:
    """What the database holds for a poll: the sum of its marks and of its ballots' spending."""
    from django.db.models import Sum

    from sessions.models import Ballot, Mark

    marks = Mark.objects.filter(ballot__poll_id=poll_id).aggregate(n=Sum("value"))["n"] or 0
    spent = Ballot.objects.filter(poll_id=poll_id).aggregate(n=Sum("spent"))["n"] or 0
    return {"marks": marks, "spent": spent}


def database_connections() -> int:
    """Open connections to the benchmark's database (all processes, this one included)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        count: int = cursor.fetchone()[0]
        return count


def close_connections() -> None:
    from django.db import connections

    connections.close_all()


def bare_room(phones: int) -> Room:
    return Room(1, "bare", [f"delegate_1=phone-{i}" for i in range(phones)])


def bare_vote(index: int) -> Vote:
    poll_id = index + 1
    return Vote(poll_id, [poll_id * 100 + i for i in range(OPTION_COUNT)])
