"""The vote's results chart, drawn once for the frames drawn together."""

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from sessions.live.memo import shared
from sessions.models import Poll

register = template.Library()

CHART = "workshops/vote/results.html"


@register.simple_tag(takes_context=True)
def results_chart(
    context: template.Context, rows: Any, more: int = 0, show_distribution: bool = False
) -> SafeString:
    """`workshops/vote/results.html` with these rows, as `{% include ... with %}` draws it.

    The projector, the consoles and the phones draw the same bars of the same tally; in
    frames drawn together (`sessions.live.memo`) a chart of the same rows is drawn once.
    The bar chart reads only the tally, the rows and the two flags; a 2x2 plot also reads
    who is looking, so it is drawn for each."""
    tally = context["tally"]
    distribution = bool(show_distribution) and tally.kind == Poll.Kind.SCALE

    def draw() -> SafeString:
        chart = context.template.engine.get_template(CHART)  # type: ignore[union-attr]
        with context.push(rows=rows, more=more, show_distribution=distribution):
            return mark_safe(chart.render(context))

    if tally.kind == Poll.Kind.MATRIX:
        return draw()
    # Rows are the tally's headline or all its results: both begin its ranked results.
    return shared(("chart", id(tally), len(rows), more, distribution), draw)
