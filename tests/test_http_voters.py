"""Fifty phones tapping their ballots at once over HTTP, against a real daphne process.

The HTTP vote is what a phone sends when its socket is down or scripts are off. On the
embedded default (SQLite) many request threads writing at once queued on the database's one
lock, and a busy room saw "database is locked" answered as a 500. The votes now go through
the process's one batched writer, whatever carries them. Here every tap must be answered
(200 with its acknowledgement for the page's script, 302 back to the page for the plain
form), a replayed tap answered "Already counted.", and each acknowledged tap stored once.
"""

from __future__ import annotations

import asyncio
import re
import uuid

import httpx
import pytest

from sessions.agenda import services
from sessions.joining import services as joining
from sessions.models import Ballot, Change
from sessions.voting import services as voting
from tests.conftest import delegate_cookie_header
from tests.servers import Daphne
from tests.test_multiprocess import csrf_of

pytestmark = pytest.mark.django_db(transaction=True)

VOTERS = 50
DOTS = 12  # each voter's budget: two dots on each of six options
OPTIONS = ["A", "B", "C", "D", "E", "F"]


def open_vote(workshop):
    """A dot vote on six options, two dots at most on each: twelve dots a phone."""
    step = voting.add_vote_step(
        workshop=workshop,
        title="Pick",
        body="",
        settings=voting.PollSettings(kind="dots", options=OPTIONS, budget=DOTS, per_option_max=2),
    )
    services.show_step(workshop=workshop, step=step)
    return voting.open_poll(poll=step.poll)


async def tap_through(server: Daphne, workshop, poll, delegate, option_ids, scripted: bool):
    """One phone's taps, back to back: every dot it has, then the last one again (a replay).
    Returns (key, status, body) for each tap."""
    name, value = delegate_cookie_header(delegate).decode().split("=", 1)
    answers = []
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as phone:
        phone.cookies.set(name, value)
        page = await phone.get(f"/w/{workshop.pk}/")
        assert page.status_code == 200
        headers = {"HX-Request": "true"} if scripted else {}
        taps = [(option, str(uuid.uuid4())) for option in option_ids for _ in range(2)]
        for option, key in [*taps, taps[-1]]:
            data = {
                "csrfmiddlewaretoken": csrf_of(page.text),
                "poll": poll.pk,
                "option": option,
                "action": "add",
                "key": key,
            }
            answer = await phone.post(f"/w/{workshop.pk}/vote/", data=data, headers=headers)
            answers.append((key, answer.status_code, answer.text))
    return answers


@pytest.mark.parametrize("scripted", [True, False], ids=["htmx", "plain-form"])
def test_fifty_phones_tapping_at_once_over_http_are_all_answered_and_stored_once(
    workshop, scripted
):
    poll = open_vote(workshop)
    option_ids = list(poll.options.order_by("position").values_list("pk", flat=True))
    assert len(option_ids) == len(OPTIONS)
    assert poll.allowance(len(option_ids)) == DOTS
    delegates = [
        joining.join_workshop(workshop=workshop, delegate_key=None, display_name=f"Voter {i}")
        for i in range(VOTERS)
    ]

    async def room():
        return await asyncio.gather(
            *(
                tap_through(server, workshop, poll, delegate, option_ids, scripted)
                for delegate in delegates
            )
        )

    # On SQLite a write that waits half a second for the lock fails ("database is locked", a
    # 500): the phones' votes must not queue on it, thread against thread.
    with Daphne(extra_env={"SQLITE_BUSY_TIMEOUT_MS": "500"}) as server:
        phones = asyncio.run(room())

    for answers in phones:
        statuses = [status for _, status, _ in answers]
        assert statuses == [200 if scripted else 302] * (DOTS + 1), answers
        if scripted:
            for key, _, body in answers[:-1]:
                assert f'data-ack="{key}"' in body
                assert "Already counted." not in body
            replay_key, _, replay = answers[-1]
            assert f'data-ack="{replay_key}"' in replay
            assert "Already counted." in replay
            # Twelve dots placed, the replay added none.
            assert re.search(rf"<strong>0</strong> of {DOTS} dots left", replay)
    ballots = Ballot.objects.filter(poll=poll)
    assert ballots.count() == VOTERS
    assert sorted(ballots.values_list("spent", flat=True)) == [DOTS] * VOTERS
    acknowledged = {key for answers in phones for key, _, _ in answers}
    assert len(acknowledged) == VOTERS * DOTS
    # Each tap recorded once under its delegate's scoped key, the replays not again.
    scoped = {
        f"{delegate.pk}:{key}"
        for delegate, answers in zip(delegates, phones, strict=True)
        for key, _, _ in answers
    }
    assert Change.objects.filter(key__in=scoped).count() == VOTERS * DOTS
