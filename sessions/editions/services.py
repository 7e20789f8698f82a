"""Series verbs (keyword-only, one transaction each) and the reads the editions pages share.

A series and its mapping are organisers' set-up outside any workshop: these verbs record no
workshop `Change` and push nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from sessions.errors import NOT_UNDERSTOOD, Conflict, InvalidInput
from sessions.models import (
    MAX_SERIES_CHALLENGES,
    ChallengeLink,
    Event,
    Option,
    Series,
    SeriesChallenge,
    SnapshotSetup,
)

ALREADY_IN_SERIES = _("This event is already an edition of a series; nothing was changed.")
SAME_EVENT = _("An event cannot be the next edition of itself.")
TOO_MANY = _("A series holds at most %(most)d challenges; map some wordings to existing ones.")
NO_SERIES = _("Make this event an edition of a series first; nothing was changed.")
NEW = "new"  # a mapping choice: make this wording a new challenge of the series


def normalised(text: str) -> str:
    """Text as compared for suggestions: NFKC, case-folded, words of letters and digits."""
    words = re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold())
    return " ".join(words)


def editions(series: Series) -> list[Event]:
    return list(series.events.order_by("edition"))


def last_edition(event: Event) -> Event | None:
    """The edition of `event`'s series just before it, if any."""
    if event.series_id is None or event.edition is None:
        return None
    return (
        Event.objects.filter(series_id=event.series_id, edition__lt=event.edition)
        .order_by("-edition")
        .first()
    )


@transaction.atomic
def start_series(*, event: Event, name: str) -> Series:
    """Make `event` the first edition of a new series named `name`."""
    locked = Event.objects.select_for_update().get(pk=event.pk)
    if locked.series_id is not None:
        raise Conflict(ALREADY_IN_SERIES)
    series = Series.objects.create(name=name)
    locked.series, locked.edition = series, 1
    locked.save(update_fields=["series", "edition"])
    event.series, event.edition = series, 1
    return series


@transaction.atomic
def follow_edition(*, event: Event, previous: Event, name: str) -> Series:
    """Make `event` the next edition of `previous`'s series (started, as `name`, with
    `previous` as its first edition if it has none)."""
    if event.pk == previous.pk:
        raise InvalidInput(SAME_EVENT)
    locked = Event.objects.select_for_update().get(pk=event.pk)
    if locked.series_id is not None:
        raise Conflict(ALREADY_IN_SERIES)
    before = Event.objects.select_for_update().get(pk=previous.pk)
    if before.series is None:
        before.series, before.edition = Series.objects.create(name=name), 1
        before.save(update_fields=["series", "edition"])
        previous.series, previous.edition = before.series, before.edition
    series = before.series
    Series.objects.select_for_update().filter(pk=series.pk).get()  # editions numbered in turn
    highest = series.events.aggregate(highest=Max("edition"))["highest"] or 0
    locked.series, locked.edition = series, highest + 1
    locked.save(update_fields=["series", "edition"])
    event.series, event.edition = series, locked.edition
    return series


@dataclass(frozen=True)
class Wording:
    """One way an edition named a challenge: a vote option, or a Snapshot challenge text."""

    key: str  # "o<option id>" or "s<position in the Snapshot's list>"
    text: str
    source: str  # what it is, for the organiser
    option: Option | None
    link: ChallengeLink | None

    @property
    def linked_id(self) -> int | None:
        return self.link.challenge_id if self.link else None


def wordings(event: Event) -> list[Wording]:
    """Every vote option of the event's workshops and every Snapshot challenge text, with
    its confirmed link, if any."""
    links = {link.option_id: link for link in event.challenge_links.filter(option__isnull=False)}
    texts = {link.snapshot_text: link for link in event.challenge_links.filter(option=None)}
    options = Option.objects.filter(poll__step__workshop__event=event).select_related(
        "poll__step__workshop"
    )
    rows = [
        Wording(
            f"o{o.pk}",
            o.label,
            f"{o.poll.step.workshop.title}: {o.poll.step.title}",
            o,
            links.get(o.pk),
        )
        for o in options.order_by(
            "poll__step__workshop__created_at", "poll__step__position", "position", "pk"
        )
    ]
    setup = SnapshotSetup.objects.filter(event=event).first()
    for n, text in enumerate(setup.challenges if setup else []):
        rows.append(
            Wording(f"s{n}", text, str(_("Snapshot challenge list")), None, texts.get(text))
        )
    return rows


def suggestion(text: str, challenges: list[SeriesChallenge]) -> SeriesChallenge | None:
    """The series challenge whose label reads the same as `text` once normalised."""
    wanted = normalised(text)
    return next((c for c in challenges if normalised(c.label) == wanted), None)


@transaction.atomic
def confirm_mapping(*, event: Event, choices: Mapping[str, str]) -> None:
    """Replace the event's links with `choices` (wording key -> a series challenge id, `NEW`
    for a new challenge with the wording's text, or "" for "not a challenge"). Keys the
    event does not have, and ids outside its series, are refused and nothing changes."""
    locked = Event.objects.select_for_update(of=("self",)).select_related("series").get(pk=event.pk)
    series = locked.series
    if series is None:
        raise Conflict(NO_SERIES)
    Series.objects.select_for_update().filter(pk=series.pk).get()
    by_key = {w.key: w for w in wordings(locked)}
    existing = {str(c.pk): c for c in series.challenges.all()}
    if set(choices) - set(by_key) or any(
        v not in existing and v not in ("", NEW) for v in choices.values()
    ):
        raise InvalidInput(NOT_UNDERSTOOD)
    locked.challenge_links.all().delete()
    made: dict[str, SeriesChallenge] = {normalised(c.label): c for c in existing.values()}
    for key, value in choices.items():
        wording = by_key[key]
        if value == "":
            continue
        if value == NEW:
            challenge = made.get(normalised(wording.text))
            if challenge is None:
                if len(made) >= MAX_SERIES_CHALLENGES:
                    raise InvalidInput(TOO_MANY % {"most": MAX_SERIES_CHALLENGES})
                challenge = SeriesChallenge.objects.create(series=series, label=wording.text)
                made[normalised(wording.text)] = challenge
        else:
            challenge = existing[value]
        if wording.option is not None:
            ChallengeLink.objects.create(event=locked, challenge=challenge, option=wording.option)
        else:
            ChallengeLink.objects.get_or_create(
                event=locked, snapshot_text=wording.text, defaults={"challenge": challenge}
            )
