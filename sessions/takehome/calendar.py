"""Calendar files (.ics) for a commitment: its first step on its date, and its done-by
date, each an hour at a sensible local time in the event's time zone.

Written with `icalendar` (RFC 5545): each file has one event with a stable UID (the same
commitment and kind always give the same UID, so importing it again updates the entry) and
the event's time zone. It carries only what the delegate wrote on their card: no name,
address or buddy.
"""

from __future__ import annotations

import datetime
from enum import StrEnum

from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from sessions.models import Commitment

REMINDER_HOUR = 9
LENGTH = datetime.timedelta(hours=1)
PRODUCT_ID = "-//facilitate//take-home//EN"


class Which(StrEnum):
    FIRST_STEP = "first-step"
    DONE_BY = "done-by"


def uid_for(commitment: Commitment, which: Which) -> str:
    return f"commitment-{commitment.pk}-{which}@facilitate"


def filename(commitment: Commitment, which: Which) -> str:
    return f"commitment-{commitment.pk}-{which}.ics"


def ics_for(commitment: Commitment, which: Which) -> bytes:
    """One commitment's calendar file for `which` date."""
    zone = commitment.step.workshop.event.zone
    if which is Which.FIRST_STEP:
        day = commitment.first_step_on
        summary = _("First step: %(step)s") % {"step": commitment.first_step_action}
        description = _("If %(when)s, then I will %(then)s.\nFor: I will %(action)s") % {
            "when": commitment.first_step_when,
            "then": commitment.first_step_action,
            "action": commitment.action,
        }
    else:
        day = commitment.done_by
        summary = _("Done by today: I will %(action)s") % {"action": commitment.action}
        description = _("How I will know it worked: %(measure)s") % {"measure": commitment.measure}
    start = datetime.datetime.combine(day, datetime.time(REMINDER_HOUR), tzinfo=zone)
    event = Event()
    event.add("uid", uid_for(commitment, which))
    event.add("dtstamp", commitment.created_at.astimezone(datetime.UTC))
    event.add("dtstart", start)
    event.add("dtend", start + LENGTH)
    event.add("summary", summary)
    event.add("description", description)
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    ical: bytes = calendar.to_ical()
    return ical
