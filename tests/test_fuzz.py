"""A bounded fuzzer over every route: hostile requests from every kind of visitor never get a
5xx and never log an error.

Most requests press real buttons: the pages each person sees (console and its step controls,
phone and the regions it loads, finish, step edit pages, archives, Snapshot, check-in and
my-data links) are read as a browser reads them (tests/routes.py), and a button's form is
sent exactly as the browser would, with one field (sometimes two) made hostile. Commands are
pressed evenly, per field they send; each field's hostile values are taken in turn, so a
command's every field meets every kind of bad value. The test shows each step in turn to find
every control, and mends what a press wears away (a closed workshop, a deleted step, an erased
delegate, a signed-out facilitator). The rest are random fields on every route, as found by
the URL resolver.

Seeded: FUZZ_SEED (default fixed) replays a run; FUZZ_REQUESTS sets its length (default
2,500); FUZZ_GROUPS=1 prints each command found and how often it was pressed. A failure names
the request's number, the seed, the visitor, method, address, data and the change made.
"""

from __future__ import annotations

import datetime
import itertools
import logging
import os
import random
import re
import traceback
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

import pytest
from django import forms
from django.test import Client
from django.urls import Resolver404, resolve

import sessions.agenda.forms
import sessions.archive.forms
import sessions.commitments.forms
import sessions.ideas.forms
import sessions.joining.forms
import sessions.privacy.forms
import sessions.pulse.forms
import sessions.snapshot.forms
import sessions.voting.forms
from sessions.agenda import services
from sessions.archive import services as archive
from sessions.commitments import followups
from sessions.commitments import services as commitments
from sessions.ideas import services as ideas
from sessions.identity import read_delegate_key
from sessions.joining import services as joining
from sessions.models import AccessLink, Commitment, Delegate, Idea, Step, Workshop
from sessions.pulse import services as pulse
from sessions.snapshot import services as snapshot
from sessions.voting import services as voting
from sessions.voting.services import PollSettings
from tests.conftest import join
from tests.routes import (
    Button,
    Control,
    Page,
    PageForm,
    Route,
    app_routes,
    fill,
    read_page,
    submission,
)

pytestmark = pytest.mark.django_db(transaction=True)

SEEDS = [int(os.environ.get("FUZZ_SEED", "20261121"))]
REQUESTS_PER_SEED = int(os.environ.get("FUZZ_REQUESTS", "2500")) // len(SEEDS)

HOSTILE_NUMBERS = [
    "0", "-1", "1.5", "1e3", "\u00b2", "\u0663", "\uff11", "9" * 19, "9" * 30, "9" * 5000,
    "2147483648", "9223372036854775808", " 7", "7\x00", "0x1f", "",
]  # fmt: skip
HOSTILE_TEXT = [
    "\x00", "a\x00b", "x" * 5000, "x" * 100_000, "\U0001f642" * 50, "<script>alert(1)</script>",
    "' OR 1=1 --", "on", "off", "yes", "no", "true", "dismiss", "share", "stop", "open",
    "close", "2026-11-24", "2099-01-01", "31/02/2026", "\u202e", "\r\n\r\n", "%00",
]  # fmt: skip
HOSTILE_TOKENS = [
    "x", "\x00", "%00", "A" * 43, "A" * 64, "A" * 65, "A" * 5000, "t\u00f6k\u00e9n",
    "\u0663\u0664", "abc%2Fdef", "..", "-", "_" * 43,
]  # fmt: skip
HOSTILE_IDS = ["0", "1", "999999", "2147483648", "9223372036854775807", "9" * 25, "9" * 5000]
METHODS = ["GET"] * 7 + ["POST"] * 8 + ["HEAD"] * 2 + ["PUT", "PATCH", "DELETE", "OPTIONS"]


# --- the scene -------------------------------------------------------------------------------

# The steps of the fuzzed workshop, by label: each is shown in turn so that every control the
# console and the phone draw for it is found and pressed.
STEP_LABELS = ["dots", "matrix", "ideas", "staged", "commit", "pulse"]


