"""Scale-out is configuration: two daphne processes share Redis and the database, and what
happens through one reaches sockets connected to the other."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidMessage, InvalidStatus

from sessions.agenda import services
from sessions.joining import services as joining
from sessions.live.consumers import FLOODED
from sessions.models import Change, Delegate
from sessions.voting import services as voting
from tests.conftest import delegate_cookie_header, session_for
from tests.servers import ROOT, Daphne, Nginx, collected_static_root, nginx_executable

pytestmark = [pytest.mark.multiprocess, pytest.mark.django_db(transaction=True)]

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf_of(html: str) -> str:
    return CSRF.search(html).group(1)


async def frames_until(ws, predicate, within: float = 10.0) -> str:
    seen = []
    async with asyncio.timeout(within):
        while True:
            frame = await ws.recv()
            seen.append(frame)
            if predicate(frame):
                return frame


def count_is(n: int):
    return lambda frame: f'data-count="{n}"' in frame


def ws_url(server: Daphne, path: str) -> str:
    return server.url.replace("http://", "ws://") + path


async def scenario(
    a: Daphne, b: Daphne, workshop, step_title: str, facilitator_session: str
) -> None:
    origin = {"origin": b.url}
    projector_path = f"/ws/display/{workshop.display_token}/"
    async with connect(ws_url(b, projector_path), additional_headers=origin) as projector:
        await frames_until(projector, count_is(0))

        # A delegate joins through process A and opens the phone page's socket there.
        async with httpx.AsyncClient(base_url=a.url) as phone:
            page = await phone.get(f"/j/{workshop.join_token}/")
            joined = await phone.post(
                f"/j/{workshop.join_token}/",
                data={"csrfmiddlewaretoken": csrf_of(page.text), "display_name": "Ali"},
                headers={"referer": a.url},
            )
            assert joined.status_code == 302, joined.text
            cookie = "; ".join(f"{k}={v}" for k, v in phone.cookies.items())
        phone_headers = {"origin": a.url, "cookie": cookie}
        phone_path = f"/ws/phone/{workshop.pk}/"
        async with connect(ws_url(a, phone_path), additional_headers=phone_headers) as phone_ws:
            await frames_until(phone_ws, lambda f: "Waiting for the facilitator" in f)
            await frames_until(projector, count_is(1))

            # The facilitator moves the room through process A; B's projector follows.
            async with httpx.AsyncClient(base_url=a.url) as console:
                console.cookies.set("sessionid", facilitator_session)
                page = await console.get(f"/console/workshops/{workshop.pk}/")
                moved = await console.post(
                    f"/console/workshops/{workshop.pk}/show/",
                    data={"csrfmiddlewaretoken": csrf_of(page.text), "go": "next"},
                    headers={"referer": a.url},
                )
                assert moved.status_code == 302, moved.text
            await frames_until(projector, lambda f: step_title in f)
            await frames_until(phone_ws, lambda f: step_title in f)
        # The phone's tab closed on A: B's projector count goes down.
        await frames_until(projector, count_is(0))


def test_what_happens_through_one_process_reaches_sockets_on_another(
    workshop, facilitator, redis_url
):
    step = services.add_step(workshop=workshop, title="Pick the challenge")
    env = {"REDIS_URL": redis_url, "CHANNEL_LAYER_PREFIX": f"test-{uuid.uuid4().hex[:12]}"}
    with Daphne(env) as a, Daphne(env) as b:
        try:
            asyncio.run(scenario(a, b, workshop, step.title, session_for(facilitator)))
        except BaseException:
            print("process A:\n", a.output(), "\nprocess B:\n", b.output())
            raise


# --- presence across processes ------------------------------------------------------------


async def join_through(server: Daphne, workshop, name: str) -> str:
    """Join `workshop` through `server` as `name`; the phone's cookie header."""
    async with httpx.AsyncClient(base_url=server.url) as phone:
        page = await phone.get(f"/j/{workshop.join_token}/")
        joined = await phone.post(
            f"/j/{workshop.join_token}/",
            data={"csrfmiddlewaretoken": csrf_of(page.text), "display_name": name},
            headers={"referer": server.url},
        )
        assert joined.status_code == 302, joined.text
        return "; ".join(f"{k}={v}" for k, v in phone.cookies.items())


