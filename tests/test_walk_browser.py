"""A whole workshop walked in real browsers, with the room's screens open from the start.

The console, the projector and three phones are opened on the waiting screen and kept open
while the facilitator walks through every step kind (where we are, a message, each vote kind
hidden, live and revealed, ideas with stages, approval, clusters and suggestions, a 2x2,
commitments, the pulse, finishing), with votes, ideas and commitments arriving. After every
action, once the pushes settle, each live region of each long-open page must equal the same
region of a page freshly loaded at that moment. A second projector opened in the middle of
the ideas step is held to the same rule from then on.

On the production configuration (REDIS_URL set) the long-open pages are served by one server
process and every action they send as a POST goes through another, as behind a proxy; a
phone's ballot taps travel over its socket to the process that serves it.
"""

from __future__ import annotations

import datetime
import difflib
import faulthandler
import os
import re
import sys
import time
import uuid
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect

from sessions.agenda import services
from sessions.commitments import services as commitments
from sessions.ideas import services as ideas
from sessions.live.audiences import DELEGATE, FACILITATOR, PROJECTOR, REGIONS
from sessions.models import Step
from sessions.pulse import services as pulse
from sessions.voting import services as voting
from tests.browser import LAPTOP, PHONE, live, shot
from tests.browser import PROJECTOR as PROJECTOR_VIEW
from tests.conftest import session_for
from tests.servers import Daphne

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The regions compared per audience: the live regions, plus a phone's own ballot.
IDS = {
    PROJECTOR: REGIONS[PROJECTOR],
    FACILITATOR: REGIONS[FACILITATOR],
    DELEGATE: (*REGIONS[DELEGATE], "ballot"),
}

# What may differ between two correct drawings of the same state: versions and timestamps,
# per-drawing tokens and command keys, htmx's bookkeeping, and a countdown's ticking text.
NORMALISE = """(ids) => {
  const dropped = ["data-version", "data-rendered", "data-now", "data-offset", "data-ack",
                   "data-change", "aria-busy", "hx-swap-oob", "hx-preserve", "data-page-hidden"];
  const out = {};
  for (const id of ids) {
    const element = document.getElementById(id);
    if (!element) { out[id] = null; continue; }
    const copy = element.cloneNode(true);
    // Whether a form carries the CSRF token itself or relies on the page's is not state.
    // An acknowledgement ("Sent.") answers the actor's own tap; a fresh load has none.
    copy.querySelectorAll("input[name=csrfmiddlewaretoken], [data-transient]")
      .forEach((n) => n.remove());
    for (const node of [copy, ...copy.querySelectorAll("*")]) {
      for (const name of dropped) node.removeAttribute(name);
      for (const name of [...node.classList]) {
        if (name.startsWith("htmx-")) node.classList.remove(name);
      }
      if (node.getAttribute("class") === "") node.removeAttribute("class");
      if (node.getAttribute("style") === "") node.removeAttribute("style");
      if (node.matches("input[name=key]")) node.removeAttribute("value");
      if (node.hasAttribute("data-countdown")) node.textContent = "";
      // The facilitator's clock ticks too (time on the step, the workshop's lag).
      if (node.hasAttribute("data-count-up") || node.hasAttribute("data-lag-from")) {
        node.textContent = "";
      }
    }
    out[id] = copy.outerHTML;
  }
  return out;
}"""
# Longer than any step and its check take, even on a slow machine; far below the time limit.
STALL_SECONDS = 180
# Every Playwright wait in the walk is bounded (this is Playwright's default, said once).
ACTION_MS = 30_000

UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")


def regions_of(page: Page, ids: tuple[str, ...]) -> dict[str, str | None]:
    drawn = page.evaluate(NORMALISE, list(ids))
    return {
        name: None if html is None else UUID.sub("<key>", re.sub(r"\s+", " ", html))
        for name, html in drawn.items()
    }


def settled(page: Page) -> bool:
    """No region still loading itself (stubs fetch their personal content over HTTP)."""
    return page.evaluate("() => !document.querySelector('[aria-busy=true]')")


