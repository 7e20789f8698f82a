from channels.generic.websocket import AsyncWebsocketConsumer
from django.urls import path, re_path

import sessions.converters  # noqa: F401  (registers <token:...>)
from sessions.live.consumers import NOT_ALLOWED, WorkshopConsumer


class UnknownSocket(AsyncWebsocketConsumer):
    """Any other socket address, such as a display link that cannot be a token (a NUL byte,
    other characters, too long): refused with the policy close a page does not reconnect
    after, as a revoked display link is, rather than an error in the router."""

    async def connect(self) -> None:
        await self.accept()
        await self.close(code=NOT_ALLOWED)


websocket_urlpatterns = [
    path("ws/phone/<int:workshop_id>/", WorkshopConsumer.as_asgi()),
    path("ws/console/<int:workshop_id>/", WorkshopConsumer.as_asgi()),
    path("ws/display/<token:token>/", WorkshopConsumer.as_asgi()),
    re_path(r"", UnknownSocket.as_asgi()),
]
