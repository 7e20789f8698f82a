"""Live regions: the parts of each page that change while a workshop runs.

Every region is a named partial in `templates/workshops/live/<audience>.html` whose root
element has a stable id and a `data-version`. The full page, the HTTP polling fallback, the
frame a socket gets on connect and the pushed updates all render through
`render_regions`, once per audience: nothing here depends on who is asking within an
audience.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from sessions.ideas.read import new_ideas
from sessions.live.audiences import APPENDABLE, REGIONS
from sessions.models import (
    Change,
    Delegate,
    Idea,
    Presence,
    Step,
    Workshop,
)
from sessions.steps import kind_of


@dataclass(frozen=True)
class Frame:
    """One audience's rendered regions (name to HTML) at one version of the workshop: what a
    page draws, a poll answers and a push or a socket's first message carries."""

    version: int
    html: dict[str, str]

    def joined(self) -> str:
        return "".join(self.html.values())


def present_count(workshop_id: int) -> int:
    """Distinct delegates with at least one open, recently refreshed socket."""
    fresh_after = timezone.now() - timedelta(seconds=settings.PRESENCE_STALE_SECONDS)
    return (
        Presence.objects.filter(workshop_id=workshop_id, seen_at__gte=fresh_after)
        .aggregate(n=Count("delegate", distinct=True))
        .get("n")
        or 0
    )


def public_base_url(request_base: str | None) -> str | None:
    return settings.PUBLIC_URL or request_base


def render_regions(
    workshop_id: int,
    audience: str,
    regions: tuple[str, ...] | None = None,
    *,
    base_url: str | None = None,
    request: HttpRequest | None = None,
    delegate: Delegate | None = None,
    appended: frozenset[int] = frozenset(),
) -> Frame:
    """Render `regions` (default: all of the audience's) from the database's current state.

    The version is read before the state, so the state shown is at least that new.
    `base_url` (scheme and host phones use) is needed to draw the join QR code; without it
    the join region renders as a stub that fetches itself over HTTP. With `request` (a
    page or an HTTP answer) forms also carry the CSRF token for plain, script-free posts.
    With `delegate` (a phone's page or its socket's first frame) the step carries that
    delegate's own ballot; pushed to every phone, it carries a stub that fetches it.
    `appended` (ids of new ideas), when #ideas itself is not asked for, renders an append of
    just those ideas under the name "ideas".
    """
    names = REGIONS[audience] if regions is None else regions
    version = Change.objects.version_of(workshop_id)
    workshop = Workshop.objects.select_related("event", "current_step").get(pk=workshop_id)
    context: dict[str, Any] = {
        "workshop": workshop,
        "version": version,
        "step": workshop.current_step,
        "audience": audience,
        "base_url": public_base_url(base_url),
        "rendered_at_ms": int(time.time() * 1000),  # lets the benchmark time each push
    }
    if "presence" in names:
        context["present"] = present_count(workshop_id)
    if "agenda" in names:
        context["steps"] = list(Step.objects.filter(workshop_id=workshop_id))
    if "join" in names:
        context.update(join_context(workshop, context["base_url"]))
    step = workshop.current_step
    if step is not None:
        step.workshop = workshop  # already loaded, with its event
        kind = kind_of(step.kind)
        context.update(kind.context(step, names, audience, delegate, request))
        context["kind_step"] = kind.partial(audience, "step")
        context["kind_results"] = kind.partial(audience, "results")
        context["kind_ballot"] = kind.partial(audience, "ballot")
        context["shows_focus"] = kind.shows_focus
    else:
        context["shows_focus"] = True
    if "step" in names or "agenda" in names:
        context["focus"] = list(workshop.focus_options.all())
    template = f"workshops/live/{audience}.html"
    html: dict[str, str] = {
        name: render_to_string(f"{template}#{name}", context, request=request) for name in names
    }
    appendable = APPENDABLE in REGIONS[audience] and APPENDABLE not in names
    if appended and appendable and context.get("board") is not None:
        context["new_ideas"] = new_ideas(context["board"], appended, audience)
        context["idea_count"] = Idea.objects.for_board(context["board"]).visible().count()
        html[APPENDABLE] = render_to_string(f"{template}#ideas_appended", context, request=request)
    return Frame(version=version, html=html)


def join_context(workshop: Workshop, base_url: str | None) -> dict[str, Any]:
    if base_url is None:
        return {"join_url": None}
    join_path = reverse("workshops:join_link", args=[workshop.join_token])
    return {
        "join_url": base_url + join_path,
        "join_address": base_url.split("://", 1)[-1] + reverse("workshops:join"),
    }
