"""The benchmark's WebSocket clients.

- `SinkPhone`: a cheap phone on a raw asyncio socket. It counts frames and bytes, answers
  pings, notes the version of each #results frame, sends votes and matches their answers
  (`data-ack` / `data-refused`); it parses nothing else.
- `Watcher`: a fully parsing client (the `websockets` library) for the projector and the
  probe phones: every #results frame's version, render time and scores.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from websockets.asyncio.client import ClientConnection, connect

try:
    from websockets.speedups import apply_mask
except ImportError:  # pragma: no cover - the pure-Python fallback
    from websockets.utils import apply_mask

RESULTS_START = b'<section id="results"'
ACK = re.compile(rb'data-ack="([^"]*)" data-change="(\d*)"')
REFUSED = re.compile(rb'data-refused="([^"]+)"')
FLASH_TEXT = re.compile(rb'<p class="flash[^>]*>([^<]*)</p>')
VERSION = re.compile(rb'data-version="(\d+)"')
RESULTS_TAG = re.compile(r'<section id="results"[^>]*>')
TAG_VERSION = re.compile(r'data-version="(\d+)"')
TAG_RENDERED = re.compile(r'data-rendered="(\d+)"')
SCORE = re.compile(r'data-option="(\d+)" data-score="([0-9.]+)"')
# The Q&A's upvote step follows #questions instead: each question's id and its upvotes.
QUESTIONS_START = b'<section id="questions"'
QUESTIONS_TAG = re.compile(r'<section id="questions"[^>]*>')
UPVOTES = re.compile(r'data-question="(\d+)" data-votes="(\d+)"')

TEXT, CLOSE, PING, PONG, CONTINUATION = 0x1, 0x8, 0x9, 0xA, 0x0


def frame(opcode: int, payload: bytes) -> bytes:
    """A masked client frame (RFC 6455 section 5.2)."""
    mask = os.urandom(4)
    n = len(payload)
    if n < 126:
        header = bytes([0x80 | opcode, 0x80 | n])
    elif n < 1 << 16:
        header = bytes([0x80 | opcode, 0x80 | 126]) + n.to_bytes(2, "big")
    else:
        header = bytes([0x80 | opcode, 0x80 | 127]) + n.to_bytes(8, "big")
    return header + mask + apply_mask(payload, mask)


class Answers(Protocol):
    """Where a phone reports what became of the votes it sent."""

    def ack(self, index: int, t: float, change: int | None) -> None: ...
    def refuse(self, index: int, t: float, reason: str) -> None: ...
    def lose(self, index: int, t: float, reason: str) -> None: ...


class SinkPhone(asyncio.Protocol):
    """One phone's socket, kept as cheap as a socket that answers votes can be."""

    def __init__(self, port: int, path: str, cookie: str) -> None:
        self.request = (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}"
            f"\r\nSec-WebSocket-Version: 13\r\nOrigin: http://127.0.0.1:{port}\r\n"
            f"Cookie: {cookie}\r\n\r\n"
        ).encode()
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.upgraded = False
        self.fragments: list[bytes] = []
        loop = asyncio.get_running_loop()
        self.ready: asyncio.Future[None] = loop.create_future()
        self.ready.add_done_callback(_retrieve)  # a failed handshake fails both futures
        self.opened: asyncio.Future[None] = loop.create_future()  # the 101 answer came
        self.opened.add_done_callback(_retrieve)  # awaited only by those who need it
        self.gone: asyncio.Future[None] = loop.create_future()  # set when the socket closes
        self.snapshot_version: int | None = None  # the highest data-version in the snapshot
        self.frames = 0
        self.bytes = 0
        self.results_frames = 0
        self.region_start = RESULTS_START  # QUESTIONS_START during an upvote step
        self.recording = False
        self.results: list[tuple[float, int]] = []  # (arrival, version) while recording
        self.pending: dict[str, int] = {}  # vote key -> vote index
        self.answers: Answers | None = None
        self.closed = False
        self.close_code: int | None = None
        self.answered_at = 0.0  # time.monotonic() of the last message from the server

    # --- asyncio.Protocol ---------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.upgraded:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(self.buffer[:end]).split(b"\r\n", 1)[0]
            del self.buffer[: end + 4]
            if b" 101 " not in status:
                self._fail(f"handshake: {status.decode(errors='replace')}")
                return
            self.upgraded = True
            if not self.opened.done():
                self.opened.set_result(None)
        self._read_frames()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.gone.done():
            self.gone.set_result(None)
        if not self.opened.done():
            self.opened.set_exception(ConnectionError("closed before the handshake ended"))
        if not self.ready.done():
            self.ready.set_exception(ConnectionError(f"closed ({self.close_code})"))
        if self.pending and self.answers is not None:
            now = time.monotonic()
            for index in self.pending.values():
                self.answers.lose(index, now, "socket closed")
        self.pending.clear()

    # --- frames -------------------------------------------------------------------------

    def _read_frames(self) -> None:
        buf, pos, size = self.buffer, 0, len(self.buffer)
        while size - pos >= 2:
            b0, b1 = buf[pos], buf[pos + 1]
            length, head = b1 & 0x7F, 2
            if length == 126:
                if size - pos < 4:
                    break
                length, head = int.from_bytes(buf[pos + 2 : pos + 4], "big"), 4
            elif length == 127:
                if size - pos < 10:
                    break
                length, head = int.from_bytes(buf[pos + 2 : pos + 10], "big"), 10
            mask = b""
            if b1 & 0x80:  # servers do not mask; tolerate it anyway
                mask, head = bytes(buf[pos + head : pos + head + 4]), head + 4
            if size - pos < head + length:
                break
            payload = bytes(buf[pos + head : pos + head + length])
            pos += head + length
            self._on_frame(
                b0 & 0x0F, bool(b0 & 0x80), apply_mask(payload, mask) if mask else payload
            )
        del buf[:pos]

    def _on_frame(self, opcode: int, fin: bool, payload: bytes) -> None:
        self.frames += 1
        self.bytes += len(payload)
        if opcode == PING:
            self._write(frame(PONG, payload))
        elif opcode == CLOSE:
            self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
            self._write(frame(CLOSE, payload[:2]))
            if self.transport is not None:
                self.transport.close()
        elif opcode in (TEXT, CONTINUATION):
            self.fragments.append(payload)
            if fin:
                message = b"".join(self.fragments)
                self.fragments.clear()
                self._on_message(message)

    def _on_message(self, message: bytes) -> None:
        now = time.monotonic()
        self.answered_at = now
        if message == b"pong":
            return  # the page's heartbeat (see `ping`)
        if not self.ready.done():
            versions = [int(v) for v in VERSION.findall(message)]
            self.snapshot_version = max(versions) if versions else None
            self.ready.set_result(None)  # the snapshot
            return
        if message.startswith(self.region_start):
            self.results_frames += 1
            if self.recording:
                found = VERSION.search(message, 0, 300)
                if found:
                    self.results.append((now, int(found.group(1))))
            return
        if not self.pending or self.answers is None:
            return
        if acked := ACK.search(message):
            index = self.pending.pop(acked.group(1).decode(), None)
            if index is not None:
                change = int(acked.group(2)) if acked.group(2) else None
                self.answers.ack(index, now, change)
        elif refused := REFUSED.search(message):
            index = self.pending.pop(refused.group(1).decode(), None)
            if index is not None:
                text = FLASH_TEXT.search(message)
                reason = text.group(1).decode(errors="replace").strip() if text else "refused"
                self.answers.refuse(index, now, reason)

    def _write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def _fail(self, reason: str) -> None:
        if not self.opened.done():
            self.opened.set_exception(ConnectionError(reason))
        if not self.ready.done():
            self.ready.set_exception(ConnectionError(reason))
        if self.transport is not None:
            self.transport.close()

    # --- what the load generator uses ---------------------------------------------------

    def send_vote(self, index: int, key: str, text: str) -> bool:
        if self.closed or self.transport is None or self.transport.is_closing():
            return False
        self.pending[key] = index
        self.transport.write(frame(TEXT, text.encode()))
        return True

    def ping(self) -> None:
        """The page's heartbeat message (live.js), answered "pong" by the server."""
        self._write(frame(TEXT, b'{"type": "ping"}'))

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(frame(CLOSE, (1000).to_bytes(2, "big")))
            self.transport.close()


