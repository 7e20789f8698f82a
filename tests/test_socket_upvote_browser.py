"""A phone's Q&A upvotes travel over its open WebSocket, not one HTTP POST each, as its
ballot taps do (`sessions/static/workshops/vote.js`).

The tap is the socket command {"type": "upvote", ...} with the upvote form's own fields and
key, answered with the delegate's #my-questions acknowledging the key; the projector opened
before shows the count. Without a socket the same taps post over HTTP; a tap whose answer
was lost with its socket is sent again with the same key on the next one, counted once.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from sessions.joining import services as joining
from sessions.models import Upvote
from sessions.questions import services as qa
from tests.browser import PHONE, PROJECTOR, block_sockets, join_in, live, shot
from tests.test_socket_vote_browser import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UPVOTE_PATH = re.compile(r"/w/\d+/questions/upvote/$")
TEXT = "How do we keep the changeover gains?"


@pytest.fixture
def question(workshop):
    """Questions open and on the projector instead of the step, with one shown question."""
    qa.open_questions(workshop=workshop)
    qa.set_question_settings(workshop=workshop, projector="instead")
    author = joining.join_workshop(workshop=workshop, delegate_key=None, display_name="Author")
    return qa.ask(workshop_id=workshop.pk, delegate_id=author.pk, text=TEXT)


class Watch:
    """What a phone context's pages send: HTTP POSTs to the upvote address, socket frames."""

    def __init__(self, context) -> None:
        self.posts: list[str] = []
        self.frames: list = []
        context.on("page", self.page)

    def page(self, page: Page) -> None:
        page.on("request", self.request)
        page.on("websocket", lambda ws: ws.on("framesent", self.frame))

    def frame(self, payload) -> None:
        self.frames.append(payload)

    def request(self, request) -> None:
        if request.method == "POST" and UPVOTE_PATH.search(request.url):
            self.posts.append(request.url)

    def upvotes(self) -> list[dict]:
        found = []
        for payload in self.frames:
            if isinstance(payload, str) and payload.startswith("{"):
                message = json.loads(payload)
                if message.get("type") == "upvote":
                    found.append(message)
        return found


def item(page: Page):
    return page.locator("#questions li.qa-item").filter(has_text=TEXT)


def upvote_button(page: Page):
    return item(page).locator("button.qa-vote")


def count(question) -> int:
    return Upvote.objects.filter(question=question).count()


def test_a_phone_upvotes_over_its_socket_and_the_projector_shows_the_count(
    browser, contexts, server, workshop, question
):
    projector = contexts(**PROJECTOR).new_page()
    projector.goto(f"{server.url}/display/{workshop.display_token}/")
    live(projector)
    on_projector = projector.locator(f'[data-question="{question.pk}"]')
    expect(on_projector).to_have_attribute("data-votes", "0")
    context = contexts(**PHONE)
    watch = Watch(context)
    phone = join_in(context, server, workshop, "Ana")
    live(phone)

    key = item(phone).locator("input[name=key]").get_attribute("value")
    upvote_button(phone).click()
    expect(phone.locator("#my-questions")).to_have_attribute("data-ack", key)
    expect(upvote_button(phone)).to_have_attribute("aria-pressed", "true")
    expect(phone.locator("#flash")).to_contain_text("Upvoted.")
    expect(on_projector).to_have_attribute("data-votes", "1")
    expect(item(phone)).to_have_attribute("data-votes", "1")  # the phones' push
    expect(item(phone).locator("form[data-sending]")).to_have_count(0)
    shot(phone, "socket-upvote-counted")

    # Taken back over the socket too, with the key the push brought.
    back = item(phone).locator("input[name=key]").get_attribute("value")
    assert back != key
    upvote_button(phone).click()
    expect(phone.locator("#my-questions")).to_have_attribute("data-ack", back)
    expect(upvote_button(phone)).to_have_attribute("aria-pressed", "false")
    expect(on_projector).to_have_attribute("data-votes", "0")

    sent = watch.upvotes()
    assert [(m["question"], m["up"], m["key"]) for m in sent] == [
        (question.pk, "1", key),
        (question.pk, "0", back),
    ]
    assert watch.posts == []  # not one upvote went over HTTP
    assert count(question) == 0


def test_with_websockets_blocked_an_upvote_posts_over_http(
    browser, contexts, server, workshop, question
):
    context = contexts(**PHONE)
    block_sockets(context)
    watch = Watch(context)
    phone = join_in(context, server, workshop, "Ben")
    expect(phone.locator("#connection")).to_have_attribute("data-state", "polling")
    with phone.expect_response(lambda r: bool(UPVOTE_PATH.search(r.url))) as answer:
        upvote_button(phone).click()
    assert answer.value.status == 200
    expect(upvote_button(phone)).to_have_attribute("aria-pressed", "true")
    assert len(watch.posts) == 1
    assert watch.upvotes() == []
    assert count(question) == 1


