"""The rehearsal's clients: a facilitator, a projector and N phones, over the network only.

- The facilitator signs in on the sign-in page and moves the room with the console's own
  forms (as htmx posts them: `HX-Request` and the CSRF token in `X-CSRFToken`).
- Each phone scans the QR code (the join link), joins with the join form (which sets the
  delegate cookie), loads the phone page and opens the page's socket; once the socket's
  first frame has come, it is live. It casts its dots over the socket as the phone page does
  (`sessions/static/workshops/vote.js`: `{"type": "vote", poll, option, action, key}`,
  answered with the phone's #ballot carrying `data-ack="<key>"` or a #flash naming the key
  in `data-refused`), one tap after the other as a person taps, then sends an idea and a
  commitment with the phone page's forms (htmx posts).
- The projector opens the display link's socket and keeps the #results frames' dots.

Nothing here touches the database: a separate process (another machine, even) could run
it. `rehearse` is the whole run; `room` (sessions.rehearsal.room) says what to drive.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import datetime
import json
import logging
import random
import re
import ssl
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

from sessions.rehearsal.figures import ANSWER_TIMEOUT, Figures, percentile
from sessions.rehearsal.room import PER_OPTION_MAX, Room

# Not a line per request of a room of phones.
logging.getLogger("httpx").setLevel(logging.WARNING)

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ACK = re.compile(r'data-ack="([^"]+)"')
REFUSED = re.compile(r'data-refused="([^"]+)"')
FLASH = re.compile(r'<p class="flash[^>]*>([^<]*)</p>')
RESULTS = re.compile(r'<section id="results"[^>]*>(.*?)</section>', re.S)
ERROR_ITEM = re.compile(r'class="errorlist[^>]*>\s*<li>([^<]*)</li>')
SCORE = re.compile(r'data-option="(\d+)" data-score="([0-9.]+)"')

Progress = Callable[[str], Awaitable[None]]


class CouldNotRun(Exception):
    """The rehearsal could not start: the address does not answer, or the sign-in failed."""


@dataclass(frozen=True)
class Plan:
    url: str  # the installation's public address, e.g. https://facilitate.example.org
    phones: int
    join_seconds: float = 30.0
    vote_seconds: float = 15.0
    send_seconds: float = 30.0  # each phone sends its idea, then its commitment, within this
    seed: int | None = None

    @property
    def origin(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def socket_base(self) -> str:
        return self.origin.replace("https://", "wss://", 1).replace("http://", "ws://", 1)


async def check_reachable(url: str) -> None:
    """Raises CouldNotRun, saying why, unless the installation answers at `url`."""
    try:
        async with httpx.AsyncClient(timeout=ANSWER_TIMEOUT) as client:
            answer = await client.get(url.rstrip("/") + "/join")
    except httpx.HTTPError as error:
        raise CouldNotRun(f"{url} does not answer ({error.__class__.__name__}: {error})") from None
    if answer.status_code != 200:
        raise CouldNotRun(f"{url}/join answered {answer.status_code}, not the join page")


# --- HTTP ------------------------------------------------------------------------------------


class Browser:
    """One person's HTTP client with their own cookies, sending forms as the pages do."""

    def __init__(self, plan: Plan, figures: Figures, role: str, tls: ssl.SSLContext) -> None:
        self.plan = plan
        self.figures = figures
        self.role = role
        self.tls = tls
        # One TLS context for every client: loading the certificates for each phone's client
        # would cost the loop a tenth of a second a phone.
        self.client = httpx.AsyncClient(
            base_url=plan.origin, timeout=ANSWER_TIMEOUT, follow_redirects=False, verify=tls
        )

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.client.cookies.jar)

    def _headers(self, path: str, htmx: bool) -> dict[str, str]:
        headers = {"Origin": self.plan.origin, "Referer": self.plan.origin + path}
        token = self.client.cookies.get("csrftoken")
        if htmx and token:
            headers |= {"HX-Request": "true", "X-CSRFToken": token}
        return headers

    async def get(self, path: str) -> httpx.Response | None:
        return await self._send("GET", path, None, htmx=False, wanted=(200, 302))

    async def post(
        self,
        path: str,
        data: dict[str, Any],
        *,
        htmx: bool = True,
        wanted: tuple[int, ...] = (200,),
    ) -> httpx.Response | None:
        return await self._send("POST", path, data, htmx=htmx, wanted=wanted)

    async def _send(
        self,
        method: str,
        path: str,
        data: dict[str, Any] | None,
        *,
        htmx: bool,
        wanted: tuple[int, ...],
    ) -> httpx.Response | None:
        """The answer, or None after counting the error (a status it should not get, a
        timeout, a broken connection)."""
        try:
            answer = await self.client.request(
                method, path, data=data, headers=self._headers(path, htmx)
            )
        except httpx.TimeoutException:
            self.figures.error("timeout", f"{self.role} {method} {path}")
            return None
        except httpx.HTTPError as error:
            self.figures.error("connection", f"{self.role} {method} {path}: {error}")
            return None
        if answer.status_code not in wanted:
            said = FLASH.search(answer.text) or ERROR_ITEM.search(answer.text)
            detail = f"{self.role} {method} {path}" + (f": {said.group(1).strip()}" if said else "")
            self.figures.error(f"HTTP {answer.status_code}", detail)
            return None
        return answer

    async def aclose(self) -> None:
        await self.client.aclose()


