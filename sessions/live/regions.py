"""Live regions: the parts of each page that change while a workshop runs.

Every region is a named partial in `templates/workshops/live/<audience>.html` whose root
element has a stable id and a `data-version`. The full page, the HTTP polling fallback, the
frame a socket gets on connect and the pushed updates all render through
`render_regions`, once per audience. Only a phone's own fragments (its ballot) depend on
who is asking: a page draws them in place, a connecting socket gets the audience's shared
frame with them filled in (`connect_frame`), and a push carries a stub that fetches them.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe

from sessions.agenda.clock import clock_context, plan_totals
from sessions.ideas.read import new_ideas
from sessions.live import memo, reads
from sessions.live.audiences import APPENDABLE, REGIONS, group_name
from sessions.live.fanout import fanout
from sessions.live.roster import present_count
from sessions.models import (
    Change,
    Delegate,
    Idea,
    Step,
    Workshop,
)
from sessions.questions.read import questions_context
from sessions.steps import kind_of
from sessions.timer.read import timer_context


@dataclass(frozen=True)
class Frame:
    """One audience's rendered regions (name to HTML) at one version of the workshop: what a
    page draws, a poll answers and a push or a socket's first message carries."""

    version: int
    html: dict[str, str]

    def joined(self) -> str:
        return "".join(self.html.values())


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
    personal_slots: bool = False,
    version: int | None = None,
) -> Frame:
    """Render `regions` (default: all of the audience's) from the database's current state.

    The version is read with the workshop, before the rest of the state, so the state shown is
    at least that new.
    `base_url` (scheme and host phones use) is needed to draw the join QR code; without it
    the join region renders as a stub that fetches itself over HTTP. With `request` (a
    page or an HTTP answer) forms also carry the CSRF token for plain, script-free posts.
    With `delegate` (a phone's page or its socket's first frame) the step carries that
    delegate's own ballot; pushed to every phone, it carries a stub that fetches it.
    `appended` (ids of new ideas), when #ideas itself is not asked for, renders an append of
    just those ideas under the name "ideas". With `personal_slots` (and no `delegate`) the
    step kind's personal fragments are drawn as slots (`connect_frame` fills them in).
    `version`, when given, was read by the caller before this state (`render_frames`).
    """
    names = REGIONS[audience] if regions is None else regions
    if version is None:  # the version and the workshop at it, in one statement
        version, workshop = _workshop_at_version(workshop_id)
    else:
        workshop = memo.shared(("workshop", workshop_id), partial(_workshop, workshop_id))
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
    if {"agenda", "presenter", "remote"} & set(names):
        context["steps"] = list(Step.objects.filter(workshop_id=workshop_id))
        context.update(whereabouts(context["steps"], workshop.current_step_id))
        context.update(plan_totals(context["steps"]))
    if {"presenter", "remote"} & set(names):
        context.update(clock_context(workshop))
    if "timer" in names:
        context.update(timer_context(workshop))
    if "join" in names:
        context.update(join_context(workshop, context["base_url"]))
    if "questions" in names or "ask_tab" in names:
        context.update(questions_context(workshop_id, audience, delegate=delegate, request=request))
    step = workshop.current_step
    if step is not None:
        step.workshop = workshop  # already loaded, with its event
        kind = kind_of(step.kind)
        context.update(kind.context(step, names, audience, delegate, request))
        if personal_slots and delegate is None:
            context.update({name: mark_safe(slot(name)) for name in kind.personal_fragments})
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


def whereabouts(steps: list[Step], current_id: int | None) -> dict[str, Any]:
    """Where the room is in the agenda: the step on screen's number (None on the waiting
    screen) and the step Next shows (the first from the waiting screen; None after the last)."""
    ids = [step.pk for step in steps]
    if current_id not in ids:
        return {"position": None, "next_step": steps[0] if steps else None}
    position = ids.index(current_id) + 1
    return {"position": position, "next_step": steps[position] if position < len(steps) else None}


def _workshop(workshop_id: int) -> Workshop:
    found = reads.workshop(workshop_id)
    if found is None:
        raise Workshop.DoesNotExist(f"no workshop {workshop_id}")
    return found


def _workshop_at_version(workshop_id: int) -> tuple[int, Workshop]:
    read = reads.workshop_at_version(workshop_id)
    if read is None:
        raise Workshop.DoesNotExist(f"no workshop {workshop_id}")
    return read


def render_frames(
    workshop_id: int, wanted: list[tuple[str, tuple[str, ...], frozenset[int]]]
) -> list[Frame]:
    """One frame per (audience, regions, appended ideas) of `wanted`, drawn together: at one
    version, read first, and sharing what they would each read and compute alike (the
    workshop, a vote's poll and tally: `sessions.live.memo`)."""
    with memo.sharing():
        version, workshop = _workshop_at_version(workshop_id)
        memo.shared(("workshop", workshop_id), lambda: workshop)  # the frames' workshop
        return [
            render_regions(workshop_id, audience, names, appended=appended, version=version)
            for audience, names, appended in wanted
        ]


def slot(name: str) -> str:
    """What stands in a shared frame for a delegate's own fragment (letters and dashes:
    autoescaping leaves it as it is)."""
    return f"personal-slot-{name.replace('_', '-')}"


@dataclass(frozen=True)
class Shared:
    """An audience's frame drawn for no one in particular, with the step it was drawn for
    and what every delegate's own fragments of that step share (`StepKind.personal_base`):
    read once for the room, never changed after (sockets connecting at once read it from
    several threads)."""

    frame: Frame
    step: Step | None
    slots: tuple[str, ...]
    base: Any = None


