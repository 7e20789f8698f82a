"""A bounded fuzzer over every route: hostile requests from every kind of visitor never get a
5xx and never log an error.

The routes come from the URL resolver and the form fields from the app's forms, so a new
route or field is fuzzed by being added. Each run is seeded (FUZZ_SEED, default fixed) and
sends FUZZ_REQUESTS requests (default 3,000 across the seeds) against a small, realistic
workshop: a vote, an ideas step with a board and a cluster, a commitment step and a pulse,
plus another facilitator's workshop, a Snapshot, a shared archive and magic links.
"""

from __future__ import annotations

import datetime
import logging
import os
import random
import traceback
import uuid
from dataclasses import dataclass, field

import pytest
from django import forms
from django.test import Client

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
from sessions.models import AccessLink, Commitment, Idea
from sessions.pulse import services as pulse
from sessions.snapshot import services as snapshot
from sessions.voting import services as voting
from sessions.voting.services import PollSettings
from tests.conftest import join
from tests.routes import Route, app_routes, fill

pytestmark = pytest.mark.django_db(transaction=True)

SEEDS = [int(os.environ.get("FUZZ_SEED", "20261121")) + n for n in range(3)]
REQUESTS_PER_SEED = int(os.environ.get("FUZZ_REQUESTS", "3000")) // len(SEEDS)

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


@dataclass
class Scene:
    ids: dict[str, list[int]] = field(default_factory=dict)  # keyword -> real ids (both sides)
    tokens: list[str] = field(default_factory=list)
    clients: dict[str, Client] = field(default_factory=dict)

    def add(self, keyword: str, *values: int) -> None:
        self.ids.setdefault(keyword, []).extend(values)


def build_workshop(scene: Scene, workshop, delegate) -> None:
    """A vote, an ideas step with a board and a cluster, a commitment step and a pulse."""
    vote = voting.add_vote_step(
        workshop=workshop,
        title="Which first?",
        body="",
        settings=PollSettings(kind="dots", options=["Meetings", "Email", "Handovers"]),
    )
    voting.open_poll(poll=vote.poll)
    ideas_step = ideas.add_ideas_step(workshop=workshop, title="Ideas", prompt="How might we?")
    board = ideas_step.board
    ideas.open_board(board=board)
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
    ideas.assign_ideas(board=board, idea_ids=ticked[:2], cluster_id=cluster.pk)
    commit_step = commitments.add_commit_step(workshop=workshop, title="Commit")
    pulse_step = pulse.add_pulse_step(workshop=workshop)
    services.show_step(workshop=workshop, step=ideas_step)
    steps = [vote.pk, ideas_step.pk, commit_step.pk, pulse_step.pk]
    scene.add("workshop_id", workshop.pk)
    scene.add("event_id", workshop.event_id)
    scene.add("step_id", *steps)
    scene.add("poll_id", vote.poll.pk)
    scene.add("board_id", board.pk)
    scene.add("pulse_id", pulse_step.pulse.pk)
    scene.add("idea_id", *ticked)
    scene.add("cluster_id", cluster.pk)
    scene.add("option_id", *vote.poll.options.values_list("pk", flat=True))
    scene.tokens += [workshop.join_token, workshop.display_token]


def build_scene(facilitator, outsider, workshop, other_workshop) -> Scene:
    scene = Scene()
    delegate_client, other_delegate_client = Client(), Client()
    delegate = join(delegate_client, workshop, "Dana")
    other_delegate = join(other_delegate_client, other_workshop, "Olu")
    build_workshop(scene, workshop, delegate)
    build_workshop(scene, other_workshop, other_delegate)
    # A commitment with its magic links, a shared archive, a Snapshot under way.
    commitment = Commitment.objects.create(
        step_id=scene.ids["step_id"][2],
        delegate=delegate,
        action="Time every changeover",
        first_step_when="Monday",
        first_step_then="stopwatch",
        first_step_on=datetime.date(2026, 11, 24),
        measure="minutes",
        done_by=datetime.date(2026, 12, 24),
    )
    scene.add("commitment_id", commitment.pk)
    scene.tokens.append(
        followups.issue_link(purpose=AccessLink.Purpose.CHECK_IN, commitment=commitment)
    )
    scene.tokens.append(followups.issue_link(purpose=AccessLink.Purpose.MY_DATA, delegate=delegate))
    shared = archive.share_archive(workshop=workshop)
    scene.tokens.append(shared.archive_token)
    setup = snapshot.setup_for(workshop.event)
    setup = snapshot.configure(setup=setup, state="open", challenges=["Meetings"], wording={})
    response = snapshot.start(setup=setup, delegate_key=delegate.key)
    scene.tokens += [setup.invite_token, response.token]
    scene.add("number", 1, 2, 30)
    facilitator_client, outsider_client = Client(), Client()
    delegate_client.raise_request_exception = False
    other_delegate_client.raise_request_exception = False
    facilitator_client.raise_request_exception = False
    outsider_client.raise_request_exception = False
    facilitator_client.force_login(facilitator)
    outsider_client.force_login(outsider)
    scene.clients = {
        "anonymous": Client(raise_request_exception=False),
        "delegate": delegate_client,
        "other delegate": other_delegate_client,
        "facilitator": facilitator_client,
        "other facilitator": outsider_client,
    }
    # The same people with CSRF enforced, as a browser's request without the token is.
    for name, client in list(scene.clients.items()):
        strict = Client(enforce_csrf_checks=True, raise_request_exception=False)
        strict.cookies = client.cookies
        scene.clients[f"{name} (CSRF enforced)"] = strict
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
        elif converter in {"slug", "str"}:
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


# --- the run ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_hostile_requests_never_get_a_server_error(
    seed, facilitator, outsider, workshop, other_workshop, caplog
):
    caplog.set_level(logging.ERROR, logger="django.request")
    scene = build_scene(facilitator, outsider, workshop, other_workshop)
    routes = app_routes()
    rng = random.Random(seed)
    failures: dict[tuple, str] = {}
    for n in range(REQUESTS_PER_SEED):
        route = routes[n % len(routes)]  # every route, in turn
        actor, method, path, data, call = send(rng, scene, route)
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
                (route.name, problem and problem.split(":")[0]),
                f"{actor} {method} {short(path)} data={short(data)}: {problem or logged}",
            )
    assert not failures, "\n".join(failures.values())
