"""A phone's ballot taps travel over its open WebSocket, not one HTTP POST each.

The tap is the socket command {"type": "vote", ...} with the form's own fields and key; the
tapped form says "Sending…" until the server's answer (its ballot acknowledging the key, or
the #flash error naming it). Without a socket the same taps go over HTTP; a tap whose answer
was lost with the socket is sent again with the same key after the reconnect, counted once.
"""

from __future__ import annotations

import json
import re
import time

import pytest
from playwright.sync_api import Page, expect

from sessions.agenda import services
from sessions.agenda.services import VOTE_CLOSED
from sessions.models import Mark
from sessions.voting import services as voting
from tests.browser import PHONE, PROJECTOR, block_sockets, join_in, live, open_console, shot
from tests.servers import Daphne

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OPTIONS = ["Changeovers", "Training", "Data entry"]
VOTE_PATH = re.compile(r"/w/\d+/vote/$")


@pytest.fixture
def open_vote(workshop):
    step = voting.add_vote_step(
        workshop=workshop,
        title="Which challenge matters most?",
        body="",
        settings=voting.PollSettings(kind="dots", options=OPTIONS, budget=3, show_live=True),
    )
    services.show_step(workshop=workshop, step=step)
    return voting.open_poll(poll=step.poll)


def row(page: Page, label: str):
    return page.locator("#ballot li.ballot-option").filter(
        has=page.locator(".option-label", has_text=label)
    )


def put_dot(page: Page, label: str):
    return row(page, label).get_by_role("button", name=re.compile("^Put a dot"))


def key_of(page: Page, label: str) -> str:
    return row(page, label).locator("input[name=key]").get_attribute("value")


def allowance(page: Page):
    return page.locator("#ballot .allowance")


def marks(poll) -> list[tuple[str, int]]:
    return sorted((m.option.label, m.value) for m in Mark.objects.filter(ballot__poll=poll))


def vote_frames(frames: list) -> list[dict]:
    found = []
    for payload in frames:
        if isinstance(payload, str) and payload.startswith("{"):
            message = json.loads(payload)
            if message.get("type") == "vote":
                found.append(message)
    return found


class Watch:
    """What a phone context's pages send: HTTP POSTs to the vote address and socket frames."""

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
        if request.method == "POST" and VOTE_PATH.search(request.url):
            self.posts.append(request.url)


def record_busy(page: Page) -> None:
    """From now on, every ballot form marked as sending is logged: its option and its key (a
    redraw while a tap is in flight marks the redrawn form again, with its own key)."""
    page.evaluate(
        """() => {
            window.busyLog = [];
            new MutationObserver((changes) => {
                for (const change of changes) {
                    const form = change.target;
                    if (form.getAttribute("aria-busy") !== "true") continue;
                    const label = form.querySelector(".option-label");
                    const key = form.querySelector("input[name=key]");
                    window.busyLog.push([label && label.textContent, key && key.value]);
                }
            }).observe(document.body, {subtree: true, attributeFilter: ["aria-busy"]});
        }"""
    )


