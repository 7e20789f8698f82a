"""ASGI entry point: HTTP through Django, WebSockets through Channels (origin-checked).

A socket's handshake does no database work before the consumer accepts it: the stack reads
the cookies and wraps the login session without loading it; the consumer looks up the user
only for the console, after its accept (`sessions.live.consumers`). A handshake queued on the
database thread behind a room's votes would be dropped by daphne before it was accepted.
"""

import asyncio
import gc
import os
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from asgiref.typing import (
    ASGIReceiveCallable,
    ASGISendCallable,
    ASGISendEvent,
    Scope,
)
from django.core.asgi import get_asgi_application

# An ASGI application: Django's handler and Channels' routers each type the scope and the
# messages in their own way, so the wrappers below take either.
App = Callable[[Any, Any, Any], Awaitable[None]]

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "facilitate.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402  (needs Django set up)
from channels.sessions import SessionMiddlewareStack  # noqa: E402

from sessions.live.broadcast import coalescer  # noqa: E402
from sessions.live.consumers import presence_heartbeat  # noqa: E402
from sessions.live.origin import SameOriginValidator  # noqa: E402
from sessions.live.routing import websocket_urlpatterns  # noqa: E402

# The collector's thresholds for a serving process (Python's default: 700, 10, 10).
GC_THRESHOLDS = (10_000, 20, 10)


def settle_garbage_collector() -> None:
    """Keep the cyclic garbage collector from pausing a room.

    A server process allocates fast (every vote, frame and answer) and holds many objects
    (the code, the templates, every socket's state). With Python's defaults the collector
    looks through the young objects every 700 allocations, so anything that lives a few
    milliseconds, a vote waiting for its batch's commit, is promoted to the oldest
    generation; that grows by a quarter every second or two under load, and each time the
    collector walks the whole heap. Measured under 500 votes/s: a pause of 100 to 210 ms
    every 1 to 3 s, the slowest answers the room saw.

    So, once the application is loaded, what is loaded now (the code of Django, Channels
    and the app, the settings, the URL patterns) is frozen out of the collections (it lives
    as long as the process), and the young generation is collected every 10,000
    allocations rather than 700, so short-lived objects die young instead of being
    promoted. Cycles are still collected.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def _stop_pushing(loop: asyncio.AbstractEventLoop, _heartbeat: asyncio.Task[None]) -> None:
    coalescer.detach(loop)


class ServerLoop:
    """Records the server's event loop for the push coalescer and starts the per-process
    presence heartbeat on it, the first time the loop serves a request."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.tasks: dict[asyncio.AbstractEventLoop, asyncio.Task[None]] = {}

    async def __call__(
        self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        if scope["type"] != "lifespan":
            loop = asyncio.get_running_loop()
            if loop not in self.tasks:
                self.tasks = {
                    known: task for known, task in self.tasks.items() if not known.is_closed()
                }
                coalescer.attach(loop)
                heartbeat = loop.create_task(presence_heartbeat())
                # Cancelled only when the loop shuts down: the coalescer stops with it.
                heartbeat.add_done_callback(partial(_stop_pushing, loop))
                self.tasks[loop] = heartbeat
        return await self.app(scope, receive, send)


class HeadWithoutBody:
    """An answer to an HTTP HEAD request is its status and headers only, whatever the view
    sends: every body message is dropped and one empty final one sent in their place.

    daphne drops only the first body message of a HEAD answer, and Django sends a page over
    64 KiB (or a streamed response) in several, so the rest would reach a kept-alive
    connection as the start of the next answer.
    """

    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(
        self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        if scope["type"] != "http" or scope.get("method") != "HEAD":
            return await self.app(scope, receive, send)
        finished = False

        async def send_head(message: ASGISendEvent) -> None:
            nonlocal finished
            if message["type"] == "http.response.body":
                if finished or message.get("more_body", False):
                    return
                finished = True
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        return await self.app(scope, receive, send_head)


application = ServerLoop(
    ProtocolTypeRouter(
        {
            "http": HeadWithoutBody(django_asgi_app),
            "websocket": SameOriginValidator(
                SessionMiddlewareStack(URLRouter(websocket_urlpatterns))
            ),
        }
    )
)

settle_garbage_collector()