async def count_after_a_crash(a: Daphne, b: Daphne, workshop) -> None:
    projector_path = f"/ws/display/{workshop.display_token}/"
    origin = {"origin": a.url}
    async with connect(ws_url(a, projector_path), additional_headers=origin) as projector:
        await frames_until(projector, count_is(0))
        ali, bo, cy = [await join_through(a, workshop, name) for name in ("Ali", "Bo", "Cy")]
        phone_path = f"/ws/phone/{workshop.pk}/"
        sockets = [  # Ali on A; Bo on B; Cy on both (two tabs)
            (a, ali),
            (b, bo),
            (a, cy),
            (b, cy),
        ]
        opened = []
        for server, cookie in sockets:
            headers = {"origin": server.url, "cookie": cookie}
            ws = await connect(ws_url(server, phone_path), additional_headers=headers)
            await frames_until(ws, lambda f: 'id="step"' in f)
            opened.append(ws)
        await frames_until(projector, count_is(3))
        # B dies without closing anything: its sockets stop being confirmed, and A's sweep
        # drops them once stale. Bo is gone; Cy is still here through A.
        assert b.process is not None
        b.process.kill()
        b.process.wait()
        await frames_until(projector, count_is(2), within=30.0)
        for ws in (opened[0], opened[2]):  # the ones on A
            await ws.close()


def test_a_crashed_process_s_delegates_stop_counting(workshop, redis_url):
    env = {
        "REDIS_URL": redis_url,
        "CHANNEL_LAYER_PREFIX": f"test-{uuid.uuid4().hex[:12]}",
        "PRESENCE_HEARTBEAT_SECONDS": "1",
        "PRESENCE_STALE_SECONDS": "3",
    }
    with Daphne(env) as a, Daphne(env) as b:
        try:
            asyncio.run(count_after_a_crash(a, b, workshop))
        except BaseException:
            print("process A:\n", a.output(), "\nprocess B:\n", b.output())
            raise


# --- behind nginx ---------------------------------------------------------------------------

PROBE = "served by nginx from the collected static files"