def wait_for(page: Page, condition, what: str, timeout: float = 15.0) -> None:
    """Wait for a condition the test itself observes (a route handler's record)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        page.wait_for_timeout(50)


def test_a_phone_votes_over_its_socket_and_the_projector_shows_the_tally(
    browser, contexts, server, workshop, open_vote
):
    projector = contexts(**PROJECTOR).new_page()
    projector.goto(f"{server.url}/display/{workshop.display_token}/")
    live(projector)
    context = contexts(**PHONE)
    watch = Watch(context)
    phone = join_in(context, server, workshop, "Ana")
    live(phone)
    expect(allowance(phone)).to_contain_text("3 of 3 dots left")
    record_busy(phone)

    keys, tapped = [], []
    for label, left in (("Training", 2), ("Training", 1), ("Changeovers", 0)):
        keys.append(key_of(phone, label))
        tapped.append([label, keys[-1]])
        put_dot(phone, label).click()
        expect(phone.locator("#ballot")).to_have_attribute("data-ack", keys[-1])
        expect(allowance(phone)).to_contain_text(f"{left} of 3 dots left")
    # Each tapped form showed that it was sending, and nothing is pending any more.
    busy = phone.evaluate("() => window.busyLog")
    marked = list(dict.fromkeys(tuple(entry) for entry in busy))  # a redraw marks it again
    assert [list(entry) for entry in marked if list(entry) in tapped] == tapped, busy
    expect(phone.locator("#ballot [aria-busy], #ballot .sending-mark")).to_have_count(0)
    expect(row(phone, "Training").locator(".dots")).to_have_attribute("data-dots", "2")

    sent = vote_frames(watch.frames)
    assert [(m["action"], m["key"]) for m in sent] == [("add", key) for key in keys]
    assert {m["poll"] for m in sent} == {open_vote.pk}
    assert watch.posts == []  # not one vote went over HTTP
    assert marks(open_vote) == [("Changeovers", 1), ("Training", 2)]

    scores = {o.label: o.pk for o in open_vote.options.all()}
    expect(projector.locator(f'[data-option="{scores["Training"]}"]')).to_have_attribute(
        "data-score", "2"
    )
    expect(projector.locator(f'[data-option="{scores["Changeovers"]}"]')).to_have_attribute(
        "data-score", "1"
    )
    shot(phone, "socket-vote-counted")


def test_with_websockets_blocked_the_same_taps_go_over_http(
    browser, contexts, server, workshop, open_vote
):
    context = contexts(**PHONE)
    block_sockets(context)
    watch = Watch(context)
    phone = join_in(context, server, workshop, "Ben")
    expect(phone.locator("#connection")).to_have_attribute("data-state", "polling")
    expect(allowance(phone)).to_contain_text("3 of 3 dots left")

    for label, left in (("Training", 2), ("Data entry", 1)):
        with phone.expect_response(lambda r: bool(VOTE_PATH.search(r.url))) as answer:
            put_dot(phone, label).click()
        assert answer.value.status == 200
        expect(allowance(phone)).to_contain_text(f"{left} of 3 dots left")
    assert len(watch.posts) == 2
    assert vote_frames(watch.frames) == []
    assert marks(open_vote) == [("Data entry", 1), ("Training", 1)]


def test_a_refused_socket_vote_shows_the_message_and_changes_nothing(
    browser, contexts, server, workshop, open_vote
):
    context = contexts(**PHONE)
    watch = Watch(context)
    stale = join_in(context, server, workshop, "Cleo")
    live(stale)
    # The same delegate spends every dot in a second tab; the first still offers them.
    other = context.new_page()
    other.goto(f"{server.url}/w/{workshop.pk}/")
    live(other)
    for label, left in (("Training", 2), ("Training", 1), ("Data entry", 0)):
        put_dot(other, label).click()
        expect(allowance(other)).to_contain_text(f"{left} of 3 dots left")
    expect(allowance(stale)).to_contain_text("3 of 3 dots left")
    before = stale.locator("#ballot").inner_html()

    key = key_of(stale, "Changeovers")
    put_dot(stale, "Changeovers").click()
    flash = stale.locator("#flash")
    expect(flash).to_have_attribute("data-refused", key)
    expect(flash.get_by_role("alert")).to_have_text(
        "You have used all 3 dots. Take one off another option first."
    )
    # Nothing else changed: the ballot is as it was, no longer sending, its buttons usable.
    expect(stale.locator("#ballot [aria-busy], #ballot .sending-mark")).to_have_count(0)
    assert stale.locator("#ballot").inner_html() == before
    expect(put_dot(stale, "Changeovers")).to_be_enabled()
    assert marks(open_vote) == [("Data entry", 1), ("Training", 2)]
    assert watch.posts == []
    assert [m["key"] for m in vote_frames(watch.frames)][-1] == key


def test_a_tap_whose_answer_is_lost_with_the_socket_is_sent_again_and_counted_once(
    browser, contexts, server, workshop, open_vote
):
    """The first socket carries the tap to the server, which counts it, but its answer never
    reaches the page: the socket drops. The page sends the tap again on its next socket with
    the same key; the server acknowledges it without counting it twice."""
    context = contexts(**PHONE)
    connections: list[dict] = []

    def route(ws) -> None:
        this = {"sent": [], "held": [], "withheld": [], "released": False}
        connections.append(this)
        number = len(connections)
        server_side = ws.connect_to_server()

        def from_page(message) -> None:
            this["sent"].append(message)
            is_vote = '"type":"vote"' in message.replace(" ", "")
            if number == 2 and is_vote and not this["released"]:
                this["held"].append(message)  # held until the test has looked
            else:
                server_side.send(message)

        def from_server(message) -> None:
            if number == 1 and "data-ack" in message:
                this["withheld"].append(message)  # the answer is lost
            else:
                ws.send(message)

        ws.on_message(from_page)
        server_side.on_message(from_server)
        this["page_side"] = ws
        this["server_side"] = server_side

    context.route_web_socket(re.compile(r"/ws/phone/"), route)
    watch = Watch(context)
    phone = join_in(context, server, workshop, "Dee")
    live(phone)
    expect(allowance(phone)).to_contain_text("3 of 3 dots left")

    key = key_of(phone, "Training")
    put_dot(phone, "Training").click()
    wait_for(phone, lambda: connections[0]["withheld"], "the server's answer to the tap")
    # Counted on the server; the phone, without its answer, still shows the tap as sending.
    assert marks(open_vote) == [("Training", 1)]
    form = row(phone, "Training").locator("form")
    expect(form).to_have_attribute("aria-busy", "true")
    expect(row(phone, "Training").locator(".sending-mark")).to_have_text("Sending…")
    expect(put_dot(phone, "Training")).to_be_disabled()
    expect(phone.locator("#vote-sending")).to_have_text("Sending your vote…")
    shot(phone, "socket-vote-sending")
    # A second tap on the same form while the first is in flight (as Enter would send it).
    form.evaluate("(form) => form.requestSubmit()")

    connections[0]["page_side"].close(code=1012)  # the connection drops before the answer
    wait_for(phone, lambda: len(connections) == 2 and connections[1]["held"], "the resend")
    resent = json.loads(connections[1]["held"][0])
    assert resent["key"] == key
    assert (resent["poll"], resent["action"]) == (open_vote.pk, "add")
    live(phone)
    # Redrawn by the new socket's first frame, the option is still shown as sending.
    expect(form).to_have_attribute("aria-busy", "true")
    expect(allowance(phone)).to_contain_text("2 of 3 dots left")
    shot(phone, "socket-vote-resending")

    connections[1]["released"] = True
    for message in connections[1]["held"]:
        connections[1]["server_side"].send(message)
    expect(phone.locator("#ballot")).to_have_attribute("data-ack", key)
    expect(phone.locator("#ballot [aria-busy], #ballot .sending-mark")).to_have_count(0)
    expect(allowance(phone)).to_contain_text("2 of 3 dots left")
    expect(row(phone, "Training").locator(".dots")).to_have_attribute("data-dots", "1")
    expect(phone.locator("#vote-sending")).to_have_text("Your vote is saved.")
    assert marks(open_vote) == [("Training", 1)]
    sent = [json.loads(m) for c in connections for m in c["sent"] if '"vote"' in m]
    assert [m["key"] for m in sent] == [key, key]  # once per socket, the second tap not sent
    assert watch.posts == []


def test_a_socket_vote_after_the_facilitator_closed_voting_is_refused(
    browser, contexts, server, workshop, facilitator, open_vote
):
    """The phone has not yet drawn the close (its push is held back) when it taps: the server
    refuses the tap, and the phone shows why."""
    context = contexts(**PHONE)
    held = {"on": False, "pushes": []}

    def route(ws) -> None:
        server_side = ws.connect_to_server()

        def from_server(message) -> None:
            answer = message == "pong" or "data-ack" in message or "data-refused" in message
            if held["on"] and not answer:
                held["pushes"].append(message)  # the push of the close, not drawn yet
            else:
                ws.send(message)

        server_side.on_message(from_server)

    context.route_web_socket(re.compile(r"/ws/phone/"), route)
    watch = Watch(context)
    phone = join_in(context, server, workshop, "Eve")
    live(phone)
    put_dot(phone, "Training").click()
    expect(allowance(phone)).to_contain_text("2 of 3 dots left")

    held["on"] = True
    console = open_console(browser, server, workshop, facilitator)
    console.get_by_role("button", name="Close voting").click()
    expect(console.locator("#step .vote-state")).to_have_attribute("data-state", "closed")
    wait_for(phone, lambda: any("Voting is closed" in m for m in held["pushes"]), "the push")
    expect(allowance(phone)).to_contain_text("2 of 3 dots left")  # not drawn yet

    key = key_of(phone, "Data entry")
    put_dot(phone, "Data entry").click()
    flash = phone.locator("#flash")
    expect(flash).to_have_attribute("data-refused", key)
    expect(flash.get_by_role("alert")).to_have_text(str(VOTE_CLOSED))
    expect(phone.locator("#ballot [aria-busy], #ballot .sending-mark")).to_have_count(0)
    expect(allowance(phone)).to_contain_text("2 of 3 dots left")
    assert marks(open_vote) == [("Training", 1)]
    assert watch.posts == []
    console.context.close()


@pytest.fixture
def server_with_phones_waiting(django_db_setup, django_db_blocker):
    """A daphne process that admits no phone's socket (SOCKET_CONNECTS_AT_ONCE=0): every
    phone waits its turn, as in a reconnect storm, with its pings answered."""
    with Daphne(extra_env={"SOCKET_CONNECTS_AT_ONCE": "0"}) as running:
        yield running


def test_a_phone_waiting_its_turn_to_connect_is_not_live_and_votes_over_http(
    browser, contexts, server_with_phones_waiting, workshop, open_vote
):
    context = contexts(**PHONE)
    context.add_init_script(
        """window.pongs = 0;
        document.addEventListener("htmx:wsBeforeMessage", (event) => {
            if (event.detail.message === "pong") window.pongs += 1;
        });"""
    )
    watch = Watch(context)
    phone = join_in(context, server_with_phones_waiting, workshop, "Cy")
    # Its socket is open and answering the heartbeat, but no frame came: not "Live".
    phone.wait_for_function("() => window.pongs >= 1", timeout=15_000)
    expect(phone.locator("#connection")).to_have_attribute("data-state", "connecting")
    expect(phone.locator("#connection")).to_have_text("Connecting…")
    with phone.expect_response(lambda r: bool(VOTE_PATH.search(r.url))) as answer:
        put_dot(phone, "Training").click()
    assert answer.value.status == 200
    expect(allowance(phone)).to_contain_text("2 of 3 dots left")
    assert vote_frames(watch.frames) == []
    assert len(watch.posts) == 1
    assert marks(open_vote) == [("Training", 1)]