class Facilitator(Browser):
    async def sign_in(self, room: Room) -> None:
        page = await self.get("/accounts/login/")
        token = CSRF_INPUT.search(page.text) if page is not None else None
        if token is None:
            raise CouldNotRun("the sign-in page did not answer with its form")
        signed_in = await self.post(
            "/accounts/login/",
            {
                "csrfmiddlewaretoken": token.group(1),
                "username": room.username,
                "password": room.password,
            },
            htmx=False,
            wanted=(302,),
        )
        if signed_in is None:
            raise CouldNotRun("the rehearsal's facilitator could not sign in")

    async def show(self, room: Room, step_id: int) -> None:
        await self.post(
            f"/console/workshops/{room.workshop_id}/show/", {"go": "step", "step": step_id}
        )

    async def open_vote(self, room: Room) -> None:
        path = f"/console/workshops/{room.workshop_id}/polls/{room.poll_id}/"
        await self.post(path, {"action": "open"})

    async def open_ideas(self, room: Room) -> None:
        path = f"/console/workshops/{room.workshop_id}/boards/{room.board_id}/"
        await self.post(path, {"do": "open"})

    async def sign_out(self) -> None:
        with contextlib.suppress(httpx.HTTPError):
            await self.post("/accounts/logout/", {}, wanted=(200, 302))


# --- sockets ---------------------------------------------------------------------------------


async def open_socket(
    plan: Plan, path: str, tls: ssl.SSLContext, cookie: str = ""
) -> ClientConnection:
    headers = {"Origin": plan.origin}
    if cookie:
        headers["Cookie"] = cookie
    return await connect(
        plan.socket_base + path,
        ssl=tls if plan.socket_base.startswith("wss:") else None,
        additional_headers=headers,
        open_timeout=ANSWER_TIMEOUT,
        ping_interval=None,
        max_size=None,
        compression=None,
    )


@dataclass
class Projector:
    """The big screen's socket: the dots it shows per option, frame by frame."""

    frames: list[tuple[float, int]] = field(default_factory=list)  # (arrival, total dots)
    latest: dict[int, int] = field(default_factory=dict)
    socket: ClientConnection | None = None
    task: asyncio.Task[None] | None = None
    closed_by_server: int | None = None

    async def start(self, plan: Plan, room: Room, tls: ssl.SSLContext) -> None:
        self.socket = await open_socket(plan, f"/ws/display/{room.display_token}/", tls)
        self.read(str(await asyncio.wait_for(self.socket.recv(), ANSWER_TIMEOUT)))
        self.task = asyncio.create_task(self.listen())

    async def listen(self) -> None:
        assert self.socket is not None
        with contextlib.suppress(WebSocketException):
            async for message in self.socket:
                self.read(str(message))
        self.closed_by_server = self.socket.close_code

    def read(self, text: str) -> None:
        section = RESULTS.search(text)
        if section is None:
            return
        scores = {int(o): round(float(s)) for o, s in SCORE.findall(section.group(1))}
        if scores:
            self.latest = scores
            self.frames.append((time.monotonic(), sum(scores.values())))

    async def stop(self) -> None:
        if self.socket is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.socket.close(), ANSWER_TIMEOUT)
        if self.task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.task, ANSWER_TIMEOUT)


