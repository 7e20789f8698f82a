"""Q&A upvotes over the phone's socket (`{"type": "upvote", ...}`, `sessions.live.consumers`):
through the batched writer with the votes, acknowledged after commit with the delegate's
#my-questions, a replay landing once, every refusal changing nothing and answering its
message. Real database and channel layer."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from asgiref.sync import sync_to_async
from django.db import connections
from django.test import Client

from sessions.joining import services as joining
from sessions.models import Question, Upvote
from sessions.questions import services as qa
from sessions.voting.writer import VoteWriter
from tests.conftest import delegate_cookie_header, join
from tests.test_consumers import receive_until, socket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
async def _database_thread_disconnects():
    yield
    await sync_to_async(connections.close_all)()


def asked(workshop, text: str = "How do we start?") -> Question:
    """Questions open, and a shown question asked by another delegate."""
    qa.open_questions(workshop=workshop)
    author = joining.join_workshop(workshop=workshop, delegate_key=None, display_name="Author")
    question = qa.ask(workshop_id=workshop.pk, delegate_id=author.pk, text=text)
    assert question is not None
    return question


def upvotes() -> list[tuple[int, int]]:
    return list(Upvote.objects.order_by("pk").values_list("question_id", "delegate_id"))


async def phone_of(workshop):
    delegate = await sync_to_async(join)(Client(), workshop)
    return delegate, (b"cookie", delegate_cookie_header(delegate))


async def test_an_upvote_over_the_socket_is_acknowledged_once_and_reaches_the_projector(
    workshop,
):
    question = await sync_to_async(asked)(workshop)
    await sync_to_async(qa.set_question_settings)(workshop=workshop, projector="instead")
    _delegate, cookie = await phone_of(workshop)
    key = str(uuid.uuid4())
    tap = {"type": "upvote", "question": question.pk, "up": 1, "questions": "new", "key": key}
    async with (
        socket(f"/ws/display/{workshop.display_token}/") as projector,
        socket(f"/ws/phone/{workshop.pk}/", cookie) as phone,
    ):
        await receive_until(phone, lambda f: 'id="questions"' in f)
        for _delivery in range(3):  # the tap resent with its key after a reconnect
            await phone.send_json_to(tap)
            ack = await receive_until(phone, lambda f: f'data-ack="{key}"' in f)
            assert f'data-upvoted="{question.pk}"' in ack
            assert 'data-sort="new"' in ack
            assert 'id="flash"' in ack
        await receive_until(
            projector, lambda f: f'data-question="{question.pk}" data-votes="1"' in f
        )
        # Taken back with a new key: the count goes down to none.
        back = str(uuid.uuid4())
        await phone.send_json_to({**tap, "up": "0", "key": back})
        ack = await receive_until(phone, lambda f: f'data-ack="{back}"' in f)
        assert 'data-upvoted=""' in ack
        assert "Upvote taken back." in ack
    assert await sync_to_async(upvotes)() == []


async def test_a_replay_in_the_same_batch_lands_once(workshop):
    question = await sync_to_async(asked)(workshop)
    delegate, _cookie = await phone_of(workshop)
    writer = VoteWriter()
    key = str(uuid.uuid4())
    command = {"question_id": question.pk, "up": True, "key": key}
    first, second = await asyncio.gather(
        writer.upvote(workshop_id=workshop.pk, delegate_id=delegate.pk, **command),
        writer.upvote(workshop_id=workshop.pk, delegate_id=delegate.pk, **command),
    )
    assert writer.batches == 1
    assert sorted([first.replayed, second.replayed]) == [False, True]
    assert (first.version or second.version) is not None
    assert await sync_to_async(upvotes)() == [(question.pk, delegate.pk)]
    writer.task.cancel()


async def test_refused_upvotes_over_the_socket_change_nothing_and_say_why(workshop, other_workshop):
    question = await sync_to_async(asked)(workshop)
    hidden = await sync_to_async(qa.ask)(
        workshop_id=workshop.pk, delegate_id=question.delegate_id, text="Hide me"
    )
    await sync_to_async(qa.moderate_question)(
        workshop=workshop, question_id=hidden.pk, action="hide"
    )
    foreign = await sync_to_async(asked)(other_workshop, "Elsewhere?")
    delegate, cookie = await phone_of(workshop)
    await sync_to_async(qa.upvote)(
        workshop_id=workshop.pk, delegate_id=delegate.pk, question_id=question.pk
    )
    before = await sync_to_async(upvotes)()

    def tap(**fields):
        return {"type": "upvote", "up": 1, "key": str(uuid.uuid4()), **fields}

    refusals = [
        (tap(question=question.pk), "already upvoted"),  # twice
        (tap(question=hidden.pk), "not shown any more"),
        (tap(question=foreign.pk), "not part of this workshop"),
        (tap(question=10**12), "not part of this workshop"),  # a forged id
        (tap(question=hidden.pk, up=0), "not shown any more"),
    ]
    async with socket(f"/ws/phone/{workshop.pk}/", cookie) as phone:
        await receive_until(phone, lambda f: 'id="questions"' in f)
        for message, words in refusals:
            await phone.send_json_to(message)
            refused = await receive_until(phone, lambda f, k=message["key"]: k in f)
            assert f'data-refused="{message["key"]}"' in refused
            assert words in refused, (message, refused)
            assert "data-ack" not in refused
        malformed = [
            tap(question="seven"),
            tap(question=question.pk, up="yes"),
            tap(up=1),
            {"type": "upvote", "question": question.pk, "up": 1, "key": "not-a-uuid"},
        ]
        for message in malformed:
            await phone.send_json_to(message)
            answer = await receive_until(phone, lambda f: "not understood" in f)
            assert "data-ack" not in answer
        await phone.send_to(text_data='{"type": "upvote", "question": ')  # not JSON
        await receive_until(phone, lambda f: "not understood" in f)
        await sync_to_async(qa.open_questions)(workshop=workshop, is_open=False)
        late = tap(question=question.pk, up=0)
        await phone.send_json_to(late)
        closed = await receive_until(phone, lambda f: f'data-refused="{late["key"]}"' in f)
        assert "Questions are closed" in closed
    assert await sync_to_async(upvotes)() == before


async def test_a_projector_cannot_upvote(workshop):
    question = await sync_to_async(asked)(workshop)
    async with socket(f"/ws/display/{workshop.display_token}/") as projector:
        await receive_until(projector, lambda f: 'id="join"' in f)
        await projector.send_to(
            text_data=json.dumps({"type": "upvote", "question": question.pk, "up": 1})
        )
        await receive_until(projector, lambda f: "not understood" in f)
    assert await sync_to_async(upvotes)() == []


async def test_a_batch_of_upvotes_is_decided_one_by_one_as_alone(workshop, caplog):
    """Upvotes queued together are written together (`questions.upvote_many`, no fallback
    to one savepoint each), each decided against what the batch's earlier ones left, with
    the refusals and replays of an upvote alone."""
    question = await sync_to_async(asked)(workshop)
    hidden = await sync_to_async(qa.ask)(
        workshop_id=workshop.pk, delegate_id=question.delegate_id, text="Hide me"
    )
    await sync_to_async(qa.moderate_question)(
        workshop=workshop, question_id=hidden.pk, action="hide"
    )
    ann, bob, cy = [(await phone_of(workshop))[0].pk for _ in range(3)]
    writer = VoteWriter()
    replayed = str(uuid.uuid4())

    def tap(delegate: int, question_id: int, up: bool = True, key: str | None = None):
        return writer.upvote(
            workshop_id=workshop.pk,
            delegate_id=delegate,
            question_id=question_id,
            up=up,
            key=key or str(uuid.uuid4()),
        )

    taps = [
        tap(ann, question.pk, key=replayed),
        tap(ann, question.pk, key=replayed),  # the same tap again: lands once
        tap(ann, question.pk),  # a second upvote
        tap(bob, question.pk, up=False),  # taking back what was not given
        tap(cy, question.pk),
        tap(cy, question.pk, up=False),  # given and taken back in the same batch
        tap(bob, hidden.pk),
        tap(bob, 10**12),
    ]
    with caplog.at_level("WARNING", logger="sessions.voting.writer"):
        outcomes = await asyncio.gather(*taps, return_exceptions=True)
    assert writer.batches == 1
    assert not [r for r in caplog.records if r.name == "sessions.voting.writer"]
    first, again, second, never, given, taken, shown, forged = outcomes
    assert (first.changed, again.changed) == (True, None)
    assert first.upvoted == {question.pk}
    assert isinstance(second, qa.Conflict)
    assert second.message == qa.ALREADY_UPVOTED
    assert never.message == qa.NOT_UPVOTED
    assert (given.changed, taken.changed) == (True, True)
    assert taken.upvoted == set()
    assert shown.message == qa.NOT_SHOWN
    assert forged.message == qa.NO_QUESTION
    assert await sync_to_async(upvotes)() == [(question.pk, ann)]
    writer.task.cancel()


async def test_an_upvote_s_push_draws_the_questions_once_per_audience_not_per_socket(workshop):
    """Four phones and the projector open: an upvote over one phone's socket reaches every
    phone's #questions, drawn once per push for all of them (never once per socket)."""
    from django.test.signals import template_rendered

    question = await sync_to_async(asked)(workshop)
    await sync_to_async(qa.set_question_settings)(workshop=workshop, projector="instead")
    cookies = [(await phone_of(workshop))[1] for _ in range(4)]
    drawn: list[str] = []

    def note(sender, template, **kwargs) -> None:
        drawn.append(template.name)

    async with (
        socket(f"/ws/display/{workshop.display_token}/") as projector,
        socket(f"/ws/phone/{workshop.pk}/", cookies[0]) as first,
        socket(f"/ws/phone/{workshop.pk}/", cookies[1]) as second,
        socket(f"/ws/phone/{workshop.pk}/", cookies[2]) as third,
        socket(f"/ws/phone/{workshop.pk}/", cookies[3]) as fourth,
    ):
        phones = [first, second, third, fourth]
        for phone in phones:
            await receive_until(phone, lambda f: 'id="questions"' in f)
        await receive_until(projector, lambda f: 'id="questions"' in f)
        template_rendered.connect(note)
        try:
            tap = {"type": "upvote", "question": question.pk, "up": 1, "key": str(uuid.uuid4())}
            await first.send_json_to(tap)
            counted = f'data-question="{question.pk}" data-votes="1"'
            for phone in phones:
                await receive_until(phone, lambda f: counted in f)
            await receive_until(projector, lambda f: counted in f)
        finally:
            template_rendered.disconnect(note)
    phone_draws = drawn.count("workshops/questions/phone.html")
    assert 1 <= phone_draws <= 2, drawn  # a leading push, perhaps a trailing one
    assert 1 <= drawn.count("workshops/questions/projector.html") <= 2, drawn
    assert drawn.count("workshops/questions/mine.html") == 1  # the upvoter's answer
