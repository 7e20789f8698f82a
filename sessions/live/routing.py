"""WebSocket routes: the phone's, the projector's, the console's and the remote's sockets, all
served by `WorkshopConsumer`; anything else is closed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from channels.generic.websocket import AsyncWebsocketConsumer
from django.urls import path, re_path

import sessions.converters  # noqa: F401  (registers <token:...>)
from sessions.live.consumers import NOT_ALLOWED, WorkshopConsumer

if TYPE_CHECKING:
    from channels.consumer import _ASGIApplicationProtocol
    from channels.routing import URLRouter, _ExtendedURLPattern


class UnknownSocket(AsyncWebsocketConsumer):
    """Any other socket address, such as a display link that cannot be a token (a NUL byte,
    other characters, too long): refused with the policy close a page does not reconnect
    after, as a revoked display link is, rather than an error in the router."""

    async def connect(self) -> None:
        await self.accept()
        await self.close(code=NOT_ALLOWED)


def _socket(
    route: str, app: _ASGIApplicationProtocol, *, regex: bool = False
) -> _ExtendedURLPattern:
    """`path(route, app)` (`re_path` with `regex`) for a consumer, as Channels' URLRouter
    takes it."""
    make = re_path if regex else path
    # django-stubs types path() for views only (an ASGI application is not one).
    return make(route, app)  # type: ignore[arg-type, return-value]


websocket_urlpatterns: list[_ExtendedURLPattern | URLRouter] = [
    _socket("ws/phone/<int:workshop_id>/", WorkshopConsumer.as_asgi()),
    _socket("ws/console/<int:workshop_id>/", WorkshopConsumer.as_asgi()),
    _socket("ws/display/<token:token>/", WorkshopConsumer.as_asgi()),
    _socket("ws/console/<int:workshop_id>/remote/", WorkshopConsumer.as_asgi()),
    _socket("ws/remote/<token:token>/", WorkshopConsumer.as_asgi()),
    _socket(r"", UnknownSocket.as_asgi(), regex=True),
]