def _retrieve(future: asyncio.Future[None]) -> None:
    if not future.cancelled():
        future.exception()


async def open_sink(port: int, path: str, cookie: str, within: float) -> SinkPhone:
    """A connected phone that has received its snapshot, or an exception saying why not."""
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(within):
        _, phone = await loop.create_connection(
            lambda: SinkPhone(port, path, cookie), "127.0.0.1", port
        )
        try:
            await phone.ready
        except BaseException:
            phone.close()
            raise
    return phone


# --- fully parsing clients --------------------------------------------------------------------


@dataclass
class ResultsFrame:
    arrival: float  # time.monotonic()
    version: int
    rendered_ms: int | None  # the server's wall-clock render time (projector fragments)
    arrival_wall_ms: float
    scores: dict[int, float]

    @property
    def total(self) -> float:
        return sum(self.scores.values())


def parse_results(text: str, arrival: float, region: str = "results") -> ResultsFrame | None:
    """A #results frame (a vote's scores), or with `region` "questions" a #questions frame
    (the projector's questions and their upvotes)."""
    tag = (QUESTIONS_TAG if region == "questions" else RESULTS_TAG).search(text)
    if tag is None:
        return None
    version = TAG_VERSION.search(tag.group(0))
    if version is None:
        return None
    rendered = TAG_RENDERED.search(tag.group(0))
    end = text.find("</section>", tag.end())
    body = text[tag.end() : end if end >= 0 else len(text)]
    found = (UPVOTES if region == "questions" else SCORE).findall(body)
    scores = {int(o): float(s) for o, s in found}
    return ResultsFrame(
        arrival,
        int(version.group(1)),
        int(rendered.group(1)) if rendered else None,
        time.time() * 1000,
        scores,
    )


