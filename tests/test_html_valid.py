"""Every kind of page is valid HTML: the Nu HTML checker (the W3C's, `vnu.jar` from the
`vnu-jar` npm package, run by Java) finds no error in it other than about htmx's attributes,
which no HTML standard knows.

The pages are those of a workshop filled as a big room fills it, at each state a screen
shows (tests/page_kinds.py), for each audience, with the forms sent wrong, and the fragments
a phone's page fetches for itself (each checked inside a minimal document). The checker runs
once over all of them: a Java start is slow.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from sessions.models import Commitment
from tests import page_kinds
from tests.conftest import join

pytestmark = [pytest.mark.validator, pytest.mark.django_db]

ROOT = Path(__file__).resolve().parent.parent
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
HTMX = {"HTTP_HX_REQUEST": "true"}

# Attributes htmx (and its WebSocket and server-sent-events extensions) reads: the checker
# knows no standard that has them.
HTMX_ATTRIBUTE = re.compile(r"“(hx-[\w:-]+|ws-connect|ws-send|sse-[\w-]+)”")

FRAGMENT = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{label}</title>'
    "</head><body>{html}</body></html>"
)


class Pages:
    """The pages collected so far, written to a folder for the checker."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.labels: dict[str, str] = {}

    def add(self, label: str, response, *, fragment: bool = False) -> None:
        assert response.status_code in (200, 400, 409, 422), (label, response.status_code)
        html = response.content.decode()
        if fragment:
            html = FRAGMENT.format(label=label, html=html)
        name = f"{len(self.labels):03d}.html"
        (self.folder / name).write_text(html, encoding="utf-8")
        self.labels[name] = label


