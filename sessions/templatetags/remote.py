"""Template tags of the facilitator's remote: a fresh command key per button, and the
remote's addresses for the console's QR codes."""

import uuid
from typing import Any

from django import template
from django.urls import reverse

from sessions.live.regions import public_base_url
from sessions.models import Workshop
from sessions.responses import request_base_url

register = template.Library()


@register.simple_tag
def command_key() -> str:
    """A fresh key for one command form (a replayed tap of it lands once)."""
    return str(uuid.uuid4())


@register.simple_tag(takes_context=True)
def remote_addresses(context: dict[str, Any], workshop: Workshop) -> dict[str, str | None]:
    """The full addresses a phone opens: the facilitator's remote and the remote link (None
    until made)."""
    request = context.get("request")
    base = public_base_url(request_base_url(request) if request is not None else None) or ""
    token = workshop.remote_token
    return {
        "remote": base + reverse("workshops:remote", args=[workshop.pk]),
        "link": base + reverse("workshops:remote_link", args=[token]) if token else None,
    }
