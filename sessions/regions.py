"""Live regions: the parts of each page that change while a workshop runs.

Every region is a named partial in `templates/workshops/live/<audience>.html` whose root
element has a stable id and a `data-version`. The full page, the HTTP polling fallback, the
snapshot a socket gets on connect and the pushed updates all render through
`render_regions`, once per audience: nothing here depends on who is asking within an
audience.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Count
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from sessions.models import Ballot, Change, Mark, Poll, Presence, Step, Workshop
from sessions.tally import tally_poll

DELEGATE = "delegate"
PROJECTOR = "projector"
FACILITATOR = "facilitator"

REGIONS: dict[str, tuple[str, ...]] = {
    DELEGATE: ("status", "step", "results"),
    PROJECTOR: ("status", "presence", "step", "results", "join"),
    FACILITATOR: ("status", "presence", "agenda", "step", "results", "join"),
}


@dataclass(frozen=True)
class Snapshot:
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
    request=None,
    delegate=None,
) -> Snapshot:
    """Render `regions` (default: all of the audience's) from the database's current state.

    The version is read before the state, so the state shown is at least that new.
    `base_url` (scheme and host phones use) is needed to draw the join QR code; without it
    the join region renders as a stub that fetches itself over HTTP. With `request` (a
    page or an HTTP answer) forms also carry the CSRF token for plain, script-free posts.
    With `delegate` (a phone's page or its socket's first snapshot) the step carries that
    delegate's own ballot; pushed to every phone, it carries a stub that fetches it.
    """
    names = regions or REGIONS[audience]
    version = Change.objects.version_of(workshop_id)
    workshop = Workshop.objects.select_related("event", "current_step").get(pk=workshop_id)
    context = {
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
    if workshop.current_step and workshop.current_step.kind == Step.Kind.VOTE:
        context.update(vote_context(workshop.current_step, names, delegate, request))
    if "step" in names or "agenda" in names:
        context["focus"] = list(workshop.focus_options.all())
    template = f"workshops/live/{audience}.html"
    html = {
        name: render_to_string(f"{template}#{name}", context, request=request) for name in names
    }
    return Snapshot(version=version, html=html)


def join_context(workshop: Workshop, base_url: str | None) -> dict:
    if base_url is None:
        return {"join_url": None}
    join_path = reverse("workshops:join_link", args=[workshop.join_token])
    return {
        "join_url": base_url + join_path,
        "join_address": base_url.split("://", 1)[-1] + reverse("workshops:join"),
    }


def vote_context(step: Step, names: tuple[str, ...], delegate, request) -> dict:
    poll = Poll.objects.prefetch_related("options").get(step=step)
    context = {"poll": poll, "accepting": poll.accepting}
    if "results" in names or "step" in names:
        context["tally"] = tally_poll(poll)
    if delegate is not None and "step" in names:
        context["ballot_html"] = render_ballot(poll, delegate.pk, request)
    return context


def render_ballot(poll: Poll, delegate_id: int, request=None, ack: dict | None = None) -> str:
    """The delegate's own ballot: their marks, what they have left, one form per option.

    Each option's form carries a command key, so a double tap or a retried request lands
    once. Keys are derived (with the server's secret) from the ballot's revision: drawn
    again for an unchanged ballot, say after a reconnect, the forms keep their keys, so a
    tap whose answer was lost still lands once when retried. `ack` (the command's key and
    change id) marks the answer to a vote.
    """
    revision = (
        Ballot.objects.filter(poll=poll, delegate_id=delegate_id)
        .values_list("revision", flat=True)
        .first()
        or 0
    )

    def key(target) -> uuid.UUID:
        message = f"{delegate_id}:{poll.pk}:{target}:{revision}"
        return uuid.UUID(hex=salted_hmac("facilitate.ballot-key", message).hexdigest()[:32])

    marks = dict(
        Mark.objects.filter(ballot__poll=poll, ballot__delegate_id=delegate_id).values_list(
            "option_id", "value"
        )
    )
    rows = [
        {
            "option": option,
            "value": marks.get(option.pk, 0),
            "dots": range(marks.get(option.pk, 0)),
            "key": key(option.pk),
        }
        for option in poll.options.all()
    ]
    used = sum(marks.values()) if poll.kind == Poll.Kind.DOTS else len(marks)
    context = {
        "poll": poll,
        "rows": rows,
        "used": used,
        "left": max(poll.allowance(len(rows)) - used, 0),
        "accepting": poll.accepting,
        "workshop_id": poll.step.workshop_id,
        "clear_key": key("clear"),
        "scale": range(1, 6),
        "next_rank": len(marks) + 1,
        "ack": ack,
    }
    return render_to_string("workshops/vote/ballot.html", context, request=request)