def _running_max(values: list[int]) -> list[int]:
    best, out = 0, []
    for value in values:
        best = max(best, value)
        out.append(best)
    return out


@dataclass
class Tap:
    option: int
    key: str
    sent: float
    answered: asyncio.Future[str]  # "ack", or the refusal's text


class Phone(Browser):
    """One delegate's phone."""

    def __init__(self, plan: Plan, figures: Figures, index: int, tls: ssl.SSLContext) -> None:
        super().__init__(plan, figures, f"phone {index}", tls)
        self.socket: ClientConnection | None = None
        self.task: asyncio.Task[None] | None = None
        self.taps: dict[str, Tap] = {}
        self.acked: list[tuple[float, float]] = []  # (sent, acknowledged)
        self.leaving = False

    async def join(self, room: Room) -> float | None:
        """Scan, join, load the page and open its socket; seconds until live, or None."""
        started = time.monotonic()
        link = f"/j/{room.join_token}/"
        page = await self.get(link)
        token = CSRF_INPUT.search(page.text) if page is not None else None
        if token is None:
            return None
        joined = await self.post(
            link,
            {"csrfmiddlewaretoken": token.group(1), "display_name": ""},
            htmx=False,
            wanted=(302,),
        )
        if joined is None or await self.get(f"/w/{room.workshop_id}/") is None:
            return None
        try:
            self.socket = await open_socket(
                self.plan, f"/ws/phone/{room.workshop_id}/", self.tls, self.cookie_header
            )
            await asyncio.wait_for(self.socket.recv(), ANSWER_TIMEOUT)
        except TimeoutError:
            self.figures.error("timeout", f"{self.role}: the socket's first frame")
            return None
        except (OSError, WebSocketException) as error:
            self.figures.error("socket refused", f"{self.role}: {error}")
            return None
        self.task = asyncio.create_task(self.listen())
        return time.monotonic() - started

    async def listen(self) -> None:
        assert self.socket is not None
        with contextlib.suppress(WebSocketException):
            async for message in self.socket:
                self.read(str(message))
        if not self.leaving:
            self.figures.error(
                "socket closed by the server", f"{self.role}: {self.socket.close_code}"
            )
        for tap in self.taps.values():
            if not tap.answered.done():
                tap.answered.set_result("socket closed")

    def read(self, text: str) -> None:
        for pattern, outcome in ((ACK, "ack"), (REFUSED, None)):
            found = pattern.search(text)
            tap = self.taps.get(found.group(1)) if found else None
            if tap is not None and not tap.answered.done():
                flash = FLASH.search(text)
                tap.answered.set_result(outcome or (flash.group(1).strip() if flash else "refused"))

    async def vote(self, room: Room, at: list[float], start: float, chance: random.Random) -> None:
        """Tap `room.dots` dots at the times `at` (from `start`), each after the previous
        one's answer, as a person taps and watches."""
        counts: dict[int, int] = {}
        for offset in at:
            await asyncio.sleep(max(0.0, start + offset - time.monotonic()))
            option = chance.choice(
                [o for o in room.option_ids if counts.get(o, 0) < PER_OPTION_MAX]
            )
            counts[option] = counts.get(option, 0) + 1
            await self.tap(room, option)

    async def tap(self, room: Room, option: int) -> None:
        assert self.socket is not None
        key = str(uuid.uuid4())
        tap = Tap(option, key, time.monotonic(), asyncio.get_running_loop().create_future())
        self.taps[key] = tap
        self.figures.taps += 1
        message = {
            "type": "vote",
            "poll": room.poll_id,
            "option": option,
            "action": "add",
            "key": key,
        }
        try:
            await self.socket.send(json.dumps(message))
            outcome = await asyncio.wait_for(asyncio.shield(tap.answered), ANSWER_TIMEOUT)
        except TimeoutError:
            self.figures.unanswered += 1
            self.figures.error("tap unanswered", self.role)
            return
        except WebSocketException:
            outcome = "socket closed"
        if outcome == "ack":
            now = time.monotonic()
            self.figures.ack_times.append(now - tap.sent)
            self.acked.append((tap.sent, now))
        else:
            self.figures.error("tap refused", f"{self.role}: {outcome}")

    async def send_idea(self, room: Room, index: int) -> None:
        path = f"/w/{room.workshop_id}/ideas/send/"
        data = {
            "board": room.board_id,
            "text": f"Idea from phone {index}",
            "key": str(uuid.uuid4()),
        }
        if await self.post(path, data) is not None:
            self.figures.ideas_sent += 1

    async def send_commitment(self, room: Room, today: datetime.date) -> None:
        path = f"/w/{room.workshop_id}/commitments/new/"
        data = {
            "step": room.commit_step_id,
            "action": "I will time one changeover on line 2",
            "link": f"option:{room.option_ids[0]}",
            "first_step_when": "When Monday's shift starts",
            "first_step_then": "time one changeover",
            "first_step_on": today.isoformat(),
            "measure": "changeovers take under 20 minutes",
            "done_by": (today + datetime.timedelta(days=30)).isoformat(),
            "buddy": "",
            "email": "",
            "key": str(uuid.uuid4()),
        }
        if await self.post(path, data) is not None:
            self.figures.commitments_sent += 1

    async def leave(self) -> None:
        self.leaving = True
        if self.socket is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.socket.close(), ANSWER_TIMEOUT)
        if self.task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.task, ANSWER_TIMEOUT)
        await self.aclose()