def collect(pages: Pages, workshop) -> None:
    steps = page_kinds.filled(workshop)
    facilitator = Client()
    facilitator.force_login(workshop.event.facilitators.first())
    phone = Client()
    delegate = join(phone, workshop, "Dana")
    join_code = reverse("workshops:join")
    pages.add("join page", Client().get(join_code))
    pages.add("join page, wrong code", Client().post(join_code, {"code": "zz"}))
    join_link = reverse("workshops:join_link", args=[workshop.join_token])
    pages.add("join link", Client().get(join_link))
    pages.add("join link, name too long", Client().post(join_link, {"display_name": "x" * 90}))
    login = reverse("login")
    pages.add("sign-in", Client().get(login))
    wrong = {"username": "nobody", "password": "wrong"}
    pages.add("sign-in with a wrong password", Client().post(login, wrong))
    for label, path in page_kinds.console_paths(workshop).items():
        pages.add(label, facilitator.get(path))
    page_kinds.bring_back_to(workshop, delegate)  # the phone's card from last edition
    assert b"Last time, at" in phone.get(reverse("workshops:phone", args=[workshop.pk])).content
    alone = workshop.event.facilitators.first().facilitated_events.get(name="A one-off")
    join_series = reverse("workshops:series_join", args=[alone.pk])
    pages.add("series: join, blank", facilitator.post(join_series, {"name": ""}))
    rehearsals = reverse("workshops:rehearsals")
    pages.add("rehearsals, phones out of range", facilitator.post(rehearsals, {"phones": "0"}))
    new = reverse("workshops:workshop_new", args=[workshop.event_id])
    pages.add("new workshop, blank", facilitator.post(new, {"title": ""}))
    bad_file = SimpleUploadedFile("sheet.json", b"{nope", "application/json")
    refused = facilitator.post(reverse("workshops:run_sheet_import"), {"file": bad_file})
    pages.add("run sheets, a file refused", refused)
    for step in steps.values():
        edit = reverse("workshops:step_edit", args=[workshop.pk, step.pk])
        pages.add(f"edit step ({step.kind}), blank", facilitator.post(edit, {"title": ""}))
    invitation = page_kinds.invitation_path(workshop)
    pages.add("team invitation", Client().get(invitation))
    pages.add("team invitation, sign-up blank", Client().post(invitation, {"username": ""}))
    pages.add("team invitation, signed in", facilitator.get(invitation))
    pages.add("phone's data", phone.get(reverse("workshops:my_data", args=[workshop.event_id])))
    pages.add("check-in", Client().get(page_kinds.check_in_path(workshop)))
    for label, path in page_kinds.peer_paths(workshop).items():
        pages.add(label, Client().get(path))
    opt_in = page_kinds.peer_paths(workshop)["peers, opt-in"]
    pages.add("peers, opt-in sent blank", Client().post(opt_in, {"name": ""}))
    setup = page_kinds.snapshot_setup(workshop)
    snapshot = Client()
    invite = reverse("workshops:snapshot_invite", args=[setup.invite_token])
    pages.add("snapshot invitation", snapshot.get(invite))
    assert snapshot.post(invite).status_code == 302
    token = page_kinds.latest_snapshot_token(setup)
    for label, path in page_kinds.snapshot_paths(token).items():
        pages.add(label, snapshot.get(path))
    finished = page_kinds.finished_snapshot_token(setup)
    results = reverse("workshops:snapshot_results", args=[finished])
    pages.add("snapshot results", snapshot.get(results))
    question = reverse("workshops:snapshot_item", args=[token, 1])
    pages.add("snapshot question 1, blank", snapshot.post(question, {}))
    console = reverse("workshops:console", args=[workshop.pk])
    display = reverse("workshops:display", args=[workshop.display_token])
    own_parts = {
        "dots open": "workshops:ballot",
        "matrix open": "workshops:ballot",
        "ideas": "workshops:my_ideas",
        "ideas moderated": "workshops:my_ideas",
        "commit": "workshops:my_commitments",
        "pulse open": "workshops:my_pulse",
        "cloud open": "workshops:my_words",
    }
    remote = page_kinds.remote_path(workshop)
    for stage in page_kinds.walk(workshop, steps, delegate.pk):
        pages.add(f"phone at {stage}", phone.get(reverse("workshops:phone", args=[workshop.pk])))
        pages.add(f"remote at {stage}", Client().get(remote))
        pages.add(f"console at {stage}", facilitator.get(console))
        pages.add(f"projector at {stage}", Client().get(display))
        if stage in own_parts:
            part = phone.get(reverse(own_parts[stage], args=[workshop.pk]), **HTMX)
            pages.add(f"phone's own part at {stage}", part, fragment=True)
        if stage == "commit":  # with a card of their own: peers offered under it
            page_kinds.own_commitment(workshop, delegate.pk)
            card = reverse("workshops:my_commitments", args=[workshop.pk])
            pages.add("phone's card, peers offered", phone.get(card, **HTMX), fragment=True)
            pages.add("phone's card page, peers offered", phone.get(card))
            yes = reverse("workshops:peers_opt_in", args=[workshop.pk])
            mine = Commitment.objects.filter(delegate=delegate).first()
            blank = {"peers-commitment": mine.pk}
            pages.add("phone's peers yes sent blank", phone.post(yes, blank, **HTMX), fragment=True)
            pages.add("phone's peers yes sent blank, no script", phone.post(yes, blank))
        if stage == "cloud open":  # a word refused, with and without scripts
            sent = {"cloud": steps["cloud"].word_cloud.pk, "word": ["Busy", "x" * 30]}
            words = reverse("workshops:cloud_words", args=[workshop.pk])
            pages.add("phone, word refused", phone.post(words, sent))
            part = phone.post(words, sent, **HTMX)
            pages.add("phone's words refused", part, fragment=True)
    workshop.refresh_from_db()
    pages.add("take-home page", phone.get(page_kinds.take_home_path(workshop, delegate.pk)))
    shared = reverse("workshops:archive_shared", args=[workshop.archive_token])
    pages.add("shared archive", Client().get(shared))
    pages.add("archive", facilitator.get(reverse("workshops:archive", args=[workshop.pk])))


def check(folder: Path) -> list[dict]:
    java = shutil.which("java")
    assert java, "Java is missing: `make test` installs Debian's default-jre-headless"
    assert VNU.exists(), f"{VNU} is missing: `make test` installs it (npm ci)"
    done = subprocess.run(
        [java, "-jar", str(VNU), "--format", "json", "--exit-zero-always", "--stdout", str(folder)],
        capture_output=True,
        text=True,
        timeout=240,
        check=True,
    )
    return json.loads(done.stdout)["messages"]


@pytest.mark.timeout(400)
def test_every_page_is_valid_html(workshop, tmp_path):
    pages = Pages(tmp_path)
    collect(pages, workshop)
    messages = check(tmp_path)
    errors = [m for m in messages if m.get("type") in ("error", "non-document-error")]
    htmx = [m for m in errors if HTMX_ATTRIBUTE.search(m.get("message", ""))]
    real = [m for m in errors if m not in htmx]
    print(f"\n{len(pages.labels)} pages checked: {', '.join(pages.labels.values())}")
    print(f"{len(errors)} errors, {len(htmx)} about htmx's attributes, {len(real)} others")
    for message, count in Counter(m.get("message", "") for m in real).most_common():
        print(f"  {count} x {message}")
    assert len(pages.labels) > 50
    assert not real, "\n".join(
        f"{pages.labels.get(Path(m.get('url', '')).name, m.get('url'))}"
        f" line {m.get('lastLine')}: {m.get('message')}"
        f"  [{m.get('extract', '').strip()[:120]}]"
        for m in real
    )
