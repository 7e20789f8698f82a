"""The word cloud's drawing time: 300 distinct words laid out (`sessions.wordcloud.layout`)
and rendered as the projector's SVG and list (`templates/workshops/cloud/picture.html`).

Not a load test: a figure `bench.run` prints in every run (about a second), and
`.venv/bin/python -m bench.cloud` prints on its own. Each round lays the words out afresh
(the layout's cache cleared), as a push after a new word does.
"""

from __future__ import annotations

import os
import statistics
import time

WORDS = 300
ROUNDS = 15


def words(distinct: int = WORDS) -> list[tuple[str, int]]:
    """`distinct` words, a few given often and most once or twice, as a big room gives them."""
    stems = ["Busy", "Lean", "Stretched", "Hopeful", "Firefighting", "Overloaded", "Growing"]
    return [
        (f"{stems[i % len(stems)]} {i}" if i >= len(stems) else stems[i], max(1, 40 // (i + 1)))
        for i in range(distinct)
    ]


def render_ms(distinct: int = WORDS, rounds: int = ROUNDS) -> tuple[float, float]:
    """The median milliseconds to lay out and to lay out and render `distinct` words."""
    from django.template.loader import render_to_string

    from sessions.cloud.read import CloudResults, Counted
    from sessions.wordcloud import layout

    given = words(distinct)
    results = CloudResults(shown=[Counted(i, w, n, "shown") for i, (w, n) in enumerate(given)])
    render_to_string("workshops/cloud/picture.html", {"cloud_results": results})  # compiled
    laid, drawn = [], []
    for _round in range(rounds):
        layout.cache_clear()
        began = time.perf_counter()
        results.cloud  # noqa: B018  (the step's layout, as the projector's frame asks it)
        laid.append(time.perf_counter() - began)
        layout.cache_clear()
        began = time.perf_counter()
        context = {"cloud_results": results, "audience": "projector"}
        render_to_string("workshops/cloud/picture.html", context)
        drawn.append(time.perf_counter() - began)
    return 1000 * statistics.median(laid), 1000 * statistics.median(drawn)


def figure() -> str:
    laid, drawn = render_ms()
    return (
        f"word cloud: {WORDS} distinct words laid out in {laid:.1f} ms, "
        f"laid out and rendered as SVG in {drawn:.1f} ms (median of {ROUNDS})"
    )


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "facilitate.settings")
    import django

    django.setup()
    print(figure())