# --- the run ---------------------------------------------------------------------------------


StoredDots = Callable[[], Awaitable[dict[int, int]]]


async def rehearse(
    plan: Plan, room: Room, today: datetime.date, stored: StoredDots, progress: Progress
) -> Figures:
    """Drive the room at `plan.url`; the figures. `stored` reads the dots the database
    holds (the one thing read from the installation's database, for the final check)."""
    figures = Figures(phones=plan.phones)
    began, cpu = time.monotonic(), time.process_time()
    lags: list[float] = []
    watching = asyncio.create_task(watch_loop(lags))
    chance = random.Random(plan.seed)  # noqa: S311  (when phones tap, not security)
    tls = httpx.create_ssl_context()
    facilitator = Facilitator(plan, figures, "facilitator", tls)
    projector = Projector()
    phones = [Phone(plan, figures, i, tls) for i in range(plan.phones)]
    try:
        await progress("The facilitator signs in and opens the vote")
        await facilitator.sign_in(room)
        await projector.start(plan, room, tls)
        await facilitator.show(room, room.vote_step_id)
        await facilitator.open_vote(room)
        await progress(f"{plan.phones} phones are scanning the QR code")
        await join_all(plan, phones, room, figures, chance)
        await progress(f"{figures.joined} phones are voting")
        await vote_all(plan, phones, room, chance)
        await progress("Checking the projector against the stored votes")
        await settle(projector, stored, figures)
        followed(projector, phones, figures)
        await progress("Phones send ideas")
        await facilitator.show(room, room.ideas_step_id)
        await facilitator.open_ideas(room)
        await spread(
            plan, [p for p in phones if p.socket], chance, lambda p, i: p.send_idea(room, i)
        )
        await progress("Phones send commitments")
        await facilitator.show(room, room.commit_step_id)
        await spread(
            plan,
            [p for p in phones if p.socket],
            chance,
            lambda p, i: p.send_commitment(room, today),
        )
        if projector.closed_by_server is not None:
            figures.error("socket closed by the server", f"projector: {projector.closed_by_server}")
    finally:
        await asyncio.gather(*(phone.leave() for phone in phones), return_exceptions=True)
        await projector.stop()
        await facilitator.sign_out()
        await facilitator.aclose()
        watching.cancel()
        figures.seconds = time.monotonic() - began
        figures.client_cpu = (time.process_time() - cpu) / figures.seconds
        figures.client_lag_p99 = percentile(lags, 0.99) or 0.0
    return figures


