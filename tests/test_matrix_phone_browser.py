"""A revealed 2x2 on a phone: nothing scrolls sideways at 320 px, the plot keeps a readable
size (at least 260 px wide) and every word on it is at least 14 px."""

from __future__ import annotations

import pytest

from sessions.agenda import services
from sessions.models import Poll
from sessions.voting import services as voting
from tests.browser import PHONE, join_in, live, shot
from tests.worst_cases import THEMES, room_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW = {**PHONE, "viewport": {"width": 320, "height": 640}}

# The plot's size and its smallest text as drawn (SVG text scales with the plot).
MEASURE = """() => {
  const svg = document.querySelector('#results .matrix-plot');
  const drawn = svg.getClientRects().length > 0;
  const plot = drawn ? svg : document.querySelector('#results .matrix-grid');
  const box = plot.getBoundingClientRect();
  const scale = drawn ? box.width / svg.viewBox.baseVal.width : 1;
  const texts = drawn
    ? [...svg.querySelectorAll('text')].filter(t => t.getClientRects().length)
    : [...plot.querySelectorAll('p, li')];
  const sizes = texts.filter(t => t.textContent.trim())
    .map(t => parseFloat(getComputedStyle(t).fontSize) * scale);
  const table = document.querySelector('#results .matrix-table');
  const words = [...document.querySelectorAll('#results *')].filter(e => e.getClientRects().length)
    .map(e => e.getBoundingClientRect()).filter(b => b.right > innerWidth + 0.5 || b.left < -0.5);
  return {
    width: box.width, height: box.height, smallest: Math.min(...sizes), drawn: drawn,
    outside: words.length, table: table.getBoundingClientRect().width,
    sideways: document.documentElement.scrollWidth - innerWidth,
  };
}"""


@pytest.mark.parametrize("size", [NARROW, PHONE], ids=["320x640", "390x844"])
def test_a_revealed_2x2_fits_a_phone_and_reads(browser, server, workshop, size):
    step = voting.add_vote_step(
        workshop=workshop,
        title="Impact and effort",
        body="",
        settings=voting.PollSettings(kind=Poll.Kind.MATRIX, options=THEMES),
    )
    services.show_step(workshop=workshop, step=step)
    poll = voting.open_poll(poll=step.poll)
    for i, delegate in enumerate(room_of(workshop, 12)):
        for option in poll.options.all():
            for axis, value in (("impact", 1 + (i + option.pk) % 5), ("effort", 1 + i % 5)):
                voting.cast(
                    workshop_id=workshop.pk,
                    delegate_id=delegate,
                    poll_id=poll.pk,
                    option_id=option.pk,
                    action=axis,
                    value=value,
                )
    voting.close_poll(poll=poll)
    voting.reveal_results(poll=poll)
    width = size["viewport"]["width"]
    phone = join_in(browser.new_context(**size), server, workshop, "Ana")
    live(phone)
    phone.locator("#results .matrix").scroll_into_view_if_needed()
    shot(phone, f"phone-2x2-{width}")
    measured = phone.evaluate(MEASURE)
    print(f"2x2 at {width}: {measured}")
    assert measured["sideways"] <= 0, measured
    assert measured["outside"] == 0, measured  # nothing of the results cut off at the sides
    assert measured["width"] >= 260, measured
    assert measured["smallest"] >= 14, measured
    phone.context.close()
