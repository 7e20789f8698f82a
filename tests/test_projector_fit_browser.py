"""The projector never cuts anything off, and the room can read it from the back.

Every step kind is shown with a worst case a real room makes (8 options of 60 characters, 40
ideas in 6 clusters, the Snapshot's "Where we are" with the challenges picked beforehand, 50
commitments, a revealed pulse, the finished screen), on a projector loaded afresh at full HD
and at 1280x720 (a hotel room's projector). In the view, no element the room sees may lie
outside the screen or be clipped by a box around it, and no text may be smaller than its
floor: 32 px at 1080 lines, 24 px at 720. A list too long for the screen shows in pages that
take turns, each page within those rules.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from sessions.agenda import services
from tests.browser import live, shot
from tests.worst_cases import worst_cases

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = {"1920": (1920, 1080, 32), "1280": (1280, 720, 24)}

# What the room must see, checked in the page: every visible element inside the screen and
# inside every box that clips it, and every visible text at least the floor (SVG text at its
# drawn size). The connection dot in a corner is for the facilitator, not the room.
MEASURE = """(floor) => {
  const problems = [];
  const width = innerWidth, height = innerHeight;
  const readerOnly = (el) => {
    for (let box = el; box; box = box.parentElement) {
      if (getComputedStyle(box).clipPath === 'inset(50%)') return true;
    }
    return false;
  };
  const exempt = (el) => el.closest('.connection, [hidden]') || readerOnly(el);
  const shown = (el) => {
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') return false;
    const rect = el.getBoundingClientRect();
    return rect.width > 0 && rect.height > 0;
  };
  const classes = (el) => typeof el.className === 'string' && el.className.trim()
    ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + classes(el) +
    ' "' + (el.textContent || '').trim().slice(0, 40) + '"';
  for (const el of document.querySelectorAll('main *')) {
    if (exempt(el) || !shown(el)) continue;
    if (el.closest('[data-page-hidden]')) continue;
    const rect = el.getBoundingClientRect();
    if (rect.left < -1 || rect.top < -1 || rect.right > width + 1 || rect.bottom > height + 1) {
      const box = [rect.left, rect.top, rect.right, rect.bottom].map(Math.round);
      problems.push('outside the screen: ' + name(el) + ' ' + JSON.stringify(box));
      continue;
    }
    for (let box = el.parentElement; box && box !== document.body; box = box.parentElement) {
      const style = getComputedStyle(box);
      if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
      const outer = box.getBoundingClientRect();
      if (rect.left < outer.left - 1 || rect.top < outer.top - 1 ||
          rect.right > outer.right + 1 || rect.bottom > outer.bottom + 1) {
        problems.push('clipped by ' + name(box).slice(0, 60) + ': ' + name(el));
        break;
      }
    }
    const text = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!text) continue;
    let size = parseFloat(getComputedStyle(el).fontSize);
    const svg = el.closest('svg');
    if (svg && el instanceof SVGElement) size *= svg.getScreenCTM().a;
    if (size < floor - 0.5) problems.push('text ' + size.toFixed(1) + 'px: ' + name(el));
  }
  return problems;
}"""


def problems_on(page: Page, floor: int) -> list[str]:
    """What breaks the rules on the page, on each of its pages when a list takes turns."""
    found = page.evaluate(MEASURE, floor)
    pages = page.locator("[data-pages]")
    for i in range(pages.count()):
        pager = pages.nth(i)
        count = int(pager.get_attribute("data-pages") or "1")
        for number in range(2, count + 1):
            pager.evaluate("(el, n) => el.showPage(n)", number)
            found += [f"page {number}: {p}" for p in page.evaluate(MEASURE, floor)]
    return found


@pytest.mark.timeout(600)
def test_every_step_kind_fits_the_projector_and_reads_from_the_back(browser, server, workshop):
    steps = worst_cases(workshop)
    contexts = {
        size: browser.new_context(viewport={"width": w, "height": h})
        for size, (w, h, _floor) in SCREENS.items()
    }
    failures: list[str] = []
    try:
        for name in [*steps, "joining", "waiting", "finished"]:
            if name == "finished":
                services.close_workshop(workshop=workshop)
            elif name == "joining":  # asked for full size during the dot vote
                services.show_step(workshop=workshop, step=steps["dots"])
                services.show_joining(workshop=workshop, shown=True)
            else:
                services.show_joining(workshop=workshop, shown=False)
                services.show_step(workshop=workshop, step=steps.get(name))
            for size, (_w, _h, floor) in SCREENS.items():
                page = contexts[size].new_page()
                page.goto(f"{server.url}/display/{workshop.display_token}/")
                if name != "finished":
                    live(page)
                else:
                    expect(page.locator("#status")).to_contain_text("finished")
                shot(page, f"fit-{name}-projector-{size}")
                if name != "finished":
                    qr = page.locator("#join svg").bounding_box()
                    assert qr is not None
                    if name in ("joining", "waiting"):  # full size: a quarter of the width
                        assert qr["width"] >= page.viewport_size["width"] / 4, name
                    else:  # a strip
                        assert qr["height"] <= page.viewport_size["height"] / 6, name
                failures += [f"{name} at {size}: {p}" for p in problems_on(page, floor)]
                page.close()
    finally:
        for context in contexts.values():
            context.close()
    assert not failures, "\n".join(failures[:60])