@dataclass
class Scene:
    ids: dict[str, list[int]] = field(default_factory=dict)  # keyword -> real ids (both sides)
    tokens: list[str] = field(default_factory=list)
    clients: dict[str, Client] = field(default_factory=dict)
    workshop: Workshop | None = None  # the facilitator's live workshop
    closed: Workshop | None = None  # a finished one of the same event, its archive shared
    steps: dict[str, int] = field(default_factory=dict)  # label -> step id in `workshop`
    links: dict[str, str] = field(default_factory=dict)  # "check_in", "my_data" -> address
    answer: str = ""  # the delegate's Snapshot response token
    invite: str = ""

    def add(self, keyword: str, *values: int) -> None:
        self.ids.setdefault(keyword, []).extend(values)


def add_labelled_step(scene: Scene, workshop, label: str, delegate=None) -> Step:
    """One step of `STEP_LABELS` in a state with something to press."""
    if label in {"dots", "matrix"}:
        options = ["Meetings", "Email", "Handovers"]
        settings = PollSettings(kind="dots" if label == "dots" else "matrix", options=options)
        step = voting.add_vote_step(workshop=workshop, title=label, body="", settings=settings)
        voting.open_poll(poll=step.poll)
        scene.add("poll_id", step.poll.pk)
        scene.add("option_id", *step.poll.options.values_list("pk", flat=True))
    elif label in {"ideas", "staged"}:
        step = ideas.add_ideas_step(
            workshop=workshop, title=label, prompt="How might we?", staged=label == "staged"
        )
        board = step.board
        ideas.open_board(board=board)
        if delegate is not None:
            for text in ("Fewer meetings", "Shorter meetings", "No email on Fridays"):
                ideas.submit_idea(
                    workshop_id=workshop.pk,
                    delegate_id=delegate.pk,
                    board_id=board.pk,
                    text=text,
                    key=str(uuid.uuid4()),
                )
        cluster = ideas.create_cluster(board=board, name="Meetings")
        ticked = list(Idea.objects.filter(board=board).values_list("pk", flat=True))
        if ticked:
            ideas.assign_ideas(board=board, idea_ids=ticked[:2], cluster_id=cluster.pk)
        if label == "staged":
            ideas.start_stage(board=board, stage=0)
        scene.add("board_id", board.pk)
        scene.add("idea_id", *ticked)
        scene.add("cluster_id", cluster.pk)
    elif label == "commit":
        step = commitments.add_commit_step(workshop=workshop, title="Commit")
    else:
        step = pulse.add_pulse_step(workshop=workshop)
        pulse.open_pulse(pulse=step.pulse)
        scene.add("pulse_id", step.pulse.pk)
    scene.add("step_id", step.pk)
    return step


def build_workshop(scene: Scene, workshop, delegate) -> dict[str, int]:
    """Every kind of step of `STEP_LABELS`, the ideas step on screen."""
    steps = {label: add_labelled_step(scene, workshop, label, delegate).pk for label in STEP_LABELS}
    services.show_step(workshop=workshop, step=Step.objects.get(pk=steps["ideas"]))
    scene.add("workshop_id", workshop.pk)
    scene.add("event_id", workshop.event_id)
    scene.tokens += [workshop.join_token, workshop.display_token]
    return steps


def delegate_of(scene: Scene, name: str = "delegate") -> Delegate | None:
    client = scene.clients[name]
    cookies = {key: morsel.value for key, morsel in client.cookies.items()}
    key = read_delegate_key(cookies, scene.workshop.event_id)
    return Delegate.objects.filter(key=key).first() if key else None


