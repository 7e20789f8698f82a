"""System checks for settings that are dangerous outside development."""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=False)
def production_settings(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[checks.CheckMessage]:
    if settings.DEBUG:
        return []
    found: list[checks.CheckMessage] = []
    if settings.SECRET_KEY == settings.DEVELOPMENT_SECRET_KEY:
        found.append(
            checks.Warning(
                "DEBUG is off but SECRET_KEY is the development default.",
                hint="Set SECRET_KEY in the environment to a long random value.",
                id="workshops.W001",
            )
        )
    if "InMemory" in settings.CHANNEL_LAYERS["default"]["BACKEND"]:
        found.append(
            checks.Warning(
                "DEBUG is off but the channel layer is in-memory: it serves one process only "
                "and drops messages when a channel is full.",
                hint="Set REDIS_URL to use Redis, or keep to one daphne process for small rooms.",
                id="workshops.W002",
            )
        )
    return found
