"""axe-core finds no violation at all (its default rules, best practices included) on any kind
of page, at the size it is used at: a delegate's phone pages at 390x844, the console at
1366x900, the projector at 1920x1080 and at 1280x720.

The pages are those of a workshop filled as a big room fills it, at each state a screen shows
(tests/page_kinds.py), loaded afresh in Chromium from a daphne server once their live regions
are in, with a form sent wrong for each kind of error a person meets. Screens that ask for less
motion are used, so that axe reads the colours a screen settles on, not a frame of a
transition.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Page

from sessions.models import Delegate
from sessions.snapshot import services as snapshots
from tests import page_kinds
from tests.browser import LAPTOP, PHONE, PROJECTOR, join_in, live
from tests.conftest import session_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
SMALL_PROJECTOR = {"viewport": {"width": 1280, "height": 720}}

RUN = """async () => {
  const result = await axe.run(document);
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    nodes: v.nodes.map((n) => ({target: n.target.join(' '), html: n.html.slice(0, 160)})),
  }));
}"""

# The page is read once it has loaded and nothing is coming in: no region still loading
# itself, no htmx request in flight (a region fetching itself, a poll, a tap sent) and no swap
# settling. Every request the pages make after loading goes through htmx, whose classes say so
# from the moment it is sent to the end of its swap: a positive signal, where waiting for the
# network to stay quiet for half a second cost a minute and a half of the run.
SETTLED = """() => document.readyState === "complete"
  && !document.querySelector("[aria-busy=true], .htmx-request, .htmx-swapping, .htmx-settling")"""


class Findings:
    """What axe found, page by page."""

    def __init__(self) -> None:
        self.loads: list[str] = []
        self.found: list[str] = []
        self.rules: Counter[str] = Counter()

    def check(self, page: Page, label: str) -> None:
        page.wait_for_function(SETTLED)
        # What a disclosure holds (a step's "More", an idea's Edit) is read too.
        page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true })")
        page.add_script_tag(path=AXE)
        self.loads.append(label)
        for violation in page.evaluate(RUN):
            self.rules[violation["id"]] += len(violation["nodes"])
            for node in violation["nodes"]:
                self.found.append(
                    f"{label}: {violation['id']} ({violation['impact']}) at {node['target']}"
                    f"  {node['html']}"
                )


def send_blank(page: Page, form: str, *, emptied: bool = True) -> None:
    """Send `form` with its text fields emptied (or as filled), past the browser's own checks
    (as a browser without them would), and wait for the page that answers."""
    with page.expect_navigation():
        page.evaluate(
            """([selector, emptied]) => {
              const form = document.querySelector(selector);
              form.noValidate = true;
              for (const field of form.querySelectorAll('input[type=text], textarea')) {
                if (emptied) field.value = '';
              }
              form.requestSubmit();
            }""",
            [form, emptied],
        )


@pytest.mark.timeout(600)
def test_no_page_has_an_accessibility_violation(browser, server, workshop):
    assert AXE.exists(), f"{AXE} is missing: `make test` installs it (npm ci)"
    steps = page_kinds.filled(workshop)
    findings = Findings()
    contexts = []

    def context(size: dict):
        made = browser.new_context(**size, reduced_motion="reduce")
        contexts.append(made)
        return made

    try:
        url = server.url
        facilitator = context(LAPTOP)
        facilitator.add_cookies(
            [
                {
                    "name": "sessionid",
                    "value": session_for(workshop.event.facilitators.first()),
                    "url": url,
                }
            ]
        )
        console = facilitator.new_page()
        stranger = context(PHONE).new_page()

        # Joining.
        stranger.goto(f"{url}{reverse('workshops:join')}")
        findings.check(stranger, "join page (phone)")
        stranger.fill("input[name=code]", "zz")
        with stranger.expect_navigation():
            stranger.press("input[name=code]", "Enter")
        findings.check(stranger, "join page with a wrong code (phone)")
        join_link = reverse("workshops:join_link", args=[workshop.join_token])
        stranger.goto(f"{url}{join_link}")
        findings.check(stranger, "join link (phone)")
        too_long = "(el) => { el.value = 'x'.repeat(90) }"
        stranger.eval_on_selector("input[name=display_name]", too_long)
        send_blank(stranger, 'form[action*="/j/"]', emptied=False)
        findings.check(stranger, "join link with a name too long (phone)")
        phone = join_in(context(PHONE), server, workshop, "Dana")

        # Signing in.
        signing_in = context(LAPTOP).new_page()
        signing_in.goto(f"{url}{reverse('login')}")
        findings.check(signing_in, "sign-in (console)")
        signing_in.fill("input[name=username]", "nobody")
        signing_in.fill("input[name=password]", "wrong")
        with signing_in.expect_navigation():
            signing_in.press("input[name=password]", "Enter")
        findings.check(signing_in, "sign-in with a wrong password (console)")
        delegate = Delegate.objects.get(display_name="Dana", event_id=workshop.event_id)

        # The console's pages around the live console.
        for label, path in page_kinds.console_paths(workshop).items():
            console.goto(f"{url}{path}")
            findings.check(console, f"{label} (console)")
        edit = reverse("workshops:step_edit", args=[workshop.pk, steps["dots"].pk])
        console.goto(f"{url}{edit}")
        send_blank(console, 'form[action$="/edit/"]')
        findings.check(console, "edit step, sent blank (console)")
        new = reverse("workshops:workshop_new", args=[workshop.event_id])
        console.goto(f"{url}{new}")
        send_blank(console, 'form[action$="/new/"]')
        findings.check(console, "new workshop, sent blank (console)")

        # An invitation to the event's team, opened on a phone by someone signed out.
        stranger.goto(f"{url}{page_kinds.invitation_path(workshop)}")
        findings.check(stranger, "team invitation (phone)")
        send_blank(stranger, 'form[action^="/team/"]')
        findings.check(stranger, "team invitation, sign-up sent blank (phone)")

        # After the event and around it, on a phone.
        stranger.goto(f"{url}{page_kinds.check_in_path(workshop)}")
        findings.check(stranger, "follow-up check-in (phone)")
        for label, path in page_kinds.peer_paths(workshop).items():
            stranger.goto(f"{url}{path}")
            findings.check(stranger, f"{label} (phone)")
        send_blank(stranger, "form.peers-opt-in")
        findings.check(stranger, "peers, opt-in sent blank (phone)")
        phone.goto(f"{url}{reverse('workshops:my_data', args=[workshop.event_id])}")
        findings.check(phone, "the delegate's data (phone)")
        setup = page_kinds.snapshot_setup(workshop)
        stranger.goto(f"{url}{reverse('workshops:snapshot_invite', args=[setup.invite_token])}")
        findings.check(stranger, "snapshot invitation (phone)")
        started = snapshots.start(setup=setup, delegate_key=None)
        for label, path in page_kinds.snapshot_paths(started.token).items():
            stranger.goto(f"{url}{path}")
            findings.check(stranger, f"{label} (phone)")
        token = page_kinds.finished_snapshot_token(setup)
        stranger.goto(f"{url}{reverse('workshops:snapshot_results', args=[token])}")
        findings.check(stranger, "snapshot results (phone)")

        # The room's three screens at each state.
        projectors = {"1920x1080": context(PROJECTOR), "1280x720": context(SMALL_PROJECTOR)}
        screens = {size: made.new_page() for size, made in projectors.items()}
        console_path = reverse("workshops:console", args=[workshop.pk])
        phone_path = reverse("workshops:phone", args=[workshop.pk])
        display_path = reverse("workshops:display", args=[workshop.display_token])
        remote_path = page_kinds.remote_path(workshop)
        remote = context(PHONE).new_page()
        # A card of the phone's own: at the commitment step, peers are offered under it.
        page_kinds.own_commitment(workshop, delegate.pk)
        for stage in page_kinds.walk(workshop, steps, delegate.pk):
            finished = stage == "finished"
            for page, path, label in [
                (phone, phone_path, "phone"),
                (remote, remote_path, "remote"),
                (console, console_path, "console"),
                *[(screen, display_path, f"projector {s}") for s, screen in screens.items()],
            ]:
                page.goto(f"{url}{path}")
                if not finished:
                    live(page)
                findings.check(page, f"{label} at {stage}")
            # The phone's own parts, which it fetches for itself, were in when axe read it.
            if stage == "dots open":
                assert phone.locator(".dots").count() > 0
            if stage == "ideas moderated":
                assert phone.get_by_text("Tidy benches").count() > 0
        workshop.refresh_from_db()
        phone.goto(f"{url}{page_kinds.take_home_path(workshop, delegate.pk)}")
        findings.check(phone, "take-home page (phone)")
        shared = reverse("workshops:archive_shared", args=[workshop.archive_token])
        stranger.goto(f"{url}{shared}")
        findings.check(stranger, "shared archive (phone)")
        console.goto(f"{url}{reverse('workshops:archive', args=[workshop.pk])}")
        findings.check(console, "archive (console)")
    finally:
        for made in contexts:
            made.close()
    print(f"\naxe-core on {len(findings.loads)} page loads: {', '.join(findings.loads)}")
    print(f"{len(findings.found)} violations: {dict(findings.rules.most_common())}")
    assert len(findings.loads) > 60
    assert not findings.found, "\n".join(findings.found)
