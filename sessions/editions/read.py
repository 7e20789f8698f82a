"""The returning delegate's card on the phone: last edition's open commitments, drawn for
the phone page (`templatetags.editions`), the answer to a tap and the push to the
delegate's other pages (`sessions.live.broadcast.own_returns_changed`)."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

from sessions.editions.returning import open_returns
from sessions.models import Delegate, Workshop

TEMPLATE = "workshops/editions/returned.html"


def returned_context(workshop: Workshop | None, delegate: Delegate | None) -> dict[str, Any]:
    """Each open brought-back commitment with a fresh command key for each of its buttons
    (a double tap sends one key twice and counts once). None at a finished workshop: its
    commands are refused there."""
    shown = delegate is not None and workshop is not None and not workshop.is_closed
    returns = list(open_returns(delegate)) if shown and delegate is not None else []
    return {
        "returns": [(r, uuid.uuid4(), uuid.uuid4()) for r in returns],
        "workshop": workshop,
    }


def render_own_returns(
    workshop_id: int, delegate_id: int, request: HttpRequest | None = None
) -> str:
    """The delegate's #returned region alone (out of band), as it is now."""
    workshop = Workshop.objects.filter(pk=workshop_id).first()
    delegate = Delegate.objects.filter(pk=delegate_id, forgotten_at__isnull=True).first()
    context = {**returned_context(workshop, delegate), "oob": True}
    return render_to_string(TEMPLATE, context, request=request)
