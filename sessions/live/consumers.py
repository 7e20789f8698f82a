"""The one WebSocket consumer: every page (phone, projector, console) opens one socket.

Paths (see `sessions.routing`):
    /ws/phone/<workshop_id>/     a delegate, identified by their signed cookie
    /ws/display/<token>/         the projector, by its revocable display link
    /ws/console/<workshop_id>/   a facilitator, by their login session
    /ws/console/<workshop_id>/remote/   a facilitator's remote, by their login session
    /ws/remote/<token>/          a remote opened by a remote link (no login); closed with
                                 4403 as soon as the link is revoked

It accepts at once, then checks access (`sessions.access`), joins the audience's group
through this process's fan-out (`sessions.live.fanout`, which hands each push to the consumer's
`deliver`; a socket has no channel of its own in the channel layer), and sends a full frame
of every live region, so a reconnect never needs a missed message. Phones connect a few at a
time per process (SOCKET_CONNECTS_AT_ONCE, in the order they came; projectors and consoles
do not wait): a phone waiting its turn has its pings answered, and any other message it sends
waits for its first frame. The page says "Live" once that frame has come.

Accepts (JSON text messages, at most MAX_MESSAGE bytes):
    {"type": "ping"}   answered with the text message "pong" (the page's heartbeat, every 4 s
                       from every page: answered at once, with no database work)
    {"type": "vote", "poll": id, "option": id, "action": ..., "value": n, "key": uuid}
                       from a delegate: the same form and service as the HTTP vote (batched
                       with the votes arriving at once, `sessions.voting.writer`); answered
                       after commit with the delegate's #ballot carrying data-ack="<key>"
                       (the acknowledgement), or an #flash error naming the key.
    {"type": "upvote", "question": id, "up": 1|0, "questions": "top"|"new", "key": uuid}
                       from a delegate: a Q&A upvote (or taking it back), the same form and
                       service as the HTTP upvote, batched with the votes by the same writer;
                       answered after commit with the delegate's #my-questions carrying
                       data-ack="<key>" data-change="<version>" and the #flash message, or an
                       #flash error naming the key.
Anything else (not JSON, nested too deep to read, not an object) is answered with an #flash
error fragment and changes nothing.

One socket's pace: Channels hands a consumer its messages one at a time, so at most one of a
socket's messages is being carried out; the rest wait their turn. Each message, whatever it
is, counts against the socket's `ratelimit.Pace` (PHONE_MESSAGE_BURST at once, then
PHONE_MESSAGES_PER_SECOND), taken as the consumer reaches it. A message past the pace is not
carried out: a ping is still answered "pong" (it costs nothing, and a page that stops hearing
pongs reconnects), anything else gets the #flash "slow down" error naming its key, if it is a
vote with one. A socket more than FLOOD_MESSAGES past its pace is closed with FLOODED, and
what it had queued is dropped unread.

Sends: HTML text messages of out-of-band fragments (the regions' partials, each root carrying
its id and data-version) and "pong". A region is only sent at a newer version than the socket
already has (several processes may push frames of the same version). A phone's own
fragments outside the regions (its #my-ideas list, last edition's commitments in #returned)
are drawn for that socket alone when a broadcast names its delegate.

Close codes: 4403 not allowed (no such workshop, not a member, revoked display or remote
link); 4429
flooded (far past its pace, see above). The page does not reconnect after a 44xx close, and
says why (sessions/static/workshops/live.js).

The socket stack (facilitate/asgi.py) looks nothing up before the accept: a phone is known by
its signed cookie and the projector by its link, read after the accept; only the console's
login session and user are looked up, also after the accept (`join_room`).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import uuid
import weakref
from collections.abc import Awaitable, Callable, Iterable, Mapping
from functools import partial, wraps
from typing import Any, TypeVar
from urllib.parse import parse_qs

from asgiref.typing import ASGIReceiveCallable, ASGISendCallable
from channels.auth import get_user
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django_stubs_ext import StrOrPromise

from sessions import access, ratelimit
from sessions.editions.read import render_own_returns
from sessions.errors import NOT_UNDERSTOOD, Forbidden, NotFound, Refused
from sessions.ideas.read import render_own_ideas
from sessions.live import broadcast, presence
from sessions.live.audiences import (
    DELEGATE,
    FACILITATOR,
    PROJECTOR,
    REMOTE,
    UNVERSIONED,
    group_name,
)
from sessions.live.fanout import fanout
from sessions.live.regions import FRAME_DIGEST, Frame, connect_frame, frame_digest, frame_mark
from sessions.models import Change
from sessions.questions import services as question_services
from sessions.questions.forms import UpvoteForm
from sessions.questions.read import render_upvote_answer
from sessions.voting import services as voting
from sessions.voting.forms import VoteForm
from sessions.voting.read import render_answer
from sessions.voting.writer import release_connections, writer

log = logging.getLogger(__name__)

T = TypeVar("T")

NOT_ALLOWED = 4403
FLOODED = 4429
FLOOD_MESSAGES = 100  # past its pace by this many messages, a socket is closed
MAX_MESSAGE = 4096


class WorkshopConsumer(AsyncWebsocketConsumer):
    async def __call__(
        self, scope: Any, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        """Channels' consumer loop without a channel of its own in the channel layer:
        pushes reach a socket through this process's fan-out (one subscription per group),
        so a socket needs no reader task, and its messages are awaited one by one, with no
        task made for each."""
        self.scope = scope
        self.base_send = send
        with contextlib.suppress(StopConsumer):
            while True:
                message: dict[str, Any] = dict(await receive())
                await self.dispatch(message)

    audience: str
    workshop_id: int
    display_token: str | None = None
    remote_token: str | None = None
    delegate_id: int | None = None

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Hand a message to its handler. Unlike Channels' own dispatch, this one does not
        check the database connections first: that check runs on the process's one database
        thread, so every ping and every connect of a full hall would queue behind the votes'
        writer. Every database call here goes through `database_sync_to_async` (or the
        writer), which checks its own connections."""
        kind = message.get("type")
        if kind == "websocket.connect":
            # Accept before any database work: daphne drops a socket not accepted within
            # a few seconds, and in a reconnect storm the connects queue (see `admit`).
            await self.accept()
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {kind}")
        await handler(message)

    async def connect(self) -> None:
        # The socket's own name, for presence; it has no channel in the channel layer.
        self.channel_name = f"socket.{uuid.uuid4().hex}"
        self.sent_versions: dict[str, int] = {}
        self.group: str | None = None
        self.pace = ratelimit.Pace(
            rate=settings.PHONE_MESSAGES_PER_SECOND, burst=settings.PHONE_MESSAGE_BURST
        )
        self.flooded = False
        self.gone = False
        self.admitted = False
        self.ready = asyncio.Event()
        self.user: AbstractBaseUser | AnonymousUser | None = None
        self.frame_had = had_frame(self.scope)
        self.joining = asyncio.create_task(self.admit())

    async def admit(self) -> None:
        """Who the socket is, its presence, its group and its first frame; for a phone, once
        this process has room for another phone's connect (SOCKET_CONNECTS_AT_ONCE).
        Meanwhile its pings are answered, so a page waiting its turn in a reconnect storm
        keeps its socket; the connects finish in the order they came, each as soon as it can,
        not all together late."""
        # Projectors and consoles (a handful a workshop) do not wait behind the phones.
        phone = self.scope["path"].startswith("/ws/phone/")
        try:
            async with admissions() if phone else contextlib.nullcontext():
                if self.gone:
                    return
                self.admitted = True  # from here on, finished even if the socket closes
                await self.join_room()
        finally:
            self.ready.set()

    async def join_room(self) -> None:
        if self.scope["path"].startswith("/ws/console/"):
            # The only socket with a login: its session and user, looked up after the accept.
            self.user = await get_user(self.scope)
        try:
            await connecting(self.identify_and_register)()
        except (NotFound, Forbidden):  # an organiser's console socket too
            await self.close(code=NOT_ALLOWED)
            return
        if self.gone:
            return
        # Join before rendering the frame, so no push between the two is missed.
        self.group = group_name(self.workshop_id, self.audience)
        await fanout.join(self.group, self)
        frame = await connecting(connect_frame)(
            self.workshop_id, self.audience, base_url=self.base_url(), delegate_id=self.delegate_id
        )
        if not self.gone:
            await self.first_frame(frame)

    async def first_frame(self, frame: Frame) -> None:
        """The connect frame, ending with its mark; only the mark when the page already has
        exactly that frame (it said so with `?frame=<digest>`). A region a push already brought
        newer is left out, and then the message carries no mark: the page has no frame whose
        digest it could give next time."""
        digest = frame_digest(frame)
        if digest == self.frame_had:
            for name in frame.html:
                self.sent_versions.setdefault(name, frame.version)
            await self.send(text_data=frame_mark(digest))
            return
        fresh = self.fresh_regions(frame.version, frame.html)
        for name in fresh:
            self.sent_versions[name] = frame.version
        html = "".join(frame.html[name] for name in fresh)
        if len(fresh) == len(frame.html):
            html += frame_mark(digest)
        if html:
            await self.send(text_data=html)

    def identify_and_register(self) -> None:
        self.identify()
        if self.delegate_id is not None:
            presence.connect_presence(
                workshop_id=self.workshop_id,
                delegate_id=self.delegate_id,
                channel_name=self.channel_name,
            )

    def identify(self) -> None:
        """Sets audience and workshop from the path and credentials; NotFound if not allowed."""
        kwargs = self.scope["url_route"]["kwargs"]
        path = self.scope["path"]
        if path.startswith("/ws/remote/"):
            workshop = access.get_workshop_for_remote(kwargs["token"])
            self.audience, self.remote_token = REMOTE, kwargs["token"]
        elif "token" in kwargs:
            workshop = access.get_workshop_for_display(kwargs["token"])
            self.audience, self.display_token = PROJECTOR, kwargs["token"]
        elif self.scope["path"].startswith("/ws/console/"):
            if self.user is None:
                raise NotFound(access.NOT_FOUND)
            workshop = access.get_workshop_for_facilitator(self.user, kwargs["workshop_id"])
            self.audience = REMOTE if path.endswith("/remote/") else FACILITATOR
        else:
            cookies = self.scope.get("cookies", {})
            self.delegate_id = access.socket_member_id(cookies, kwargs["workshop_id"])
            self.audience, self.workshop_id = DELEGATE, kwargs["workshop_id"]
            return
        self.workshop_id = workshop.pk

    def base_url(self) -> str | None:
        headers = dict(self.scope.get("headers", []))
        host = headers.get(b"host", b"").decode("latin-1")
        if not host:
            return None
        scheme = "https" if self.scope.get("scheme") == "wss" else "http"
        return f"{scheme}://{host}"

    async def disconnect(self, code: int) -> None:
        self.gone = True
        joining = getattr(self, "joining", None)
        if joining is not None:
            if self.admitted:
                await joining  # a connect under way finishes, then is undone below
            else:
                joining.cancel()  # still waiting its turn: nothing to undo
        group = getattr(self, "group", None)
        if group:
            fanout.leave(group, self)
        if self.delegate_id is not None:
            await connecting(presence.disconnect_presence)(channel_name=self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.flooded:
            return  # closed for flooding: what it had queued is dropped unread
        within_pace = self.pace.take()
        message = self.parse(text_data)
        kind = message.get("type") if message else None
        if kind == "ping":
            await self.send(text_data="pong")
        elif not within_pace:
            await self.slow_down(message)
        elif not await self.connected():
            return  # refused (closed with NOT_ALLOWED) or closing
        elif kind == "vote" and message is not None and self.delegate_id is not None:
            await self.send(text_data=await self.vote(message, self.delegate_id))
        elif kind == "upvote" and message is not None and self.delegate_id is not None:
            await self.send(text_data=await self.upvote(message, self.delegate_id))
        else:
            await self.send(text_data=self.flash(NOT_UNDERSTOOD))
        if self.pace.owed > FLOOD_MESSAGES:
            await self.flood_closed()

    async def connected(self) -> bool:
        """Whether the socket has joined its room, once its connect is over (a message sent
        before its first frame waits for it)."""
        await self.ready.wait()
        return self.group is not None and not self.gone

    async def slow_down(self, message: dict[str, Any] | None) -> None:
        """A message past the pace, not carried out: "slow down", naming a vote's key."""
        key = message.get("key") if message else None
        await self.send(text_data=self.flash(ratelimit.SLOW_DOWN, key=well_formed_key(key)))

    async def flood_closed(self) -> None:
        self.flooded = True
        log.warning(
            "Closed a socket of workshop %s (%s) for sending far past its pace",
            getattr(self, "workshop_id", None),
            self.scope["path"],
        )
        await self.close(code=FLOODED)

    async def vote(self, message: dict[str, Any], delegate_id: int) -> str:
        """Cast a vote sent over the socket; the answer is the ack or an error fragment.

        The vote goes through the process's batched writer (`sessions.voting.writer`), with
        the votes arriving at the same time; the ack is rendered right after its commit."""
        form = VoteForm(message)
        if not form.is_valid():
            return self.flash(NOT_UNDERSTOOD)
        try:
            answered: str = await writer.cast(
                workshop_id=self.workshop_id,
                delegate_id=delegate_id,
                answer=partial(self.ack, form, delegate_id),
                **form.command(),
            )
            return answered
        except Refused as refusal:
            return self.flash(refusal.message, key=form.command_key())

    async def upvote(self, message: dict[str, Any], delegate_id: int) -> str:
        """Upvote a question (or take the upvote back) over the socket: through the batched
        writer with the votes; the answer, rendered right after the commit, is the
        delegate's #my-questions acknowledging the key, or an error fragment naming it."""
        form = UpvoteForm(message)
        if not form.is_valid():
            return self.flash(NOT_UNDERSTOOD, key=well_formed_key(message.get("key")))
        up: bool = form.cleaned_data["up"]
        sort = message.get("questions")
        key = form.command_key()
        answer = partial(
            self.upvote_ack,
            delegate_id=delegate_id,
            up=up,
            sort=sort if isinstance(sort, str) else "top",
            key=key or "",
        )
        try:
            answered: str = await writer.upvote(
                workshop_id=self.workshop_id,
                delegate_id=delegate_id,
                answer=answer,
                question_id=form.cleaned_data["question"],
                up=up,
                key=key,
            )
            return answered
        except Refused as refusal:
            return self.flash(refusal.message, key=key)

    def upvote_ack(
        self,
        result: question_services.UpvoteResult,
        *,
        delegate_id: int,
        up: bool,
        sort: str,
        key: str,
    ) -> str:
        """On the database thread, right after the commit: the upvote's answer."""
        version = result.version or Change.objects.version_of(self.workshop_id)
        message = question_services.upvote_message(result, up=up)
        return render_upvote_answer(
            self.workshop_id,
            delegate_id,
            sort=sort,
            key=key,
            version=version,
            message=message,
            upvoted=result.upvoted,
        )

    def ack(self, form: VoteForm, delegate_id: int, outcome: voting.CastResult) -> str:
        """The delegate's ballot after their vote, carrying its key (the acknowledgement)."""
        poll_id: int = form.cleaned_data["poll"]
        return render_answer(outcome, poll_id, delegate_id, form.command_key())

    @staticmethod
    def flash(message: StrOrPromise, key: str | None = None) -> str:
        context = {"message": message, "level": "error", "key": key}
        return render_to_string("workshops/flash.html", context)

    @staticmethod
    def parse(text_data: str | None) -> dict[str, Any] | None:
        if not text_data or len(text_data) > MAX_MESSAGE:
            return None
        try:
            message = json.loads(text_data)
        except (ValueError, RecursionError):  # RecursionError: nested too deep (a few KB do it)
            return None
        return message if isinstance(message, dict) else None

    # --- events from sessions.live.broadcast, handed over by sessions.live.fanout ---------

    async def deliver(self, message: dict[str, Any]) -> None:
        if message["type"] == broadcast.PUSH:
            await self.region_push(message)
        elif message["type"] == broadcast.DISPLAY_REVOKED:
            await self.display_revoked(message)
        elif message["type"] == broadcast.REMOTE_REVOKED:
            await self.remote_revoked(message)
        elif message["type"] == broadcast.OWN_IDEAS:
            await self.own_ideas_changed(message)
        elif message["type"] == broadcast.OWN_RETURNS:
            await self.own_returns_changed(message)

    async def region_push(self, event: dict[str, Any]) -> None:
        """Send the regions of a frame that are not older than what this socket has."""
        version = event["version"]
        fresh = self.fresh_regions(version, event["html"])
        if not fresh:
            return
        for name in fresh:
            self.sent_versions[name] = version
        if len(fresh) == len(event["html"]):
            html = "".join(event["html"].values())
        else:
            html = "".join(event["html"][name] for name in fresh)
        await self.send(text_data=html)

    def fresh_regions(self, version: int, names: Iterable[str]) -> list[str]:
        """The regions (`names`) of a frame at `version` this socket has no newer copy of.

        Only newer: a second frame at a version this socket has shows nothing it lacks (any
        change committed after that version was read is pushed again at a higher one), and
        redrawing a region for nothing would reload what the page fetches for itself. Who is
        here is not counted by versions: it goes out at the same version too."""
        return [
            name
            for name in names
            if version > self.sent_versions.get(name, -1)
            or (name in UNVERSIONED and version == self.sent_versions[name])
        ]

    async def own_ideas_changed(self, event: dict[str, Any]) -> None:
        """The facilitator approved, hid or edited one of this delegate's ideas."""
        if self.delegate_id is None or self.delegate_id not in event["delegates"]:
            return
        html = await database_sync_to_async(render_own_ideas)(self.workshop_id, self.delegate_id)
        if html:
            await self.send(text_data=html)

    async def own_returns_changed(self, event: dict[str, Any]) -> None:
        """This delegate closed or renewed last edition's commitment (on another page)."""
        if self.delegate_id is None or self.delegate_id not in event["delegates"]:
            return
        html = await database_sync_to_async(render_own_returns)(self.workshop_id, self.delegate_id)
        await self.send(text_data=html)

    async def display_revoked(self, event: dict[str, Any]) -> None:
        if self.display_token == event["token"]:
            await self.close(code=NOT_ALLOWED)

    async def remote_revoked(self, event: dict[str, Any]) -> None:
        if self.remote_token is not None and self.remote_token == event["token"]:
            await self.close(code=NOT_ALLOWED)


class Turns:
    """At most `limit` holders at once; the others wait in the order they came. A waiter
    that is cancelled (its socket closed) gives up its place. What asyncio.Semaphore does,
    but its acquire and release look through every waiter (Python 3.11), which for a hall of
    5,000 phones waiting made each turn cost thousands of steps."""

    def __init__(self, limit: int) -> None:
        self.free = limit
        self.waiting: collections.deque[asyncio.Future[None]] = collections.deque()

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(self, *exc_info: object) -> None:
        self.release()

    async def acquire(self) -> None:
        if self.free > 0 and not self.waiting:
            self.free -= 1
            return
        turn = asyncio.get_running_loop().create_future()
        self.waiting.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.release()  # given the turn as it was cancelled: pass it on
            raise

    def release(self) -> None:
        while self.waiting:
            turn = self.waiting.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self.free += 1


_admissions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Turns] = (
    weakref.WeakKeyDictionary()
)