def give_the_delegate_things(scene: Scene, delegate) -> None:
    """A commitment with its check-in and my-data links, and a Snapshot under way."""
    commitment = Commitment.objects.create(
        step_id=scene.steps["commit"],
        delegate=delegate,
        action="Time every changeover",
        first_step_when="Monday",
        first_step_then="stopwatch",
        first_step_on=datetime.date(2026, 11, 24),
        measure="minutes",
        done_by=datetime.date(2026, 12, 24),
    )
    scene.add("commitment_id", commitment.pk)
    check_in = followups.issue_link(purpose=AccessLink.Purpose.CHECK_IN, commitment=commitment)
    my_data = followups.issue_link(purpose=AccessLink.Purpose.MY_DATA, delegate=delegate)
    scene.links = {"check_in": f"/c/{commitment.pk}/{check_in}/", "my_data": f"/me/{my_data}/"}
    setup = snapshot.setup_for(scene.workshop.event)
    if setup.state != "open":
        # Reopened as the fuzzer left it: an item answered since keeps the wording it had.
        setup = snapshot.configure(
            setup=setup,
            state="open",
            challenges=setup.challenges or ["Meetings"],
            wording=dict(setup.wording),
        )
    scene.answer = snapshot.start(setup=setup, delegate_key=delegate.key).token
    scene.invite = setup.invite_token
    scene.tokens += [check_in, my_data, scene.answer, scene.invite]


def build_scene(facilitator, outsider, workshop, other_workshop) -> Scene:
    scene = Scene(workshop=workshop)
    delegate_client, other_delegate_client = Client(), Client()
    delegate = join(delegate_client, workshop, "Dana")
    other_delegate = join(other_delegate_client, other_workshop, "Olu")
    scene.steps = build_workshop(scene, workshop, delegate)
    build_workshop(scene, other_workshop, other_delegate)
    # A finished workshop of the same event, its archive shared.
    closed = services.create_workshop(event=workshop.event, title="Last month")
    joining.join_workshop(workshop=closed, delegate_key=delegate.key, display_name="Dana")
    build_workshop(scene, closed, delegate)
    scene.tokens.append(archive.share_archive(workshop=closed).archive_token)
    scene.closed = services.close_workshop(workshop=closed)
    scene.add("number", 1, 2, 30)
    facilitator_client, outsider_client = Client(), Client()
    facilitator_client.force_login(facilitator)
    outsider_client.force_login(outsider)
    scene.clients = {
        "anonymous": Client(),
        "delegate": delegate_client,
        "other delegate": other_delegate_client,
        "facilitator": facilitator_client,
        "other facilitator": outsider_client,
    }
    for client in scene.clients.values():
        client.raise_request_exception = False
    # The same people with CSRF enforced, as a browser's request without the token is.
    for name, client in list(scene.clients.items()):
        strict = Client(enforce_csrf_checks=True, raise_request_exception=False)
        strict.cookies = client.cookies
        scene.clients[f"{name} (CSRF enforced)"] = strict
    give_the_delegate_things(scene, delegate)
    return scene


# --- what to send ----------------------------------------------------------------------------