def collect_static() -> Path:
    """collectstatic into a temporary STATIC_ROOT, plus a file only nginx can serve."""
    root = Path(tempfile.mkdtemp(prefix="static-"))
    root.chmod(0o755)
    done = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env={**os.environ, "STATIC_ROOT": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (root / "nginx-probe.txt").write_text(PROBE)
    return root


def from_address(address: str, base_url: str) -> httpx.AsyncClient:
    """A client whose connections come from this loopback address (nginx sees it as such)."""
    transport = httpx.AsyncHTTPTransport(local_address=address)
    return httpx.AsyncClient(base_url=base_url, transport=transport)


async def post_code(client: httpx.AsyncClient, code: str) -> httpx.Response:
    page = await client.get("/join")
    return await client.post(
        "/join", data={"csrfmiddlewaretoken": csrf_of(page.text), "code": code}
    )


async def through_nginx(proxy: Nginx, daphnes: list[Daphne], workshop, step_title, session):
    # Static files come from disk; pages from daphne.
    async with from_address("127.0.0.2", proxy.url) as phone:
        probe = await phone.get("/static/nginx-probe.txt")
        assert (probe.status_code, probe.text) == (200, PROBE)
        script = await phone.get("/static/workshops/live.js")
        assert script.status_code == 200
        assert "javascript" in script.headers["content-type"]

        # The join limiter keys on the phone's address (127.0.0.2), not on nginx's (127.0.0.1):
        # 127.0.0.2 runs out of wrong codes, 127.0.0.3 has its own budget, and the right code
        # still joins from 127.0.0.2.
        for _ in range(3):
            assert (await post_code(phone, "QQQQQQ")).status_code == 400
        assert (await post_code(phone, "QQQQQQ")).status_code == 429
        async with from_address("127.0.0.3", proxy.url) as neighbour:
            assert (await post_code(neighbour, "QQQQQQ")).status_code == 400
        joined = await post_code(phone, workshop.join_code)
        assert joined.status_code == 302, joined.text
        assert joined.headers["location"] == f"/j/{workshop.join_token}/"
        page = await phone.get(joined.headers["location"])
        named = await phone.post(
            joined.headers["location"],
            data={"csrfmiddlewaretoken": csrf_of(page.text), "display_name": "Ali"},
        )
        assert named.status_code == 302, named.text
        cookie = "; ".join(f"{k}={v}" for k, v in phone.cookies.items())

    ws_base = proxy.url.replace("http://", "ws://")
    origin = {"origin": proxy.url}
    projector_path = f"/ws/display/{workshop.display_token}/"
    async with connect(ws_base + projector_path, additional_headers=origin) as projector:
        await frames_until(projector, count_is(0))
        # nginx sends each request to the least busy daphne: with the projector's socket open
        # on one process, the facilitator's requests go to the other.
        async with httpx.AsyncClient(base_url=proxy.url) as console:
            console.cookies.set("sessionid", session)
            page = await console.get(f"/console/workshops/{workshop.pk}/")
            moved = await console.post(
                f"/console/workshops/{workshop.pk}/show/",
                data={"csrfmiddlewaretoken": csrf_of(page.text), "go": "next"},
            )
            assert moved.status_code == 302, moved.text
        await frames_until(projector, lambda f: step_title in f)

        phone_headers = {**origin, "cookie": cookie}
        async with connect(
            ws_base + f"/ws/phone/{workshop.pk}/", additional_headers=phone_headers
        ) as phone_ws:
            await frames_until(phone_ws, lambda f: step_title in f)
            await frames_until(projector, count_is(1))


def handled_by(daphnes: list[Daphne], entry: str) -> list[Daphne]:
    """The processes whose access log has this entry (waiting a little for it to be written)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        found = [d for d in daphnes if entry in d.access_log()]
        if found:
            return found
        time.sleep(0.05)
    return []


def test_nginx_in_front_of_daphne_serves_static_files_pages_joins_and_sockets(
    workshop, facilitator
):
    """deploy/nginx.conf as shipped, in front of two daphne processes sharing Redis (CI's
    production pass, REDIS_URL set), or of one daphne in the embedded pass."""
    executable = nginx_executable()
    if executable is None:
        pytest.fail("nginx is not installed; `make test` installs Debian's nginx package.")
    step = services.add_step(workshop=workshop, title="Pick the challenge")
    env = {
        "TRUSTED_PROXIES": "127.0.0.1",
        "JOIN_CODE_FAILURES_ALLOWED": "3",
        "CHANNEL_LAYER_PREFIX": f"test-{uuid.uuid4().hex[:12]}",
    }
    count = 2 if os.environ.get("REDIS_URL") else 1
    daphnes = [Daphne(env, access_log=True).launch() for _ in range(count)]
    static_root = collect_static()
    try:
        for daphne in daphnes:
            daphne.wait_ready()
        with Nginx(executable, daphnes, static_root) as proxy:
            try:
                asyncio.run(
                    through_nginx(proxy, daphnes, workshop, step.title, session_for(facilitator))
                )
                if count > 1:  # the push crossed from one process to the other
                    [acted_on] = handled_by(daphnes, f"POST /console/workshops/{workshop.pk}/show/")
                    [listening] = handled_by(
                        daphnes, f"WSCONNECT /ws/display/{workshop.display_token}/"
                    )
                    assert acted_on is not listening
            except BaseException:
                print("nginx:\n", proxy.output())
                for daphne in daphnes:
                    print("daphne:\n", daphne.output(), daphne.access_log())
                raise
    finally:
        for daphne in daphnes:
            daphne.stop()
        shutil.rmtree(static_root, ignore_errors=True)


# --- one phone flooding its socket ----------------------------------------------------------

FLOOD = 5_000  # messages, written at once


def vote_message(poll_id: int, option: int, action: str) -> tuple[str, str]:
    key = str(uuid.uuid4())
    message = {"type": "vote", "poll": poll_id, "option": option, "action": action, "key": key}
    return key, json.dumps(message)


async def ping_round_trips(ws, n: int) -> list[float]:
    """n heartbeats one after another: how long each waited for its pong."""
    took = []
    for _ in range(n):
        sent = time.monotonic()
        await ws.send('{"type": "ping"}')
        await frames_until(ws, lambda f: f == "pong")
        took.append(time.monotonic() - sent)
    return took


async def flood_beside_a_phone(server: Daphne, workshop, poll_id: int, options: dict) -> dict:
    """One phone writes FLOOD votes at once; another phone on the same process pings and
    votes meanwhile, and the projector shows its vote. Returns the figures."""
    origin = {"origin": server.url}
    phone_path = f"/ws/phone/{workshop.pk}/"
    projector_path = f"/ws/display/{workshop.display_token}/"
    flooder_cookie = await join_through(server, workshop, "Flood")
    phone_cookie = await join_through(server, workshop, "Vic")
    figures: dict = {}
    async with (
        connect(ws_url(server, projector_path), additional_headers=origin) as projector,
        connect(
            ws_url(server, phone_path), additional_headers={**origin, "cookie": phone_cookie}
        ) as phone,
        connect(
            ws_url(server, phone_path), additional_headers={**origin, "cookie": flooder_cookie}
        ) as flooder,
    ):
        for ws in (phone, flooder):
            await frames_until(ws, lambda f: 'id="ballot"' in f)
        await frames_until(projector, lambda f: 'id="results"' in f)
        # The other phone sends 5 + 10 pings and 3 votes: within its own burst of messages.
        figures["ping_before"] = statistics.median(await ping_round_trips(phone, 5))

        async def flooder_closed() -> tuple[int | None, float]:
            try:
                async for _frame in flooder:
                    pass
            except ConnectionClosed:
                pass
            return flooder.close_code, time.monotonic()

        closed = asyncio.ensure_future(flooder_closed())
        started = time.monotonic()
        frames = [
            vote_message(poll_id, options["A"], "add" if i % 2 == 0 else "remove")[1]
            for i in range(FLOOD)
        ]
        for frame in frames:
            await flooder.send(frame)
        figures["flood_written"] = time.monotonic() - started

        # Meanwhile the other phone: its heartbeats, and its votes acknowledged and shown.
        figures["ping_during"] = statistics.median(await ping_round_trips(phone, 10))
        acks, shown = [], []
        for label, score in (("B", 1), ("C", 1), ("B", 2)):
            key, message = vote_message(poll_id, options[label], "add")
            sent = time.monotonic()
            await phone.send(message)
            await frames_until(phone, lambda f, key=key: f'data-ack="{key}"' in f, within=5)
            acks.append(time.monotonic() - sent)
            expected = f'data-option="{options[label]}" data-score="{score}"'
            await frames_until(projector, lambda f, e=expected: e in f, within=5)
            shown.append(time.monotonic() - sent)
        figures["vote_acks"], figures["projector_shown"] = acks, shown

        code, closed_at = await asyncio.wait_for(closed, timeout=30)
        figures["flooder_close_code"] = code
        figures["flooder_closed_after"] = closed_at - started
    return figures


def open_dot_vote(workshop):
    """A dot vote on A, B and C with live results, shown and open."""
    step = voting.add_vote_step(
        workshop=workshop,
        title="Pick",
        body="",
        settings=voting.PollSettings(kind="dots", options=["A", "B", "C"], show_live=True),
    )
    services.show_step(workshop=workshop, step=step)
    return voting.open_poll(poll=step.poll)


def test_a_phone_flooding_its_socket_is_closed_and_another_phone_stays_on_time(workshop):
    poll = open_dot_vote(workshop)
    options = {option.label: option.pk for option in poll.options.all()}
    with Daphne({"CHANNEL_LAYER_PREFIX": f"test-{uuid.uuid4().hex[:12]}"}) as server:
        try:
            figures = asyncio.run(flood_beside_a_phone(server, workshop, poll.pk, options))
        except BaseException:
            print("daphne:\n", server.output())
            raise
    flooder = Delegate.objects.get(display_name="Flood")
    carried_out = Change.objects.filter(key__startswith=f"{flooder.pk}:").count()
    print(f"\nflood of {FLOOD} messages beside another phone: {figures}, carried out {carried_out}")
    assert figures["flooder_close_code"] == FLOODED
    # Within its pace: the burst, and what the pace let through while the flood lasted.
    allowed = settings.PHONE_MESSAGE_BURST + settings.PHONE_MESSAGES_PER_SECOND * (
        figures["flooder_closed_after"] + 1
    )
    assert 0 < carried_out <= allowed
    assert max(figures["vote_acks"]) < 2.0
    assert max(figures["projector_shown"]) < 2.0


# --- a process lost while the room votes -----------------------------------------------------

FAILOVER_PHONES = 100
FAILOVER_WITHIN = 15.0  # seconds for every socket of the lost process to be back


def backoff(attempt: int) -> float:
    """live.js's reconnect delay (seconds): between half and all of min(10 s, 0.5 s x 2^n)."""
    cap = min(10.0, 0.5 * 2.0**attempt)
    return cap / 2 + random.random() * (cap / 2)


class Room:
    """What the phones saw: when each one's socket last opened with its frame, when it lost
    one, and how many of its votes were acknowledged (and when)."""

    def __init__(self, phones: int) -> None:
        self.framed: list[list[float]] = [[] for _ in range(phones)]
        self.lost: list[list[float]] = [[] for _ in range(phones)]
        self.acks: list[float] = []
        self.stop = asyncio.Event()
        self.news = asyncio.Event()

    def note(self, times: list[float]) -> None:
        times.append(time.monotonic())
        self.news.set()

    async def until(self, condition) -> None:
        """Waits for something the phones saw to make `condition()` true."""
        while not condition():
            self.news.clear()
            await self.news.wait()


async def phone_in_the_room(url: str, headers: dict, i: int, room: Room, votes: list[str]):
    """A phone as the page behaves: it reconnects after any close (live.js's backoff), and
    votes every second or two (over its socket) while it is connected."""
    attempt = 0
    while not room.stop.is_set():
        try:
            async with connect(url, additional_headers=headers, open_timeout=30) as ws:
                await frames_until(ws, lambda f: 'id="step"' in f, within=8)
                room.note(room.framed[i])
                attempt = 0
                await vote_while_connected(ws, room, votes)
        except (ConnectionClosed, OSError, TimeoutError, InvalidStatus, InvalidMessage):
            pass
        if room.stop.is_set():
            return
        room.note(room.lost[i])
        await asyncio.sleep(backoff(attempt))
        attempt += 1


async def vote_while_connected(ws, room: Room, votes: list[str]) -> None:
    async def read() -> None:
        async for frame in ws:
            if "data-ack=" in frame:
                room.note(room.acks)

    reader = asyncio.ensure_future(read())
    try:
        for message in itertools.cycle(votes):
            done, _ = await asyncio.wait(
                [reader, asyncio.ensure_future(room.stop.wait())],
                timeout=1 + random.random(),
                return_when=asyncio.FIRST_COMPLETED,
            )
            if done:
                break
            await ws.send(message.replace("KEY", str(uuid.uuid4())))
        if reader.done():
            reader.result()  # the close, raised
    finally:
        reader.cancel()


async def lose_a_process(
    proxy: Nginx, doomed: Daphne, path: str, cookies: list[str], votes: list[str]
) -> dict:
    """len(cookies) phones through nginx (spread over both processes), voting; one process is
    killed. Returns how many phones it held, the seconds each took to be back, and the
    seconds until a vote was acknowledged again after the last was back."""
    room = Room(len(cookies))
    url = proxy.url.replace("http://", "ws://") + path
    phones = [
        asyncio.ensure_future(
            phone_in_the_room(url, {"origin": proxy.url, "cookie": c}, i, room, votes)
        )
        for i, c in enumerate(cookies)
    ]
    try:
        async with asyncio.timeout(60):
            await room.until(lambda: all(room.framed))
        await asyncio.sleep(3)  # the room votes for a while, every phone connected
        assert doomed.process is not None
        killed = time.monotonic()
        doomed.process.kill()

        def moved() -> list[int]:
            return [i for i, lost in enumerate(room.lost) if any(t > killed for t in lost)]

        def all_back() -> bool:
            # nginx drops every socket of the lost process at once; it held at least a
            # quarter of them (least_conn spreads the phones over both).
            held = moved()
            back = all(any(t > killed for t in room.framed[i]) for i in held)
            return len(held) >= FAILOVER_PHONES // 4 and back

        async with asyncio.timeout(FAILOVER_WITHIN + 30):
            await room.until(all_back)
        took = [min(t for t in room.framed[i] if t > killed) - killed for i in moved()]
        last_back = killed + max(took)
        async with asyncio.timeout(10):  # the room is still voting
            await room.until(lambda: any(t > last_back for t in room.acks))
        voting_again = min(t for t in room.acks if t > last_back) - last_back
        return {"held": len(took), "took": took, "voting_again": voting_again}
    finally:
        room.stop.set()
        await asyncio.gather(*phones, return_exceptions=True)


def test_the_phones_of_a_lost_process_are_back_on_the_other_while_the_room_votes(
    workshop, redis_url
):
    """Two daphne processes behind deploy/nginx.conf, FAILOVER_PHONES phones voting over
    their sockets; one process is killed. Every phone it held reconnects (as live.js does)
    to the other and has its frame within FAILOVER_WITHIN seconds, and votes go on."""
    executable = nginx_executable()
    if executable is None:
        pytest.fail("nginx is not installed; `make test` installs Debian's nginx package.")
    poll = open_dot_vote(workshop)
    option = poll.options.get(label="A").pk
    votes = [
        json.dumps({"type": "vote", "poll": poll.pk, "option": option, "action": a, "key": "KEY"})
        for a in ("add", "remove")
    ]
    cookies = []
    for i in range(FAILOVER_PHONES):
        delegate = joining.join_workshop(workshop=workshop, delegate_key=None, display_name=f"P{i}")
        cookies.append(delegate_cookie_header(delegate).decode())
    env = {"REDIS_URL": redis_url, "CHANNEL_LAYER_PREFIX": f"test-{uuid.uuid4().hex[:12]}"}
    daphnes = [Daphne(env).launch() for _ in range(2)]
    try:
        for daphne in daphnes:
            daphne.wait_ready()
        with Nginx(executable, daphnes, collected_static_root()) as proxy:
            try:
                figures = asyncio.run(
                    lose_a_process(proxy, daphnes[0], f"/ws/phone/{workshop.pk}/", cookies, votes)
                )
            except BaseException:
                print("nginx:\n", proxy.output())
                for daphne in daphnes:
                    print("daphne:\n", daphne.output())
                raise
    finally:
        for daphne in daphnes:
            daphne.stop()
    took = sorted(figures["took"])
    print(
        f"\nfailover: {figures['held']} of {FAILOVER_PHONES} phones were on the lost process; "
        f"back on the other in median {statistics.median(took):.2f} s, max {took[-1]:.2f} s; "
        f"a vote acknowledged {figures['voting_again']:.2f} s after the last was back"
    )
    assert took[-1] <= FAILOVER_WITHIN