@dataclass
class Screen:
    """One identity's view of the room: its long-open pages, where a fresh one loads, and the
    page that loads it afresh at each check."""

    name: str
    audience: str
    context: BrowserContext
    path: str
    pages: list[Page] = field(default_factory=list)
    fresh: Page | None = None

    def loader(self) -> Page:
        # One page per identity, navigated afresh at each check (a new document each time),
        # rather than a new page each time: Chromium has been seen to never answer a new
        # page's creation once in a few hundred, which hung the walk.
        if self.fresh is None:
            self.fresh = self.context.new_page()
        return self.fresh


@dataclass
class Room:
    a: Daphne  # serves the long-open pages
    b: Daphne  # takes every action they send (the same process on the embedded default)
    screens: list[Screen] = field(default_factory=list)
    checks: int = 0

    def check(self, after: str, within: float = 15.0) -> None:
        """Every long-open page shows what a fresh load shows, once the pushes settle."""
        self.checks += 1
        started = time.monotonic()
        # The fresh pages load side by side, from the long-open pages' own address: behind a
        # proxy both processes are one host, and the join panel shows the address it was
        # reached at.
        fresh = [screen.loader() for screen in self.screens]
        for screen, page in zip(self.screens, fresh, strict=True):
            page.goto(self.a.url + screen.path, wait_until="commit")
        for screen, page in zip(self.screens, fresh, strict=True):
            live(page)
            self._agree(screen, page, after, within)
        # Where the time goes, shown if the walk fails or runs out of time.
        print(f"check {self.checks} after {after}: {time.monotonic() - started:.1f} s", flush=True)
        # A step and its check take seconds: if the next ones have not ended within
        # STALL_SECONDS, every thread's stack goes to the captured output (the run goes on).
        faulthandler.dump_traceback_later(STALL_SECONDS, file=sys.__stderr__)

    def _agree(self, screen: Screen, fresh: Page, after: str, within: float) -> None:
        ids = IDS[screen.audience]
        deadline = time.monotonic() + within
        while True:
            want = regions_of(fresh, ids)
            differing = [
                (page, got)
                for page in screen.pages
                if (got := regions_of(page, ids)) != want or not settled(page)
            ]
            if not differing and settled(fresh):
                return
            if time.monotonic() > deadline:
                page, got = differing[0] if differing else (fresh, want)
                shot(page, f"walk-stale-{screen.name}")
                raise AssertionError(
                    f"after {after}: the {screen.name} page open since the start differs "
                    f"from a fresh load:\n{describe(want, got)}"
                )
            time.sleep(0.2)


def describe(want: dict, got: dict) -> str:
    lines = []
    for name in want:
        if want[name] != got.get(name):
            a = (want[name] or "<missing>").replace("><", ">\n<").splitlines()
            b = (got.get(name) or "<missing>").replace("><", ">\n<").splitlines()
            diff = difflib.unified_diff(a, b, "fresh", "open since the start", lineterm="", n=1)
            lines.append(f"#{name}:\n" + "\n".join(diff))
    return "\n".join(lines) or "(a region is still loading)"


def send_posts_to(context: BrowserContext, a: Daphne, b: Daphne) -> None:
    """Every POST a page of `context` sends to `a` is carried out by `b` (as a proxy might)."""
    if a is b:
        return

    def reroute(route: Route) -> None:
        request = route.request
        if request.method != "POST" or not request.url.startswith(a.url):
            route.continue_()
            return
        # Like a proxy, pass on the address the page was reached at (CSRF checks the Origin
        # against it).
        headers = {**request.headers, "host": a.url.removeprefix("http://")}
        answer = route.fetch(
            url=b.url + request.url[len(a.url) :], headers=headers, max_redirects=0
        )
        route.fulfill(response=answer)

    context.route("**/*", reroute)


def act(page: Page, control, status: int = 200) -> None:
    """Press a control and wait for the server's answer to the POST it sends, which must have
    `status` (an htmx control's answer is 200; a plain form's, a redirect)."""
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        control.click()
    got = answer.value
    if got.status != status:
        detail = got.headers.get("location") if 300 <= got.status < 400 else got.text()[:500]
        raise AssertionError(f"answered {got.status}, not {status}: {detail}")


