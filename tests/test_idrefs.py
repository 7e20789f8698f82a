"""Every reference from one element to another by id (a label's `for`, `aria-describedby`,
`aria-labelledby`, `aria-controls`) names an element of the same page: a help text or an
error a screen reader should read with its field is never a reference to nothing.

The pages are those of the demo workshop (every step kind), at each step, for each audience,
and with the errors of forms sent wrong.
"""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from sessions.agenda import services
from sessions.models import Event, SnapshotResponse, SnapshotSetup, Step, Workshop
from tests.conftest import join

pytestmark = pytest.mark.django_db

REFERENCE = re.compile(
    r'\s(for|aria-describedby|aria-labelledby|aria-controls|aria-errormessage)="([^"]*)"'
)
ID = re.compile(r'\sid="([^"]+)"')
HTMX = {"HTTP_HX_REQUEST": "true"}


def dangling(html: str) -> list[str]:
    ids = set(ID.findall(html))
    return [
        f'{attribute}="{name}"'
        for attribute, names in REFERENCE.findall(html)
        for name in names.split()
        if name not in ids
    ]


class Pages:
    """The pages read so far, and what each one refers to in vain."""

    def __init__(self) -> None:
        self.broken: dict[str, list[str]] = {}
        self.read = 0

    def check(self, label: str, response) -> None:
        assert response.status_code in (200, 400, 409, 422), (label, response.status_code)
        self.read += 1
        html = response.content.decode()
        if missing := dangling(html):
            self.broken[label] = missing


@pytest.fixture
def demo():
    call_command("demo", base_url="http://testserver", stdout=io.StringIO())
    workshop = Workshop.objects.get(event__name__endswith="(demo)")
    facilitator = Client()
    facilitator.force_login(get_user_model().objects.get(username="facilitator"))
    return workshop, facilitator


def snapshot_pages(pages: Pages, event: Event) -> None:
    """The Snapshot: its invitation, two questions (each also sent blank), the last two forms."""
    setup = SnapshotSetup.objects.get(event=event)
    setup.state = SnapshotSetup.State.OPEN
    setup.save()
    delegate = Client()
    invite = reverse("workshops:snapshot_invite", args=[setup.invite_token])
    pages.check("snapshot invitation", delegate.get(invite))
    started = delegate.post(invite)
    assert started.status_code == 302
    token = SnapshotResponse.objects.filter(setup=setup).latest("pk").token
    for number in (1, 2):
        item = reverse("workshops:snapshot_item", args=[token, number])
        pages.check(f"snapshot question {number}", delegate.get(item))
        pages.check(f"snapshot question {number}, blank", delegate.post(item, {}))
    for name in ("snapshot_about", "snapshot_challenges"):
        pages.check(name, delegate.get(reverse(f"workshops:{name}", args=[token])))


def test_no_page_refers_to_an_element_it_does_not_have(demo):
    workshop, console = demo
    pages = Pages()
    phone = Client()
    join(phone, workshop, "Dana")
    event = Event.objects.get(pk=workshop.event_id)
    pages.check("join page", Client().get(reverse("workshops:join")))
    pages.check("join page, wrong code", Client().post(reverse("workshops:join"), {"code": "zz"}))
    join_link = reverse("workshops:join_link", args=[workshop.join_token])
    pages.check("join link", Client().get(join_link))
    pages.check("join link, name too long", Client().post(join_link, {"display_name": "x" * 90}))
    pages.check("console home", console.get(reverse("workshops:console_home")))
    pages.check("new workshop", console.get(reverse("workshops:workshop_new", args=[event.pk])))
    pages.check(
        "new workshop, blank",
        console.post(reverse("workshops:workshop_new", args=[event.pk]), {"title": ""}),
    )
    pages.check("dashboard", console.get(reverse("workshops:dashboard", args=[event.pk])))
    console_url = reverse("workshops:console", args=[workshop.pk])
    add_url = reverse("workshops:step_add", args=[workshop.pk])
    for kind in ("text", "vote", "ideas", "commit", "pulse"):
        pages.check(
            f"add a {kind} step, blank",
            console.post(add_url, {"kind": kind, "title": "", "options": ""}),
        )
    for step in Step.objects.filter(workshop=workshop).order_by("position"):
        services.show_step(workshop=workshop, step=step)
        workshop.refresh_from_db()
        label = f"step {step.position} ({step.kind})"
        pages.check(f"console at {label}", console.get(console_url))
        pages.check(
            f"edit {label}",
            console.get(reverse("workshops:step_edit", args=[workshop.pk, step.pk])),
        )
        pages.check(f"phone at {label}", phone.get(reverse("workshops:phone", args=[workshop.pk])))
        pages.check(
            f"projector at {label}",
            Client().get(reverse("workshops:display", args=[workshop.display_token])),
        )
        fragments = {
            "vote": "workshops:ballot",
            "ideas": "workshops:my_ideas",
            "pulse": "workshops:my_pulse",
        }
        if step.kind in fragments:
            fragment = reverse(fragments[step.kind], args=[workshop.pk])
            pages.check(f"phone's own part at {label}", phone.get(fragment, **HTMX))
        if step.kind == "ideas":
            send = reverse("workshops:idea_send", args=[workshop.pk])
            pages.check("an idea, blank", phone.post(send, {"text": ""}, **HTMX))
        if step.kind == "pulse":
            answer = reverse("workshops:pulse_answer", args=[workshop.pk])
            pages.check("the pulse, blank", phone.post(answer, {}, **HTMX))
        if step.kind == "commit":
            new = reverse("workshops:commit", args=[workshop.pk])
            mine = reverse("workshops:my_commitments", args=[workshop.pk])
            pages.check("commitment card", phone.get(mine, **HTMX))
            blank = {"step": step.pk, "action": ""}
            pages.check("commitment card, blank", phone.post(new, blank, **HTMX))
            pages.check("commitment card, blank, no script", phone.post(new, blank))
    snapshot_pages(pages, event)
    assert pages.read > 40
    assert not pages.broken, "\n".join(
        f"{page}: {', '.join(missing)}" for page, missing in pages.broken.items()
    )


def test_a_wrong_join_code_is_tied_to_its_field_and_takes_the_focus(workshop):
    page = Client().post(reverse("workshops:join"), {"code": "zz"}).content.decode()
    [field] = re.findall(r'<input type="text" name="code"[^>]*>', page)
    assert 'aria-invalid="true"' in field
    assert " autofocus" in field
    [described] = re.findall(r'aria-describedby="([^"]+)"', field)
    ids = set(ID.findall(page))
    assert set(described.split()) == {"code-help", "id_code_error"} <= ids
    error = re.search(r'<ul class="errorlist" id="id_code_error"><li>([^<]+)</li>', page)
    assert error is not None
    assert error.group(1).strip()
    # Sent right, nothing is marked wrong.
    fresh = Client().get(reverse("workshops:join")).content.decode()
    assert "aria-invalid" not in fresh
    assert "autofocus" not in fresh