async def watch_loop(lags: list[float], every: float = 0.05) -> None:
    """How late this event loop wakes up: when the simulated phones keep it busy, their
    measured delays include their own."""
    while True:
        asked = time.monotonic()
        await asyncio.sleep(every)
        lags.append(max(0.0, time.monotonic() - asked - every))


async def join_all(
    plan: Plan, phones: list[Phone], room: Room, figures: Figures, chance: random.Random
) -> None:
    """Each phone scans at its own moment within `plan.join_seconds`."""
    start = time.monotonic()
    moments = sorted(chance.uniform(0, plan.join_seconds) for _ in phones)

    async def one(phone: Phone, at: float) -> None:
        await asyncio.sleep(max(0.0, start + at - time.monotonic()))
        took = await phone.join(room)
        if took is not None:
            figures.joined += 1
            figures.join_times.append(took)
            figures.all_joined_after = time.monotonic() - start

    await asyncio.gather(*(one(phone, at) for phone, at in zip(phones, moments, strict=True)))


async def vote_all(plan: Plan, phones: list[Phone], room: Room, chance: random.Random) -> None:
    """Every live phone taps its dots within `plan.vote_seconds`."""
    start = time.monotonic()
    live = [p for p in phones if p.socket is not None]
    await asyncio.gather(
        *(
            phone.vote(
                room,
                sorted(chance.uniform(0, plan.vote_seconds) for _ in range(room.dots)),
                start,
                chance,
            )
            for phone in live
        )
    )


async def spread(
    plan: Plan,
    phones: list[Phone],
    chance: random.Random,
    send: Callable[[Phone, int], Awaitable[None]],
) -> None:
    """Each phone sends once, at its own moment within `plan.send_seconds`."""
    start = time.monotonic()

    async def one(phone: Phone, index: int) -> None:
        await asyncio.sleep(
            max(0.0, start + chance.uniform(0, plan.send_seconds) - time.monotonic())
        )
        await send(phone, index)

    await asyncio.gather(*(one(phone, i) for i, phone in enumerate(phones)))


async def settle(projector: Projector, stored: StoredDots, figures: Figures) -> None:
    """Wait (up to ANSWER_TIMEOUT) for the projector to show exactly the stored dots."""
    deadline = time.monotonic() + ANSWER_TIMEOUT
    while True:
        held = await stored()
        shown = {option: n for option, n in projector.latest.items() if n}
        if shown == {option: n for option, n in held.items() if n}:
            figures.projector_matches = True
        if figures.projector_matches or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.1)
    figures.projector_dots = sum(projector.latest.values())
    figures.stored_dots = sum(held.values())


def followed(projector: Projector, phones: list[Phone], figures: Figures) -> None:
    """Tap to projector: the k-th acknowledged tap (in the order of their acknowledgements)
    is on the projector once a frame shows at least k dots; its time is from the tap being
    sent to that frame (at least 0: the frame may be another tap's, already counted)."""
    acked = sorted((a for p in phones for a in p.acked), key=lambda pair: pair[1])
    arrivals = [arrival for arrival, _total in projector.frames]
    shown_at_least = _running_max([total for _arrival, total in projector.frames])
    for k, (sent, _answered) in enumerate(acked, start=1):
        at = bisect.bisect_left(shown_at_least, k)  # the first frame showing k dots or more
        if at == len(arrivals):
            figures.projector_missed += 1
        else:
            figures.projector_times.append(max(0.0, arrivals[at] - sent))
    if figures.projector_missed:
        figures.errors["projector missed a tap"] = figures.projector_missed