def tap(page: Page, control) -> None:
    """Tap a ballot button and wait for the server's acknowledgement of the form's key (the
    phone's #ballot carrying data-ack): the tap travels over the page's socket."""
    form = control.locator("xpath=ancestor::form[1]")
    key = form.locator("input[name=key]").get_attribute("value")
    control.click()
    expect(page.locator("#ballot")).to_have_attribute("data-ack", key, timeout=15_000)


def button(page: Page, name: str):
    return page.get_by_role("button", name=name, exact=True)


def option_row(page: Page, label: str):
    return page.locator("#ballot li.ballot-option").filter(
        has=page.locator(".option-label", has_text=label)
    )


@pytest.fixture(autouse=True)
def _stall_dump_cancelled():
    """The stall dump armed by `Room.check` never outlives the walk."""
    yield
    faulthandler.cancel_dump_traceback_later()


@pytest.fixture
def servers(redis_url_if_production):
    """One daphne on the embedded default; two sharing Redis on the production one."""
    if redis_url_if_production is None:
        with Daphne() as one:
            yield one, one
        return
    shared = {"REDIS_URL": redis_url_if_production, "CHANNEL_LAYER_PREFIX": uuid.uuid4().hex}
    with Daphne(extra_env=shared) as a, Daphne(extra_env=shared) as b:
        yield a, b


@pytest.fixture
def redis_url_if_production(request):
    if not os.environ.get("REDIS_URL"):
        return None
    return request.getfixturevalue("redis_url")


def run_sheet(workshop) -> dict[str, Step]:
    """Every step kind the app has, in the order a workshop might run them."""
    steps = {}
    steps["where"] = services.add_step(
        workshop=workshop, title="Where we are", kind=Step.Kind.BENCHMARK
    )
    steps["welcome"] = services.add_step(
        workshop=workshop, title="Welcome", body="Small steps, small experiments."
    )

    def vote(name, title, **settings):
        steps[name] = voting.add_vote_step(
            workshop=workshop,
            title=title,
            body="",
            settings=voting.PollSettings(**settings),
        )

    vote("dots", "Which challenge first?", kind="dots", options=["Changeovers", "Training"])
    vote("single", "One to start with", kind="single", options=["Stock", "Quality"], show_live=True)
    vote("multiple", "Which apply to you?", kind="multiple", options=["Energy", "Scrap", "Flow"])
    vote("scale", "How ready are you?", kind="scale", options=["Data", "People"])
    vote("ranking", "Rank the levers", kind="ranking", options=["Layout", "Kanban", "5S"])
    steps["ideas"] = ideas.add_ideas_step(
        workshop=workshop,
        title="Ideas",
        prompt="How might we cut changeover time?",
        needs_approval=True,
        staged=True,
        delegates_suggest=True,
    )
    vote("matrix", "Impact and effort", kind="matrix", options=["SMED", "Buddy system"])
    steps["commit"] = commitments.add_commit_step(workshop=workshop, title="Your experiment")
    steps["pulse"] = pulse.add_pulse_step(workshop=workshop)
    return steps


