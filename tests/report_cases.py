"""A seeded event for the outcome report, with figures worked out by hand (tests/test_report.py
says what each should be)."""

from __future__ import annotations

import datetime
import uuid

from django.test import Client
from django.utils import timezone

from sessions.commitments import followups
from sessions.commitments import services as commitments
from sessions.commitments.services import Card
from sessions.models import AccessLink, Commitment, FollowUp, SnapshotResponse, Workshop
from sessions.snapshot import services as snapshots
from sessions.snapshot.bank import ITEMS
from sessions.voting import services as voting
from tests.conftest import join

CHALLENGES = ["Energy costs", "Scheduling", "Skills", "Waste"]


def card(workshop: Workshop, challenge: str, *, consent: bool, email: str) -> Card:
    option = workshop.steps.get(kind="vote").poll.options.get(label=challenge)
    today = workshop.event.local_today()
    return Card(
        action="time every changeover on line 2",
        first_step_when="When the Monday shift starts",
        first_step_then="put a stopwatch by the press",
        first_step_on=today,
        measure="changeovers under 20 minutes",
        done_by=today + datetime.timedelta(days=30),
        link=f"option:{option.pk}",
        email=email if consent else "",
        consent=consent,
    )


def commit(workshop: Workshop, name: str, challenge: str, *, consent: bool = True) -> Commitment:
    """A delegate joins and commits to an experiment about `challenge`."""
    delegate = join(Client(), workshop, name)
    step = workshop.steps.filter(kind="commit").first() or commitments.add_commit_step(
        workshop=workshop, title="Commit"
    )
    assert step is not None
    email = "".join(name.split()[:2]).lower() + "@example.com"
    made = commitments.make_commitment(
        workshop_id=workshop.pk, delegate_id=delegate.pk, step_id=step.pk,
        card=card(workshop, challenge, consent=consent, email=email),
    )  # fmt: skip
    assert made is not None
    return made


def check_in(
    made: Commitment, status: str, *, verdict: str = "", story: str = "", first_step: bool = True
) -> None:
    """The delegate answers a follow-up through its magic link."""
    link = AccessLink.objects.create(
        token_hash=uuid.uuid4().hex, purpose="check_in", commitment=made,
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )  # fmt: skip
    followups.record_check_in(
        link=link, status=status, first_step_taken=first_step, what_happened=story,
        verdict=verdict, key=str(uuid.uuid4()),
    )  # fmt: skip


def sent(made: Commitment) -> None:
    FollowUp.objects.filter(commitment=made, kind="summary").update(sent_at=timezone.now())


def vote_step(workshop: Workshop) -> None:
    step = voting.add_vote_step(
        workshop=workshop, title="Which challenge first?", body="",
        settings=voting.PollSettings(kind="dots", options=CHALLENGES),
    )  # fmt: skip
    assert step is not None


def seeded(workshop: Workshop) -> list[Commitment]:
    """25 commitments: Energy costs 10, Scheduling 6, Skills 5, Waste 4; the first 20
    consented and were sent a message; 15 answered: 6 done (5 adopt, 1 adapt), 4 in progress
    (adapt), 3 changed plan (adapt), 2 dropped (abandon). Three done ones wrote a story."""
    vote_step(workshop)
    plan = ["Energy costs"] * 10 + ["Scheduling"] * 6 + ["Skills"] * 5 + ["Waste"] * 4
    # The last five (one Skills, four Waste) did not consent to follow-up.
    made = [
        commit(workshop, f"Delegate {i:02d} Moss", challenge, consent=i < 20)
        for i, challenge in enumerate(plan)
    ]
    for c in made[:20]:
        sent(c)
    stories = {
        0: "We timed every changeover and cut them from 40 to 25 minutes.",
        1: "Delegate 01 Moss here: the stopwatch idea worked, mail delegate01@example.com.",
        2: "Shared it with the night shift; they run it now.",
    }
    for i in range(6):
        check_in(made[i], "done", verdict="adopt" if i < 5 else "adapt", story=stories.get(i, ""))
    for i in range(6, 10):
        check_in(made[i], "in_progress", verdict="adapt")
    for i in range(10, 13):
        check_in(made[i], "changed", verdict="adapt")
    for i in range(13, 15):
        check_in(made[i], "dropped", verdict="abandon")
    return made


def firms(workshop: Workshop, first: int, retakes: int) -> list[SnapshotResponse]:
    """`first` finished Snapshots (every item 1: 25 points) and `retakes` of them retaken at
    every item 2 (50 points): a median change of +25 everywhere."""
    setup = snapshots.setup_for(workshop.event)
    setup = snapshots.configure(setup=setup, state="open", challenges=CHALLENGES, wording={})
    done = []
    for _firm in range(first):
        response = snapshots.start(setup=setup, delegate_key=None)
        for item in ITEMS:
            snapshots.answer(response=response, item=item.code, value=1)
        done.append(snapshots.finish(response=response, picks=[], other=""))
    for response in done[:retakes]:
        retake = snapshots.start_retake(first=response)
        for item in ITEMS:
            snapshots.answer(response=retake, item=item.code, value=2)
        snapshots.finish(response=retake, picks=[], other="")
    return done