def test_an_upvote_whose_answer_is_lost_with_the_socket_is_sent_again_and_counted_once(
    browser, contexts, server, workshop, question
):
    """The first socket carries the upvote, which the server counts, but its answer is lost
    with the socket. The page sends it again on its next socket with the same key: answered,
    counted once."""
    context = contexts(**PHONE)
    sockets: list[dict] = []

    def route(ws) -> None:
        this: dict = {"sent": [], "withheld": []}
        sockets.append(this)
        number = len(sockets)
        server_side = ws.connect_to_server()

        def from_page(message) -> None:
            this["sent"].append(message)
            server_side.send(message)

        def from_server(message) -> None:
            if number == 1 and "data-ack" in message:
                this["withheld"].append(message)  # the answer is lost...
                ws.close(code=1012)  # ...with its socket
            else:
                ws.send(message)

        ws.on_message(from_page)
        server_side.on_message(from_server)

    context.route_web_socket(re.compile(r"/ws/phone/"), route)
    watch = Watch(context)
    phone = join_in(context, server, workshop, "Cleo")
    live(phone)
    key = item(phone).locator("input[name=key]").get_attribute("value")
    upvote_button(phone).click()
    wait_for(phone, lambda: len(sockets) >= 2 and sockets[0]["withheld"], "a second socket")
    expect(phone.locator("#my-questions")).to_have_attribute("data-ack", key, timeout=20_000)
    expect(upvote_button(phone)).to_have_attribute("aria-pressed", "true")
    resent = [m for m in sockets[1]["sent"] if '"upvote"' in m]
    assert [json.loads(m)["key"] for m in resent] == [key]
    assert watch.posts == []
    assert count(question) == 1


def test_an_upvote_taken_back_at_once_is_a_new_command_not_a_replay(
    browser, contexts, server, workshop, question
):
    """The acknowledged form gets a fresh key at once (live.js): taking the upvote back
    before the next push brings new keys is carried out, not answered "Already counted.".

    Phones get at most one push a second: the first upvote's goes at once, the second's
    waits, so the second question is taken back while its form still has the key its
    upvote used."""
    other = qa.ask(
        workshop_id=workshop.pk, delegate_id=question.delegate_id, text="And the next one?"
    )
    context = contexts(**PHONE)
    watch = Watch(context)
    phone = join_in(context, server, workshop, "Dan")
    live(phone)
    second = phone.locator(f'#questions li.qa-item[data-question="{other.pk}"]')
    upvote_button(phone).click()
    expect(item(phone)).to_have_attribute("data-votes", "1")  # the push at once
    key = second.locator("input[name=key]").get_attribute("value")
    second.locator("button.qa-vote").click()
    expect(phone.locator("#my-questions")).to_have_attribute("data-ack", key)
    second.locator("button.qa-vote").click()  # before the next push
    expect(second.locator("button.qa-vote")).to_have_attribute("aria-pressed", "false")
    expect(phone.locator("#flash")).to_contain_text("Upvote taken back.")
    sent = watch.upvotes()
    assert [(m["question"], m["up"]) for m in sent] == [
        (question.pk, "1"),
        (other.pk, "1"),
        (other.pk, "0"),
    ]
    assert sent[1]["key"] == key
    assert sent[2]["key"] != key
    assert count(question) == 1
    assert count(other) == 0


def test_a_refused_socket_upvote_shows_the_message_and_changes_nothing(
    browser, contexts, server, workshop, question
):
    """The same delegate upvoted in a second tab; the first still offers the upvote (a
    pushed list does not carry what this delegate upvoted). Its tap goes over the socket
    and is refused: the message in the page's #flash, naming the key, nothing changed."""
    context = contexts(**PHONE)
    watch = Watch(context)
    stale = join_in(context, server, workshop, "Eve")
    live(stale)
    other = context.new_page()
    other.goto(f"{server.url}/w/{workshop.pk}/")
    live(other)
    upvote_button(other).click()
    expect(upvote_button(other)).to_have_attribute("aria-pressed", "true")
    expect(item(stale)).to_have_attribute("data-votes", "1")  # pushed to the first tab
    expect(upvote_button(stale)).to_have_attribute("aria-pressed", "false")

    key = item(stale).locator("input[name=key]").get_attribute("value")
    upvote_button(stale).click()
    flash = stale.locator("#flash")
    expect(flash).to_have_attribute("data-refused", key)
    expect(flash.get_by_role("alert")).to_have_text("You have already upvoted that question.")
    expect(item(stale).locator("form[data-sending], .sending-mark")).to_have_count(0)
    expect(upvote_button(stale)).to_be_enabled()
    assert watch.upvotes()[-1]["key"] == key
    assert watch.posts == []
    assert count(question) == 1