# The whole workshop, step by step, with fresh loads compared after each: several minutes on
# a busy machine, so more than the suite's default time limit (pyproject.toml).
@pytest.mark.timeout(1200)
def test_every_screen_open_from_the_start_shows_what_a_fresh_load_shows(
    browser, servers, workshop, facilitator
):
    a, b = servers
    steps = run_sheet(workshop)
    room = Room(a, b)

    console_context = browser.new_context(**LAPTOP)
    console_context.set_default_timeout(ACTION_MS)
    console_context.add_cookies(
        [{"name": "sessionid", "value": session_for(facilitator), "url": a.url}]
    )
    console = console_context.new_page()
    console.goto(f"{a.url}/console/workshops/{workshop.pk}/")
    projector_context = browser.new_context(**PROJECTOR_VIEW)
    projector_context.set_default_timeout(ACTION_MS)
    projector = projector_context.new_page()
    display_path = f"/display/{workshop.display_token}/"
    projector.goto(a.url + display_path)
    phones = []
    for name in ("Ana", "Ben", "Cleo"):
        context = browser.new_context(**PHONE)
        context.set_default_timeout(ACTION_MS)
        phone = context.new_page()
        phone.goto(f"{a.url}/j/{workshop.join_token}/")
        phone.get_by_label("Your name (optional)").fill(name)
        phone.get_by_role("button", name="Join the workshop").click()
        expect(phone.get_by_text(f"Joined as {name}")).to_be_visible()
        phones.append(phone)
    for page in (console, projector, *phones):
        live(page)
        send_posts_to(page.context, a, b)
    ana, ben, cleo = phones
    phone_path = f"/w/{workshop.pk}/"
    room.screens = [
        Screen("console", FACILITATOR, console_context, f"/console/workshops/{workshop.pk}/"),
        Screen("projector", PROJECTOR, projector_context, display_path),
        *(
            Screen(f"phone {n}", DELEGATE, phone.context, phone_path)
            for n, phone in zip(("Ana", "Ben", "Cleo"), phones, strict=True)
        ),
    ]
    for screen, page in zip(room.screens, (console, projector, *phones), strict=True):
        screen.pages.append(page)
    expect(projector.locator("#presence [data-count]")).to_have_text("3")
    room.check("three phones joined")

    def next_step(expected: str) -> None:
        act(console, button(console, "Next →"))
        expect(console.locator("#step .now")).to_have_text(expected)
        room.check(f"moving to “{expected}”")

    def control(name: str) -> None:
        act(console, button(console, name))
        room.check(f"the facilitator pressed “{name}”")

    # Where we are, then a message.
    next_step("Where we are")
    next_step("Welcome")

    # Dot voting: hidden while the room votes, then revealed, then carried as the focus.
    next_step("Which challenge first?")
    control("Open voting")
    tap(ana, option_row(ana, "Changeovers").get_by_role("button", name="Put a dot on"))
    tap(ana, option_row(ana, "Training").get_by_role("button", name="Put a dot on"))
    tap(ben, option_row(ben, "Training").get_by_role("button", name="Put a dot on"))
    room.check("three dots")
    control("Close voting")
    control("Reveal results")
    control("as the focus")

    # Single choice shown live, then back one step and forward again.
    next_step("One to start with")
    control("Open voting")
    tap(ana, option_row(ana, "Stock").get_by_role("button", name="Choose"))
    tap(cleo, option_row(cleo, "Quality").get_by_role("button", name="Choose"))
    room.check("two choices shown live")
    control("Close voting")
    act(console, button(console, "← Previous"))
    expect(console.locator("#step .now")).to_have_text("Which challenge first?")
    room.check("going back to the dot vote")
    next_step("One to start with")

    # Multiple choice revealed while open; a scale; a ranking.
    next_step("Which apply to you?")
    control("Open voting")
    tap(ben, option_row(ben, "Energy").get_by_role("button", name="Choose"))
    tap(ben, option_row(ben, "Flow").get_by_role("button", name="Choose"))
    control("Reveal results")
    tap(cleo, option_row(cleo, "Scrap").get_by_role("button", name="Choose"))
    room.check("a choice after the reveal")
    control("Close voting")

    next_step("How ready are you?")
    control("Open voting")
    tap(ana, option_row(ana, "Data").get_by_role("button", name="4 of 5"))
    tap(ben, option_row(ben, "People").get_by_role("button", name="2 of 5"))
    room.check("two ratings")
    control("Close voting")
    control("Reveal results")

    next_step("Rank the levers")
    control("Open voting")
    tap(cleo, option_row(cleo, "Kanban").get_by_role("button", name="Place #1"))
    tap(cleo, option_row(cleo, "Layout").get_by_role("button", name="Place #2"))
    room.check("a ranking")
    control("Close voting")
    control("Reveal results")

    # Ideas: stages, approval, a second projector opened mid-step, clusters, suggestions.
    next_step("Ideas")
    control("Open ideas")
    control(f"Start stage 1 ({steps['ideas'].board.stages[0]} s)")
    texts = {
        ana: ["Time every changeover", "Pre-stage tools before the shift"],
        ben: ["Train a second setter"],
        cleo: ["Share a checklist with suppliers"],
    }
    for phone, sent in texts.items():
        for text in sent:
            phone.get_by_label("Your idea").fill(text)
            act(phone, button(phone, "Send idea"))
            expect(phone.locator(".mine-list")).to_contain_text(text)
    room.check("four ideas waiting for approval")
    for text in (
        "Time every changeover",
        "Train a second setter",
        "Pre-stage tools before the shift",
    ):
        item = console.locator("#ideas li.console-idea", has_text=text)
        act(console, item.get_by_role("button", name="Approve"))
    room.check("three ideas approved")

    # A smaller projector (a hotel room's 1280x720), opened in the middle of the step.
    late = projector_context.new_page()
    late.set_viewport_size({"width": 1280, "height": 720})
    late.goto(a.url + display_path)
    live(late)
    room.screens[1].pages.append(late)
    room.check("a projector opened in the middle of the ideas step")
    shot(projector, "walk-ideas-projector-1920")
    shot(late, "walk-ideas-projector-1280")
    shot(console, "walk-ideas-console-1366")
    shot(ana, "walk-ideas-phone-390")

    console.get_by_label("Time every changeover").check()
    console.get_by_label("or a new cluster named").fill("Changeover discipline")
    act(console, button(console, "Create cluster"))
    room.check("a cluster made by ticking")
    suggestion = cleo.locator("#suggest li.suggest-idea", has_text="Train a second setter")
    suggestion.get_by_label("Theme for this idea").select_option(label="Changeover discipline")
    act(cleo, suggestion.get_by_role("button", name="Suggest"))
    room.check("a delegate suggested a theme")
    tally = console.locator("#ideas li.console-idea", has_text="Train a second setter")
    act(console, tally.get_by_role("button", name="Accept"))
    room.check("the suggestion accepted")
    control("Close ideas")

    # The 2x2, commitments, the pulse.
    next_step("Impact and effort")
    control("Open voting")
    row = option_row(ana, "SMED")
    tap(ana, row.get_by_role("button", name="Impact 4 of 5"))
    tap(ana, row.get_by_role("button", name="Effort 2 of 5"))
    room.check("a 2x2 rating")
    control("Close voting")
    control("Reveal results")

    next_step("Your experiment")
    today = datetime.date.today()
    # The card, one step at a time (Next moves on in the page; nothing is sent until Commit).
    card_next = ben.locator(".commit-card .card-step:not([hidden]) [data-card-next]")
    ben.get_by_label("I will …", exact=True).fill("time every changeover on line 2 for a week")
    card_next.click()
    ben.get_by_label("When …", exact=True).fill("When Monday's shift starts")
    ben.get_by_label("… then I will", exact=True).fill("start the stopwatch")
    card_next.click()
    ben.get_by_label("I will know it worked when …").fill("changeovers take under 20 minutes")
    ben.get_by_label("Done by").fill((today + datetime.timedelta(days=21)).isoformat())
    card_next.click()
    card_next.click()  # no extras
    act(ben, button(ben, "Commit"))
    room.check("a commitment on the wall")
    shot(projector, "walk-commitments-projector-1920")
    shot(ben, "walk-commitments-phone-390")

    act(console, button(console, "Next →"))
    expect(console.locator("#step .now")).to_have_text(steps["pulse"].title)
    room.check("moving to the pulse")
    control("Open the pulse")
    ana.locator("#step").get_by_label("4", exact=True).check()
    ana.get_by_label("One word for it").fill("practical")
    act(ana, ana.locator("#step").get_by_role("button", name="Send"))
    room.check("a pulse answer")
    control("Close the pulse")
    control("Reveal pulse results")

    # Finishing closes every screen.
    finish = room.screens[0].loader()  # the console's; the next check loads it afresh
    finish.goto(f"{a.url}/console/workshops/{workshop.pk}/finish/")
    act(finish, button(finish, "Close now"), status=302)  # a plain form: back to the console
    expect(projector.locator("#status")).to_contain_text("This workshop has finished")
    room.check("finishing the workshop")
    shot(late, "walk-finished-projector-1280")
    shot(cleo, "walk-finished-phone-390")
    assert room.checks >= 40
