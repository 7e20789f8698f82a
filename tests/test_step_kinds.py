"""The registry of step kinds (sessions/steps.py): every `Step.Kind` has a kind object with
every hook, each hook works through the screens that ask for it, and a kind nobody
registered fails loudly instead of drawing an empty screen."""

from __future__ import annotations

import inspect
import uuid

import pytest
from django.template.loader import get_template
from django.urls import reverse

from sessions import steps
from sessions.agenda import services
from sessions.archive.exports import exports
from sessions.archive.read import archive_of
from sessions.live.audiences import REGIONS
from sessions.live.regions import render_regions
from sessions.models import Step
from sessions.steps import KIND_REGIONS, KINDS, Export, StepKind, UnknownStepKind, kind_of

# What the console's add-step form needs for each kind (beyond a title and a key).
FORM = {
    Step.Kind.MESSAGE: {"body": "Hello"},
    Step.Kind.VOTE: {"poll_kind": "dots", "options": "Changeovers\nTraining"},
    Step.Kind.IDEAS: {"prompt": "How might we cut changeover time?"},
    Step.Kind.COMMIT: {"body": "One small experiment"},
    Step.Kind.BENCHMARK: {"body": ""},
    Step.Kind.PULSE: {"body": ""},
    Step.Kind.CLOUD: {"cloud_prompt": "", "words_each": "3"},
    Step.Kind.SINCE: {"body": ""},
}


def test_every_step_kind_is_registered_with_every_hook():
    assert set(KINDS) == set(Step.Kind.values)
    assert set(FORM) == set(Step.Kind.values)  # this test knows how to add each kind
    for value, kind in KINDS.items():
        assert isinstance(kind, StepKind)
        assert kind.value == value
        assert kind_of(value) is kind
        assert not inspect.isabstract(type(kind)), f"{value} leaves a hook unimplemented"
        for hook in ("clean", "add", "context", "record", "partial"):
            assert callable(getattr(kind, hook)), (value, hook)
        assert all(isinstance(export, Export) for export in kind.exports)
        assert set(kind.related) <= {f.name for f in Step._meta.related_objects}
        for key, name in kind.partials.items():
            audience, region = key.split(".")
            assert audience in REGIONS, (value, key)
            assert region in KIND_REGIONS, (value, key)
            get_template(name)  # the partial exists (raises if not)
        if kind.archive_template:
            get_template(kind.archive_template)


def test_the_exports_are_the_steps_then_each_kinds_own_then_the_questions():
    kinds = ["votes", "ballots", "ideas", "pulse", "commitments", "word-cloud"]
    assert list(exports()) == ["steps", *kinds, "questions"]


@pytest.mark.django_db
@pytest.mark.parametrize("value", Step.Kind.values)
def test_each_kind_is_added_from_the_console_shown_and_archived(
    value, workshop, facilitator_client, delegate_client
):
    data = {"key": str(uuid.uuid4()), "kind": value, "title": f"A {value} step", **FORM[value]}
    response = facilitator_client.post(reverse("workshops:step_add", args=[workshop.pk]), data)
    assert response.status_code == 302, response.content.decode()
    step = Step.objects.get(workshop=workshop)
    assert step.kind == value
    kind = kind_of(value)

    services.show_step(workshop=workshop, step=step)
    for audience, names in REGIONS.items():
        frame = render_regions(workshop.pk, audience, base_url="http://testserver")
        shown_in = "step" if "step" in names else "remote"  # the remote is one region
        assert f"A {value} step" in frame.html[shown_in]
    phone = delegate_client.get(reverse("workshops:phone", args=[workshop.pk]))
    assert phone.status_code == 200
    console = facilitator_client.get(reverse("workshops:console", args=[workshop.pk]))
    assert console.status_code == 200

    record = kind.record(step, facilitator=True)
    if record is not None:
        assert isinstance(record, dict), value
        assert kind.archive_template, value
    (entry,) = archive_of(workshop, facilitator=True)
    assert entry.step == step
    assert entry.template == (kind.archive_template if record is not None else None)


@pytest.mark.django_db
def test_a_kind_nobody_registered_fails_loudly(workshop, monkeypatch):
    step = services.add_step(workshop=workshop, title="Pulse", kind=Step.Kind.PULSE)
    services.show_step(workshop=workshop, step=step)
    render_regions(workshop.pk, "projector")  # registered: draws
    unregistered = {value: kind for value, kind in KINDS.items() if value != Step.Kind.PULSE}
    monkeypatch.setattr(steps, "KINDS", unregistered)

    with pytest.raises(UnknownStepKind, match="No step kind is registered for 'pulse'"):
        render_regions(workshop.pk, "projector")
    with pytest.raises(UnknownStepKind, match="'pulse'"):
        archive_of(workshop, facilitator=True)
    with pytest.raises(UnknownStepKind, match="'vote-ish'"):
        kind_of("vote-ish")
