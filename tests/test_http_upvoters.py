"""Thirty phones upvoting at once over HTTP, against a real daphne process.

The HTTP upvote is what a phone sends when its socket is down or scripts are off. It goes
through the process's batched writer as a socket upvote does (and as HTTP votes do), the
request giving its database connection back before it waits: every tap is answered (200
with its acknowledgement for the page's script, 302 back to the page's questions for the
plain form), a replay answered "Already counted.", and each upvote stored once.
"""

from __future__ import annotations

import asyncio
import re
import uuid

import httpx
import pytest

from sessions.joining import services as joining
from sessions.models import Change, Upvote
from sessions.questions import services as qa
from tests.conftest import delegate_cookie_header
from tests.servers import Daphne
from tests.test_multiprocess import csrf_of

pytestmark = pytest.mark.django_db(transaction=True)

PHONES = 30
QUESTIONS = 5


async def upvote_through(server: Daphne, workshop, delegate, question_ids, scripted: bool):
    """One phone's upvotes, back to back: every question, then the last again (a replay).
    Returns (key, status, body) for each tap."""
    name, value = delegate_cookie_header(delegate).decode().split("=", 1)
    answers = []
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as phone:
        phone.cookies.set(name, value)
        page = await phone.get(f"/w/{workshop.pk}/")
        assert page.status_code == 200
        headers = {"HX-Request": "true"} if scripted else {}
        taps = [(question, str(uuid.uuid4())) for question in question_ids]
        for question, key in [*taps, taps[-1]]:
            data = {
                "csrfmiddlewaretoken": csrf_of(page.text),
                "question": question,
                "up": "1",
                "key": key,
            }
            answer = await phone.post(
                f"/w/{workshop.pk}/questions/upvote/", data=data, headers=headers
            )
            answers.append((key, answer.status_code, answer.text))
    return answers


@pytest.mark.parametrize("scripted", [True, False], ids=["htmx", "plain-form"])
def test_thirty_phones_upvoting_at_once_over_http_are_answered_and_stored_once(workshop, scripted):
    qa.open_questions(workshop=workshop)
    author = joining.join_workshop(workshop=workshop, delegate_key=None, display_name="Author")
    question_ids = []
    for n in range(QUESTIONS):
        question = qa.ask(workshop_id=workshop.pk, delegate_id=author.pk, text=f"Question {n}?")
        assert question is not None
        question_ids.append(question.pk)
    delegates = [
        joining.join_workshop(workshop=workshop, delegate_key=None, display_name=f"Phone {i}")
        for i in range(PHONES)
    ]

    async def room():
        return await asyncio.gather(
            *(
                upvote_through(server, workshop, delegate, question_ids, scripted)
                for delegate in delegates
            )
        )

    with Daphne() as server:
        phones = asyncio.run(room())

    for answers in phones:
        statuses = [status for _, status, _ in answers]
        assert statuses == [200 if scripted else 302] * (QUESTIONS + 1), answers
        if scripted:
            for key, _, body in answers[:-1]:
                assert f'data-ack="{key}"' in body
                assert "Upvoted." in body
            replay_key, _, replay = answers[-1]
            assert f'data-ack="{replay_key}"' in replay
            assert "Already counted." in replay
            upvoted = re.search(r'data-upvoted="([^"]*)"', replay)
            assert upvoted is not None
            assert sorted(map(int, upvoted.group(1).split())) == sorted(question_ids)
        else:
            assert all(body == "" for _, _, body in answers)
    assert Upvote.objects.count() == PHONES * QUESTIONS
    scoped = {
        f"{delegate.pk}:{key}"
        for delegate, answers in zip(delegates, phones, strict=True)
        for key, _, _ in answers
    }
    assert Change.objects.filter(key__in=scoped).count() == PHONES * QUESTIONS