def app_forms() -> list[type[forms.Form]]:
    found, todo = [], [forms.Form, forms.ModelForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("sessions."):
                found.append(sub)
    return found


def field_values() -> dict[str, list[str]]:
    """Every field name of the app's forms, with the choices it offers (if any)."""
    fields: dict[str, list[str]] = {}
    for form in app_forms():
        for name, form_field in form.base_fields.items():
            choices = [str(value) for value, _ in getattr(form_field, "choices", []) or []]
            fields.setdefault(name, []).extend(c for c in choices if c)
    verbs = sessions.ideas.forms.BoardCommandForm.VERBS
    fields["do"] = [*fields.get("do", []), *verbs, *(f"{v}:{{id}}" for v in verbs)]
    # Fields the views read by hand, outside a form.
    for name in ("count", "suggestion-0", "suggestion-name-0", "text-{id}", "name-{id}"):
        fields.setdefault(name, [])
    for i in range(4):
        fields.setdefault(f"stage-time-{i}", ["60"])
    return fields


FIELDS = field_values()


def any_id(rng: random.Random, scene: Scene, keyword: str | None = None) -> str:
    pool = scene.ids.get(keyword or "", []) if rng.random() < 0.7 else []
    if not pool:
        pool = [i for ids in scene.ids.values() for i in ids]
    return str(rng.choice(pool)) if rng.random() < 0.75 else rng.choice(HOSTILE_IDS)


def value_for(rng: random.Random, scene: Scene, name: str) -> str:
    offered = FIELDS.get(name, [])
    roll = rng.random()
    if offered and roll < 0.4:
        return rng.choice(offered).replace("{id}", any_id(rng, scene))
    if roll < 0.6:
        return any_id(rng, scene, name if name.endswith("_id") else f"{name}_id")
    if roll < 0.8:
        return rng.choice(HOSTILE_NUMBERS)
    if roll < 0.85:
        return str(uuid.uuid4())
    return rng.choice(HOSTILE_TEXT)


def body(rng: random.Random, scene: Scene) -> dict:
    roll = rng.random()
    if roll < 0.01:
        return {"text": "x" * 3_000_000}  # over Django's upload limit
    if roll < 0.02:
        return {f"f{i}": "1" for i in range(1_200)}  # over Django's field count limit
    data: dict[str, object] = {}
    for name in rng.sample(sorted(FIELDS), rng.randint(1, 40)):
        key = name.replace("{id}", any_id(rng, scene))
        many = rng.random() < 0.2
        data[key] = (
            [value_for(rng, scene, name) for _ in range(3)] if many else value_for(rng, scene, name)
        )
    return data


def address(rng: random.Random, scene: Scene, route: Route) -> str:
    values = {}
    for keyword, converter in route.converters.items():
        if converter == "int":
            values[keyword] = any_id(rng, scene, keyword)
        elif converter == "token":
            real = rng.random() < 0.6 and scene.tokens
            values[keyword] = rng.choice(scene.tokens) if real else rng.choice(HOSTILE_TOKENS)
        elif converter in {"slug", "string"}:
            values[keyword] = rng.choice(["ideas", "votes", "commitments", "x", "\x00", "a" * 300])
        else:
            raise AssertionError(f"teach the fuzzer the <{converter}:...> converter")
    return fill(route, values)


ACTOR_WEIGHTS = {"facilitator": 4, "delegate": 3}  # the others 1: most depth is theirs


def send(rng: random.Random, scene: Scene, route: Route):
    actors = sorted(scene.clients)
    actor = rng.choices(actors, [ACTOR_WEIGHTS.get(a, 1) for a in actors])[0]
    client = scene.clients[actor]
    allowed = route.methods or ["GET", "POST"]
    method = rng.choice(allowed) if rng.random() < 0.8 else rng.choice(METHODS)
    path = address(rng, scene, route)
    headers = {"HTTP_HX_REQUEST": "true"} if rng.random() < 0.5 else {}
    data = body(rng, scene) if method in {"POST", "PUT", "PATCH"} else {}
    if method == "POST":
        call = lambda: client.post(path, data, **headers)  # noqa: E731
    elif method == "GET":
        data = body(rng, scene) if rng.random() < 0.2 else {}
        call = lambda: client.get(path, data, **headers)  # noqa: E731
    else:
        call = lambda: client.generic(method, path, str(data), **headers)  # noqa: E731
    return actor, method, path, data, call


def where(exc_info) -> str:
    """The exception of a logged error and the last line of our code it passed through."""
    if not exc_info or not exc_info[1]:
        return ""
    frames = traceback.extract_tb(exc_info[2])
    ours = [f for f in frames if "/site-packages/" not in f.filename] or frames
    return f"{type(exc_info[1]).__name__}: {exc_info[1]} at {ours[-1].filename}:{ours[-1].lineno}"


def short(value: object, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


# --- pressing the buttons of real pages --------------------------------------------------------

# The pages each person really sees, by a name that survives the scene being rebuilt. Live
# pages draw the step on screen, so they are read once per step; their hx-get regions that
# load with the page are read with them, as a browser loads them.
LIVE_PAGES = {"console", "phone", "display"}


def pages_of(scene: Scene, actor: str) -> dict[str, str]:
    w, e, c = scene.workshop, scene.workshop.event_id, scene.closed
    if actor == "facilitator":
        pages = {
            "console": f"/console/workshops/{w.pk}/",
            "console_home": "/console/",
            "workshop_new": f"/console/events/{e}/workshops/new/",
            "dashboard": f"/console/events/{e}/dashboard/",
            "snapshot_organiser": f"/console/events/{e}/snapshot/",
            "event_report": f"/console/events/{e}/report/",
            "finish": f"/console/workshops/{w.pk}/finish/",
            "archive": f"/console/workshops/{w.pk}/archive/",
            "closed_console": f"/console/workshops/{c.pk}/",
            "closed_finish": f"/console/workshops/{c.pk}/finish/",
            "closed_archive": f"/console/workshops/{c.pk}/archive/",
        }
        for label, step_id in scene.steps.items():
            pages[f"step_edit_{label}"] = f"/console/workshops/{w.pk}/steps/{step_id}/edit/"
        return pages
    if actor == "delegate":
        answer = f"/snapshot/{scene.answer}"
        return {
            "phone": f"/w/{w.pk}/",
            "closed_phone": f"/w/{c.pk}/",
            "my_data": f"/e/{e}/my-data/",
            **scene.links,
            "snapshot": f"{answer}/",
            **{f"snapshot_q{n}": f"{answer}/q/{n}/" for n in (1, 2, 30)},
            "snapshot_about": f"{answer}/about/",
            "snapshot_challenges": f"{answer}/challenges/",
            "snapshot_results": f"{answer}/results/",
        }
    return {  # anonymous
        "home": "/",
        "join": "/join",
        "join_link": f"/j/{w.join_token}/",
        "display": f"/display/{w.display_token}/",
        "archive_shared": f"/archive/{c.archive_token}/",
        "privacy": "/privacy/",
        "snapshot_invite": f"/s/{scene.invite}/",
        "login": "/accounts/login/",
    }


PAGE_ACTORS = ["facilitator", "delegate", "anonymous"]
# Who else presses a person's buttons (a forged form): the same fields from another visitor.
FORGERS = ["anonymous", "other delegate", "other facilitator", "delegate", "facilitator"]


@dataclass
class Group:
    """The presses of one command: who presses it, from which page, to what, with which
    button. The fuzzer spreads its presses evenly over the groups it has found."""

    key: tuple
    where: set[tuple[str, str]] = field(default_factory=set)  # (page, step label on screen)
    pressed: int = 0
    fields: int = 1  # how many fields it sends: each gets an even share of presses


def route_name(address: str) -> str:
    try:
        match = resolve(urlsplit(address).path)
    except Resolver404:
        return "?"
    return match.view_name


def group_key(actor: str, page: str, form: PageForm, button: Button | None) -> tuple:
    name = button.name if button else ""
    value = button.value if button else ""
    verb = value.split(":")[0] if ":" in value else value if not value.isdigit() else "<id>"
    method = (button.formmethod if button and button.formmethod else form.method) or "GET"
    return (actor, page, method, route_name(form.action), name, verb[:40])


def link_forms(page: Page) -> list[PageForm]:
    """Each link with a query string (a live region, a filter) as a GET form of its fields."""
    found = []
    for address, _ in page.links:
        parts = urlsplit(address)
        if parts.query:
            controls = [Control("input", "hidden", k, v) for k, v in parse_qsl(parts.query, True)]
            found.append(PageForm(parts.path, "GET", controls, [Button("", "")]))
    return found


class Presser:
    """Reads the pages each person sees, and presses their buttons with one field hostile."""

    def __init__(self, rng: random.Random, scene: Scene, check) -> None:
        self.rng, self.scene, self.check = rng, scene, check
        self.groups: dict[tuple, Group] = {}
        self.read: dict[tuple[str, str], Page] = {}  # (actor, page) -> as last read
        self.on_screen: str = "ideas"
        self.cycles: dict[tuple, tuple[list, int]] = {}

    # The step on screen, moved by the test as a facilitator elsewhere would.
    def show(self, label: str) -> None:
        if label != self.on_screen:
            step = Step.objects.filter(pk=self.scene.steps.get(label)).first()
            services.show_step(workshop=self.scene.workshop, step=step)
            self.on_screen = label
            self.forget_live_pages()

    def forget_live_pages(self) -> None:
        for actor, name in list(self.read):
            if name in LIVE_PAGES:
                del self.read[(actor, name)]

    def page(self, actor: str, name: str) -> Page | None:
        """The page as `actor` sees it now (read again after anything changed)."""
        if (actor, name) in self.read:
            return self.read[(actor, name)]
        address = pages_of(self.scene, actor).get(name)
        if address is None:
            return None
        client = self.scene.clients[f"{actor} (CSRF enforced)"]
        response = self.check(actor, "GET", address, {}, lambda: client.get(address))
        html = response.content.decode(errors="replace") if is_html(response) else ""
        page = read_page(html, address)
        for link, trigger in list(page.links):
            if "load" in trigger:  # a region the page loads as it opens
                extra = self.check(
                    actor, "GET", link, {}, lambda link=link: client.get(link, **HTMX)
                )
                if is_html(extra):
                    more = read_page(extra.content.decode(errors="replace"), address)
                    page.forms += more.forms
                    page.links += more.links
        page.forms += link_forms(page)
        label = self.on_screen if name in LIVE_PAGES else ""
        for form in page.forms:
            for button in form.buttons or [None]:
                key = group_key(actor, name, form, button)
                self.groups.setdefault(key, Group(key)).where.add((name, label))
        self.read[(actor, name)] = page
        return page

    def discover(self) -> None:
        """Read every page of every person, the live ones once per step on screen."""
        for actor in PAGE_ACTORS:
            for name in pages_of(self.scene, actor):
                if name not in LIVE_PAGES:
                    self.page(actor, name)
        for label in STEP_LABELS:
            self.show(label)
            for actor in PAGE_ACTORS:
                for name in LIVE_PAGES & set(pages_of(self.scene, actor)):
                    self.page(actor, name)

    def press(self) -> None:
        """Press the least-pressed command once, as its page draws it, with a hostile field.
        Commands on the step already on screen, from a page already read, go first."""

        def cost(group: Group) -> tuple[float, int]:
            here = [w for w in group.where if w[1] in {"", self.on_screen}]
            read = [w for w in here if (group.key[0], w[0]) in self.read]
            return (group.pressed / group.fields + (0 if here else 1), 0 if read else 1)

        fewest = min(cost(g) for g in self.groups.values())
        group = self.rng.choice([g for g in self.groups.values() if cost(g) == fewest])
        group.pressed += 1
        actor = group.key[0]
        here = [w for w in group.where if w[1] in {"", self.on_screen}]
        name, label = self.rng.choice(sorted(here or group.where))
        if label:
            self.show(label)
        page = self.page(actor, name)
        if page is None:
            return
        pairs = [(f, b) for f in page.forms for b in f.buttons or [None]]
        matching = [(f, b) for f, b in pairs if group_key(actor, name, f, b) == group.key]
        if not (matching or pairs):
            return
        form, button = self.rng.choice(matching or pairs)
        method, address, fields = submission(form, button)
        fields = self.as_typed(form, fields)
        group.fields = max(group.fields, len({name for name, _ in fields}))
        mutation = "none (pressed as drawn)"
        if self.rng.random() > 0.08:
            mutations = []
            for _ in range(2 if self.rng.random() < 0.1 else 1):
                address, fields, what = self.mutate(group.key, address, fields)
                mutations.append(what)
            mutation = "; ".join(mutations)
        sender = f"{actor} (CSRF enforced)"
        if self.rng.random() < 0.1:
            sender = self.rng.choice([a for a in FORGERS if a != actor])
        client = self.scene.clients[sender]
        headers = {**HTMX, **http_headers(page.headers)} if self.rng.random() < 0.5 else {}
        data = as_data(fields)
        if method == "POST":
            call = lambda: client.post(address, data, **headers)  # noqa: E731
        else:
            call = lambda: client.get(address, data, **headers)  # noqa: E731
        source = f"pressed {group.key[4]}={group.key[5]!r} on {actor}'s {name} page"
        response = self.check(sender, method, address, data, call, f"{source}, {mutation}")
        if method != "GET" and response.status_code < 400:
            # It changed something: the pressing page is read again (the others are left
            # as drawn, as open tabs are: their next press may be refused as out of date).
            self.read.pop((actor, name), None)
            self.mend()

    def cycle(self, key: tuple, pool: list) -> object:
        """The next of `pool` for `key`, in an order drawn once: every value is tried before
        any is tried twice."""
        order, at = self.cycles.get(key) or (self.rng.sample(pool, len(pool)), 0)
        self.cycles[key] = (order, at + 1)
        return order[at % len(order)]

    def as_typed(self, form: PageForm, fields: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """What a person fills in: plausible text in empty boxes, some boxes ticked."""
        typed = []
        for name, value in fields:
            control = next((c for c in form.controls if c.name == name), None)
            if value == "" and control is not None:
                value = {
                    "number": "60",
                    "date": "2026-11-24",
                    "email": "dana@example.com",
                    "select": "",
                }.get(control.type, "Shorter meetings")
            typed.append((name, value))
        for control in form.controls:
            if control.type == "checkbox" and not control.checked and self.rng.random() < 0.5:
                typed.append((control.name, control.value))
            if control.type == "select" and control.options and self.rng.random() < 0.5:
                typed = [(n, v) for n, v in typed if n != control.name]
                typed.append((control.name, self.rng.choice(control.options)))
        return typed

    def mutate(self, group: tuple, address: str, fields: list[tuple[str, str]]):
        """One hostile change, each field of the command in turn, each value of its kind in
        turn: a hostile value, the field left out or sent twice, or an id in the address
        swapped for a forged or foreign one."""
        numbers = re.findall(r"/(\d+)/", address)
        names = sorted({name for name, _ in fields}) + (["<address>"] if numbers else [])
        if len(names) > 1 and self.rng.random() > 0.05:  # Django's CSRF check stops it first
            names = [name for name in names if name != "csrfmiddlewaretoken"]
        if not names:
            return address, [("do", self.rng.choice(HOSTILE_TEXT))], "a field added"
        target = self.cycle((group, "field"), names)
        if target not in names:  # a box ticked this time only, say
            target = self.rng.choice(names)
        if target == "<address>":
            old = self.rng.choice(numbers)
            new = self.cycle((group, "address"), [*HOSTILE_IDS, *self.known_ids()])
            return address.replace(f"/{old}/", f"/{new}/", 1), fields, f"address id {old}->{new}"
        i = self.rng.choice([n for n, (name, _) in enumerate(fields) if name == target])
        value = fields[i][1]
        kind, pool = self.pool(target, value)
        new = self.cycle((group, kind), [*pool, LEFT_OUT, TWICE])
        if new is LEFT_OUT:
            return address, fields[:i] + fields[i + 1 :], f"{target} left out"
        if new is TWICE:
            again = self.rng.choice(pool)
            return address, [*fields, (target, again)], f"{target} sent twice, also {again!r}"
        fields = [*fields[:i], (target, new), *fields[i + 1 :]]
        return address, fields, f"{target}={short(new, 60)} (was {short(value, 40)})"

    def known_ids(self) -> list[str]:
        return sorted({str(i) for ids in self.scene.ids.values() for i in ids})

    def pool(self, name: str, value: str) -> tuple[str, list[str]]:
        """The hostile values for a field, by what it holds."""
        if name == "csrfmiddlewaretoken":
            return "token", HOSTILE_TOKENS
        verb, colon, rest = value.partition(":")
        if colon:  # a button naming its target: "stage:0", "rename:12"
            kind, pool = self.pool("", rest)
            return f"{verb}:{kind}", [f"{verb}:{v}" for v in pool] + HOSTILE_TEXT[:3]
        if value.isascii() and value.isdigit():
            return "number", [*HOSTILE_NUMBERS, HOSTILE_IDS[-1], self.rng.choice(self.known_ids())]
        return "text", [*HOSTILE_TEXT, *HOSTILE_NUMBERS[:6], str(uuid.uuid4())]

    def mend(self) -> None:
        """Undo what a pressed button wore away, so the deep pages stay reachable: a closed
        workshop is replaced, a deleted step added again, an erased delegate joins again,
        a signed-out facilitator signs in again, the anonymous visitor forgets who joined."""
        scene = self.scene
        workshop = Workshop.objects.get(pk=scene.workshop.pk)
        delegate = delegate_of(scene)
        if workshop.is_closed or delegate is None:
            workshop = services.create_workshop(event=workshop.event, title="Again")
            scene.workshop, scene.steps = workshop, {}
            delegate = join(scene.clients["delegate"], workshop, "Dana")
            scene.steps = build_workshop(scene, workshop, delegate)
            give_the_delegate_things(scene, delegate)
            self.on_screen = "ideas"
        scene.workshop = workshop
        on_screen = next((k for k, v in scene.steps.items() if v == workshop.current_step_id), "")
        if on_screen != self.on_screen:
            self.on_screen = on_screen
            self.forget_live_pages()
        present = set(Step.objects.filter(pk__in=scene.steps.values()).values_list("pk", flat=True))
        for label, step_id in list(scene.steps.items()):
            if step_id not in present:
                scene.steps[label] = add_labelled_step(scene, workshop, label, delegate).pk
        for actor, user in (("facilitator", self.facilitator), ("other facilitator", self.other)):
            if "_auth_user_id" not in scene.clients[actor].session:
                scene.clients[actor].force_login(user)
        if scene.clients["anonymous"].cookies:
            scene.clients["anonymous"].cookies.clear()


HTMX = {"HTTP_HX_REQUEST": "true"}
LEFT_OUT, TWICE = object(), object()


def http_headers(headers: dict[str, str]) -> dict[str, str]:
    return {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}


def is_html(response) -> bool:
    return response.get("Content-Type", "").startswith("text/html")


def as_data(fields: list[tuple[str, str]]) -> dict[str, str | list[str]]:
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return {k: v[0] if len(v) == 1 else v for k, v in data.items()}


# --- the run ---------------------------------------------------------------------------------

RANDOM_SHARE = 0.2  # the rest press real forms


class Budget(Exception):
    """The run's requests are all sent."""


@pytest.mark.parametrize("seed", SEEDS)
def test_hostile_requests_never_get_a_server_error(
    seed, facilitator, outsider, workshop, other_workshop, caplog
):
    caplog.set_level(logging.ERROR, logger="django.request")
    scene = build_scene(facilitator, outsider, workshop, other_workshop)
    routes = app_routes()
    rng = random.Random(seed)
    failures: dict[tuple, str] = {}
    sent = 0

    def check(actor, method, path, data, call, how="random fields"):
        nonlocal sent
        if sent >= REQUESTS_PER_SEED:
            raise Budget
        sent += 1
        caplog.clear()
        response = call()
        status = response.status_code
        problem = f"status {status} {where(response.exc_info)}" if status >= 500 else None
        logged = [
            f"{r.getMessage()} {where(r.exc_info)}"
            for r in caplog.records
            if r.name == "django.request" and r.levelno >= logging.ERROR
        ]
        if problem or logged:
            failures.setdefault(
                (route_name(path), problem and problem.split(":")[0]),
                f"request #{sent} of FUZZ_SEED={seed}: {actor} {method} {short(path)} "
                f"data={short(data, 400)} ({how}): {problem or logged}",
            )
        return response

    presser = Presser(rng, scene, check)
    presser.facilitator, presser.other = facilitator, outsider
    try:
        presser.discover()
        for n in itertools.count():
            if rng.random() < RANDOM_SHARE:
                actor, method, path, data, call = send(rng, scene, routes[n % len(routes)])
                check(actor, method, path, data, call)
            else:
                presser.press()
    except Budget:
        pass
    pressed = sum(g.pressed for g in presser.groups.values())
    if os.environ.get("FUZZ_GROUPS"):
        for g in sorted(presser.groups.values(), key=lambda g: g.key):
            print(g.pressed, g.key, sorted(g.where)[:3])
    print(f"seed {seed}: {sent} requests, {len(presser.groups)} commands found, {pressed} pressed")
    assert not failures, "\n".join(failures.values())