# Audiences whose every region is drawn from the workshop at a version (not #presence, drawn
# from the live count): their connect frames can be shared by the sockets connecting at it.
SHAREABLE = frozenset(audience for audience, names in REGIONS.items() if "presence" not in names)


class ConnectFrames:
    """Per process, the latest shared connect frame per workshop, audience and base address:
    a room connecting at one version renders it once.

    A frame is used only while the workshop is still at its version and no push to its
    audience has reached this process since it was drawn (a push can change a region at the
    same version: a countdown ending, the live count); `sessions.live.fanout` says when one
    does, and when this process stops hearing the group. A socket joins its group before it
    asks for its frame, so every push after the frame was drawn is one it receives."""

    SIZE = 256

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.frames: OrderedDict[tuple[int, str, str | None], Shared] = OrderedDict()
        self.generations: dict[str, int] = {}
        self.rendered = 0

    def shared(self, workshop_id: int, audience: str, base_url: str | None) -> Shared:
        key = (workshop_id, audience, base_url)
        group = group_name(workshop_id, audience)
        version = Change.objects.version_of(workshop_id)
        with self.lock:
            cached = self.frames.get(key)
            if cached is not None and cached.frame.version >= version:
                self.frames.move_to_end(key)
                return cached
            generation = self.generations.get(group, 0)
        frame = render_regions(workshop_id, audience, base_url=base_url, personal_slots=True)
        shown = Workshop.objects.filter(pk=workshop_id).values("current_step")
        step = Step.objects.select_related("workshop__event").filter(pk__in=shown).first()
        joined = frame.joined()
        slots: tuple[str, ...] = ()
        base = None
        if step is not None:
            kind = kind_of(step.kind)
            slots = tuple(name for name in kind.personal_fragments if slot(name) in joined)
            base = kind.personal_base(step) if slots else None
        drawn = Shared(frame, step, slots, base)
        with self.lock:
            self.rendered += 1
            if self.generations.get(group, 0) == generation:  # no push while drawing
                self.frames[key] = drawn
                self.frames.move_to_end(key)
            while len(self.frames) > self.SIZE:
                self.frames.popitem(last=False)
        return drawn

    def forget(self, group: str) -> None:
        """A push to `group` reached this process (or it stopped listening): frames drawn
        before it are no longer what a socket of that group must get."""
        with self.lock:
            self.generations[group] = self.generations.get(group, 0) + 1
            for key in [k for k in self.frames if group_name(k[0], k[1]) == group]:
                del self.frames[key]

    def clear(self) -> None:
        with self.lock:
            self.frames.clear()
            self.generations.clear()
            self.rendered = 0


connect_frames = ConnectFrames()
fanout.watch(connect_frames.forget)


def connect_frame(
    workshop_id: int, audience: str, *, base_url: str | None, delegate_id: int | None
) -> Frame:
    """The frame a socket gets on connect: what `render_regions(..., delegate=...)` draws
    for the delegate `delegate_id`, from the audience's shared frame at the current version
    (rendered once, with what the delegates' own fragments share, for every socket
    connecting at it) with only the delegate's own fragments drawn for this socket: for a
    phone, two reads (the version, its own ballot) and one small render."""
    if audience not in SHAREABLE:
        return drawn_in_full(workshop_id, audience, base_url, delegate_id)
    shared = connect_frames.shared(workshop_id, audience, base_url)
    step = shared.step
    if not shared.slots or step is None:
        return shared.frame
    own = kind_of(step.kind).personal(step, delegate_id, shared.base) if delegate_id else {}
    if any(name not in own for name in shared.slots):
        # Nothing of its own to fill in (the step's poll is gone): draw this one in full.
        return drawn_in_full(workshop_id, audience, base_url, delegate_id)
    html = {}
    for region, text in shared.frame.html.items():
        for name in shared.slots:
            text = text.replace(slot(name), own[name])
        html[region] = text
    return Frame(version=shared.frame.version, html=html)


# What a page has: the digest of the first frame its socket would get (the page drawn, or the
# last connect frame with no push since). A socket that says it has the frame the server
# would send gets only the mark: nothing is drawn twice for a page just loaded, nor for a
# phone reconnecting after a Wi-Fi blip while nothing changed.
FRAME_DIGEST = re.compile(r"[0-9a-f]{24}")


def frame_digest(frame: Frame) -> str:
    return hashlib.blake2b(frame.joined().encode(), digest_size=12).hexdigest()


def frame_mark(digest: str) -> str:
    """Ends a connect frame's message (or is the whole message when the page has the frame):
    an HTML comment, which swaps nothing, that the page keeps (`live.js`)."""
    return f"<!--frame:{digest}-->"


def drawn_in_full(
    workshop_id: int, audience: str, base_url: str | None, delegate_id: int | None
) -> Frame:
    delegate = Delegate.objects.filter(pk=delegate_id).first() if delegate_id else None
    return render_regions(workshop_id, audience, base_url=base_url, delegate=delegate)


def join_context(workshop: Workshop, base_url: str | None) -> dict[str, Any]:
    if base_url is None:
        return {"join_url": None}
    join_path = reverse("workshops:join_link", args=[workshop.join_token])
    return {
        "join_url": base_url + join_path,
        "join_address": base_url.split("://", 1)[-1] + reverse("workshops:join"),
    }