def admissions() -> Turns:
    """This process's phone connects under way at once (one gate per event loop)."""
    loop = asyncio.get_running_loop()
    turns = _admissions.get(loop)
    if turns is None:
        turns = _admissions[loop] = Turns(settings.SOCKET_CONNECTS_AT_ONCE)
    return turns


def had_frame(scope: Mapping[str, Any]) -> str | None:
    """The digest of the frame the page says it has (`?frame=`), if it is one."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    given = query.get("frame", [""])[0]
    return given if FRAME_DIGEST.fullmatch(given) else None


def connecting(func: Callable[..., T]) -> Callable[..., Awaitable[T]]:
    """A connecting socket's reads (who it is, its first frame) and its presence, on the
    loop's pool of threads rather than the process's one database thread: a room connecting
    at once (after a Wi-Fi drop) then waits on several database round trips at a time, not
    one by one behind each other and the votes' writer. Nothing here writes to the database.

    The connection the call used goes back (to the pool, on PostgreSQL) before it returns,
    from inside the call: asgiref runs `func` in a copy of the socket's context, where Django
    keeps the connection it opens, while `database_sync_to_async` tidies connections outside
    that copy, so without this a pooled connection could stay checked out with the socket's
    context (a test's event loop left one behind per socket)."""

    @wraps(func)
    def read_and_release(*args: Any, **kwargs: Any) -> T:
        try:
            return func(*args, **kwargs)
        finally:
            release_connections()

    return database_sync_to_async(read_and_release, thread_sensitive=False)


def well_formed_key(key: object) -> str | None:
    """A command key as the page sends it (a UUID), else None: never echo anything else."""
    if not isinstance(key, str):
        return None
    try:
        return str(uuid.UUID(key))
    except ValueError:
        return None


async def presence_heartbeat() -> None:
    """Per process: confirm this process's presence (on a worker thread: it does not touch
    the database, and the database thread is the room's votes' and frames') and sweep out
    stale entries (on the database thread, which pushes #presence where they went)."""
    while True:
        try:
            await asyncio.to_thread(presence.confirm_sockets)
            await database_sync_to_async(presence.sweep_presence)()
        except Exception:
            log.exception("presence heartbeat failed")
        await asyncio.sleep(settings.PRESENCE_HEARTBEAT_SECONDS)
