from django.urls import path

from sessions.consumers import WorkshopConsumer

websocket_urlpatterns = [
    path("ws/phone/<int:workshop_id>/", WorkshopConsumer.as_asgi()),
    path("ws/console/<int:workshop_id>/", WorkshopConsumer.as_asgi()),
    path("ws/display/<str:token>/", WorkshopConsumer.as_asgi()),
]
