"""HEAD requests: every view says which methods it takes, and a HEAD answer never carries
body bytes onto a kept-alive connection (checked on the wire against a real daphne)."""

from __future__ import annotations

import socket
import uuid

import pytest

from facilitate.asgi import HeadWithoutBody
from sessions.agenda import services
from sessions.ideas import services as ideas
from sessions.joining import services as joining
from sessions.models import Workshop
from tests.conftest import session_for
from tests.routes import app_routes


def test_every_view_declares_its_methods():
    """A new route must say which methods its view takes (require_GET, require_safe,
    require_POST, require_http_methods); Django's class-based views answer 405 to a method
    they have no handler for, so theirs are declared by their handlers."""
    undeclared = []
    for route in app_routes():
        if hasattr(route.pattern.callback, "view_class"):
            continue
        methods = route.methods
        if not methods or not set(methods) <= {"GET", "HEAD", "POST"}:
            undeclared.append(f"/{route.route} ({route.name}): {methods}")
    assert not undeclared, "views without a method restriction:\n" + "\n".join(undeclared)


def test_the_walk_sees_the_routes():
    names = {route.name for route in app_routes()}
    assert {"login", "workshops:console", "workshops:snapshot_export", "workshops:vote"} <= names


# --- the ASGI wrapper ------------------------------------------------------------------------


async def streaming_app(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": []})
    for chunk in (b"one", b"two", b"three"):
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def run(scope: dict) -> list[dict]:
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    await HeadWithoutBody(streaming_app)(scope, receive, send)
    return sent


async def test_a_head_answer_is_the_start_and_one_empty_final_body():
    sent = await run({"type": "http", "method": "HEAD", "path": "/"})
    assert sent == [
        {"type": "http.response.start", "status": 200, "headers": []},
        {"type": "http.response.body", "body": b"", "more_body": False},
    ]


async def test_a_get_answer_is_passed_on_whole():
    sent = await run({"type": "http", "method": "GET", "path": "/"})
    assert b"".join(m.get("body", b"") for m in sent) == b"onetwothree"


# --- on the wire -----------------------------------------------------------------------------


def crowded_console(workshop: Workshop) -> None:
    """An ideas step with 200 ideas of 200 characters: a console page well over 64 KiB."""
    step = ideas.add_ideas_step(workshop=workshop, title="Ideas", prompt="How might we?")
    ideas.open_board(board=step.board)
    for n in range(10):
        delegate = joining.join_workshop(
            workshop=workshop, delegate_key=None, display_name=f"Delegate {n}"
        )
        for i in range(20):
            ideas.submit_idea(
                workshop_id=workshop.pk,
                delegate_id=delegate.pk,
                board_id=step.board.pk,
                text=f"Idea {n}-{i}: " + "fewer meetings and more time to think " * 5,
                key=str(uuid.uuid4()),
            )
    services.show_step(workshop=workshop, step=step)


class Connection:
    """One kept-alive HTTP/1.1 connection, read exactly as a client reads it."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=20)
        self.buffer = b""

    def send(self, method: str, path: str, cookie: str) -> None:
        request = (
            f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n"
            "Connection: keep-alive\r\n\r\n"
        )
        self.sock.sendall(request.encode())

    def read_until(self, marker: bytes) -> bytes:
        while marker not in self.buffer:
            self.fill()
        found, self.buffer = self.buffer.split(marker, 1)
        return found

    def read_exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self.fill()
        found, self.buffer = self.buffer[:size], self.buffer[size:]
        return found

    def fill(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise AssertionError(f"connection closed; unread: {self.buffer[:200]!r}")
        self.buffer += data

    def head_block(self) -> tuple[str, dict[str, str]]:
        """The next answer's status line and headers."""
        status, *lines = self.read_until(b"\r\n\r\n").decode("latin-1").split("\r\n")
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return status, headers

    def body(self, headers: dict[str, str]) -> bytes:
        if "content-length" in headers:
            return self.read_exactly(int(headers["content-length"]))
        assert headers.get("transfer-encoding") == "chunked", headers
        body = b""
        while size := int(self.read_until(b"\r\n").split(b";")[0], 16):
            body += self.read_exactly(size)
            assert self.read_exactly(2) == b"\r\n"
        assert self.read_until(b"\r\n") == b""  # no trailers
        return body

    def close(self) -> None:
        self.sock.close()


@pytest.mark.django_db(transaction=True)
def test_a_head_of_a_large_page_leaves_the_connection_clean(server, workshop, facilitator):
    """HEAD of a console over 64 KiB, then GET on the same connection: the HEAD answer has
    headers only, and the GET answer is the next thing on the wire, whole."""
    crowded_console(workshop)
    cookie = f"sessionid={session_for(facilitator)}"
    path = f"/console/workshops/{workshop.pk}/"
    connection = Connection(server.port)
    try:
        connection.send("HEAD", path, cookie)
        status, head_headers = connection.head_block()
        assert status == "HTTP/1.1 200 OK"
        connection.send("GET", path, cookie)
        status, headers = connection.head_block()
        assert status == "HTTP/1.1 200 OK", f"HEAD left body bytes: {status[:120]!r}"
        page = connection.body(headers)
        assert len(page) > 64 * 1024
        assert page.rstrip().endswith(b"</html>")
        # One more answer on the connection: nothing was left over from either.
        connection.send("GET", "/join", cookie)
        status, headers = connection.head_block()
        assert status == "HTTP/1.1 200 OK"
        assert b"</html>" in connection.body(headers)
    finally:
        connection.close()
    # HEAD announces what GET would send.
    assert head_headers.get("content-length") == str(len(page))