@dataclass
class Watcher:
    """The projector or a probe phone: parses every frame and keeps its #results frames."""

    url: str
    headers: dict[str, str]
    frames: int = 0
    results: list[ResultsFrame] = field(default_factory=list)
    latest: ResultsFrame | None = None
    closed: bool = False
    close_code: int | None = None
    on_results: Callable[[ResultsFrame], None] | None = None
    region: str = "results"  # the region whose frames it keeps ("questions": upvote steps)
    connection: ClientConnection | None = None
    task: asyncio.Task[None] | None = None

    async def start(self, within: float = 30) -> None:
        """Connect and read the snapshot, within `within` seconds."""
        self.connection = await connect(
            self.url,
            additional_headers=self.headers,
            compression=None,
            max_size=None,
            ping_interval=None,
            open_timeout=within,
        )
        first = await asyncio.wait_for(self.connection.recv(), within)
        self._handle(first)
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.connection is not None
        with contextlib.suppress(Exception):
            async for message in self.connection:
                self._handle(message)
        self.closed = True
        self.close_code = self.connection.close_code

    def _handle(self, message: str | bytes) -> None:
        self.frames += 1
        text = message if isinstance(message, str) else message.decode()
        parsed = parse_results(text, time.monotonic(), self.region)
        if parsed is None:
            return
        self.latest = parsed
        self.results.append(parsed)
        if self.on_results is not None:
            self.on_results(parsed)

    def send(self, text: str) -> None:
        assert self.connection is not None
        task = asyncio.ensure_future(self.connection.send(text))
        task.add_done_callback(lambda t: t.exception())

    async def stop(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.connection.close(), 5)
        if self.task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.task, 5)
