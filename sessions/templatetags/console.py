"""Template filters of the facilitator's console: the `shown` token of a command form and a
vote's planned source."""

from django import template

from sessions.agenda import shown as shown_module
from sessions.models import Board, Poll, Pulse, Step, WordCloud, Workshop
from sessions.voting.services import planned_source

register = template.Library()


@register.filter
def shown(target: Workshop | Poll | Board | Pulse | WordCloud | Step, aspects: str = "") -> str:
    """The hidden `shown` value of a console command form (see sessions/shown.py); `aspects`
    names the parts of the target's state the form's buttons depend on."""
    return shown_module.token(target, aspects)


@register.filter
def planned_from(poll: Poll) -> str:
    """The title of the ideas step whose clusters a planned vote takes as its options."""
    source = planned_source(poll.step)
    if source is None:
        return ""
    return Step.objects.filter(pk=source).values_list("title", flat=True).first() or ""
