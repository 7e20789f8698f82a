"""What a phone downloads over venue Wi-Fi: a delegate's page is light cold and lighter warm.

Counted as the browser counts it on the wire: every HTTP answer's headers and body as
received (compressed where it was sent compressed), and every WebSocket message in either
direction, from the page's load until it is live with its ballot. Cold is a phone's first
visit (an empty cache); warm is the same phone opening the page again (the hashed static
files come from its cache without asking).

The page carries the digest of its socket's first frame, and a socket that gives it back is
sent only the frame's mark: a page just loaded is not drawn twice.

Measured on a six-option dot vote: cold 48 KB (59 KB before pages were compressed), of which
8.3 KB was the socket's first frame; warm 3.4 KB over HTTP (11.7 KB before) plus that frame,
now plus the socket's few hundred bytes (its mark, its pings).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from playwright.sync_api import BrowserContext, Page, Request, WebSocket, expect

from sessions.agenda import services
from sessions.voting import services as voting
from tests.browser import PHONE, join_in, live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COLD_LIMIT = 60 * 1024
WARM_LIMIT = 10 * 1024
# Warm, over HTTP: the page itself, compressed, and nothing else.
WARM_HTTP_LIMIT = 5 * 1024
OPTIONS = [
    "Changeovers take too long",
    "Training new starters",
    "Data entered twice",
    "Waiting for materials",
    "Quality checks at the end",
    "Unplanned maintenance",
]


@dataclass
class Wire:
    """Bytes a page moved, per address (HTTP) and over its sockets."""

    http: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    socket: int = 0
    received: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.http.values()) + self.socket

    def listen(self, page: Page) -> None:
        page.on("requestfinished", self._finished)
        page.on("websocket", self._socket)

    def _finished(self, request: Request) -> None:
        sizes = request.sizes()
        response = request.response()
        received = sizes["responseHeadersSize"] + sizes["responseBodySize"]
        # Chromium reports an answer taken from its cache as nothing received (its body
        # size is minus its headers'): no request went out either.
        moved = 0
        if received > 0:
            moved = received + sizes["requestHeadersSize"] + sizes["requestBodySize"]
        self.http[request.url] = self.http.get(request.url, 0) + moved
        self.statuses[request.url] = response.status if response else 0

    def _socket(self, socket: WebSocket) -> None:
        def count(payload: str | bytes) -> None:
            self.socket += len(payload.encode() if isinstance(payload, str) else payload)

        def received(payload: str | bytes) -> None:
            count(payload)
            if payload != "pong":
                self.received.append(str(payload))

        socket.on("framereceived", received)
        socket.on("framesent", count)

    def report(self) -> str:
        lines = [f"{size:>7} {url}" for url, size in sorted(self.http.items())]
        return "\n".join(
            [*lines, f"{self.socket:>7} WebSocket messages", f"{self.total:>7} in all"]
        )


def open_phone_page(context: BrowserContext, url: str) -> tuple[Page, Wire]:
    page = context.new_page()
    wire = Wire()
    wire.listen(page)
    page.goto(url)
    live(page)
    expect(page.locator("#ballot li.ballot-option")).to_have_count(len(OPTIONS))
    page.wait_for_load_state("networkidle")
    return page, wire


@pytest.fixture
def vote_on_screen(workshop):
    step = voting.add_vote_step(
        workshop=workshop,
        title="Which challenge costs your business most?",
        body="Place your dots on the challenges that cost you most time.",
        settings=voting.PollSettings(kind="dots", options=OPTIONS, budget=5, show_live=True),
    )
    services.show_step(workshop=workshop, step=step)
    return voting.open_poll(poll=step.poll)


def test_a_phone_page_is_under_60_kb_cold_and_asks_only_for_itself_warm(
    browser, server, workshop, vote_on_screen
):
    context = browser.new_context(**PHONE)
    try:
        joined = join_in(context, server, workshop, "Dana")
        live(joined)
        url = joined.url
        joined.close()
        # Cold: the same delegate, a phone whose cache is empty.
        cold_context = browser.new_context(**PHONE)
        try:
            cold_context.add_cookies(context.cookies())
            cold, wire = open_phone_page(cold_context, url)
            print(f"\ncold:\n{wire.report()}")
            assert all(status < 400 for status in wire.statuses.values()), wire.statuses
            assert wire.total < COLD_LIMIT, wire.report()
            # Warm: the same phone opens the page again.
            cold.close()
            warm, wire = open_phone_page(cold_context, url)
            print(f"warm:\n{wire.report()}")
            assert all(status < 400 for status in wire.statuses.values()), wire.statuses
            assert sum(wire.http.values()) < WARM_HTTP_LIMIT, wire.report()
            assert wire.total < WARM_LIMIT, wire.report()
            fetched = [url for url, size in wire.http.items() if size]
            assert fetched == [url], wire.report()
            # The socket sent the frame's mark, not the frame the page already showed.
            assert len(wire.received) == 1
            assert wire.received[0].startswith("<!--frame:")
            warm.close()
        finally:
            cold_context.close()
    finally:
        context.close()
