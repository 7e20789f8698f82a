"""Who may see and drive which event and workshop: every view and consumer asks here.

Each function returns what it guarantees or raises NotFound. A workshop that exists but is
not the requester's gets exactly the same answer as one that does not exist. An event's team
(`Event.facilitators`, `Event.organisers`) may do what `MAY` gives their role; a member whose
role may not do something is told why (Forbidden, 403), as they know the event exists.
"""

import functools
from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser, User
from django.db import models
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrPromise

from sessions.errors import Forbidden, NotFound
from sessions.identity import delegate_keys, read_delegate_key
from sessions.models import Delegate, Event, Role, RunSheet, Series, Step, Workshop
from sessions.statements import Plain

NOT_FOUND = _("That workshop does not exist, or you do not have access to it.")
NOT_JOINED = (
    "This phone has not joined that workshop. Scan the QR code or type the code "
    "shown on the screen to join."
)


# --- the event's team: who may do what ----------------------------------------------------


class Action(StrEnum):
    VIEW = "view"  # the console's list, dashboards, exports, archives, the Snapshot report
    DRIVE = "drive"  # run a room: show steps, open votes, edit the agenda, moderate, close
    TEAM = "team"  # invite, add and remove the event's facilitators and organisers
    # Set up the event's Productivity Snapshot (open or close it, its challenges, the wording
    # of its non-core items): the organiser's preparation, not running a room.
    SURVEY = "survey"


# The one table of what each role may do; a superuser may do everything everywhere.
MAY: dict[Role, frozenset[Action]] = {
    Role.FACILITATOR: frozenset({Action.VIEW, Action.SURVEY, Action.DRIVE, Action.TEAM}),
    Role.ORGANISER: frozenset({Action.VIEW, Action.SURVEY}),
}

NO_EVENT = _("That event does not exist, or you are not on its team.")
ORGANISERS_CANNOT_DRIVE = _("Organisers can see this event's results but cannot run its workshops.")
ORGANISERS_CANNOT_INVITE = _(
    "Organisers can see this event's team but cannot change it. Ask one of its facilitators."
)
REFUSED_TO_ORGANISERS = {
    Action.DRIVE: ORGANISERS_CANNOT_DRIVE,
    Action.TEAM: ORGANISERS_CANNOT_INVITE,
}


def _signed_in(user: AbstractBaseUser | AnonymousUser) -> User | None:
    # A socket's user is a lazy object, an instance of the user it wraps.
    if isinstance(user, User) and user.is_authenticated and user.is_active:
        return user
    return None


def role_in(user: User, event: Event) -> Role | None:
    """`user`'s role in `event`'s team (a superuser counts as a facilitator); None if none."""
    if user.is_superuser or event.facilitators.filter(pk=user.pk).exists():
        return Role.FACILITATOR
    if event.organisers.filter(pk=user.pk).exists():
        return Role.ORGANISER
    return None


def may(user: User, event: Event, action: Action) -> bool:
    """Whether `user` may do `action` in `event` (for what a page offers; views still ask
    `get_event_for`/`get_workshop_for`, which refuse)."""
    role = role_in(user, event)
    return role is not None and action in MAY[role]


def events_of(user: User) -> list[tuple[Event, Role]]:
    """Every event `user` has a role in (all of them for a superuser), with that role and
    its workshops, in two queries."""
    if user.is_superuser:
        events = Event.objects.all()
    else:
        events = Event.objects.filter(Q(facilitators=user) | Q(organisers=user)).distinct()
    events = events.filter(is_rehearsal=False)  # a rehearsal's event is listed nowhere
    driven = set(user.facilitated_events.values_list("pk", flat=True))
    return [
        (event, Role.FACILITATOR if user.is_superuser or event.pk in driven else Role.ORGANISER)
        for event in events.prefetch_related("workshops")
    ]


def _check(user: User, event: Event, action: Action, not_found: StrPromise) -> None:
    role = role_in(user, event)
    if role is None:
        raise NotFound(not_found)
    if action not in MAY[role]:
        raise Forbidden(REFUSED_TO_ORGANISERS.get(action, ORGANISERS_CANNOT_DRIVE))


def get_event_for(user: AbstractBaseUser | AnonymousUser, event_id: int, action: Action) -> Event:
    """The event, if `user` is on its team in a role that may do `action`: NotFound (as for
    an event that does not exist) without a role, Forbidden (403, why) with one that may not."""
    signed_in = _signed_in(user)
    event = Event.objects.filter(pk=event_id).first() if signed_in else None
    if signed_in is None or event is None:
        raise NotFound(NO_EVENT)
    _check(signed_in, event, action, NO_EVENT)
    return event


def get_workshop_for(
    user: AbstractBaseUser | AnonymousUser, workshop_id: int, action: Action
) -> Workshop:
    """The workshop, if `user` is on its event's team in a role that may do `action`; refused
    as `get_event_for` is. `user` may be anonymous (a socket's scope): nothing is theirs."""
    signed_in = _signed_in(user)
    workshop = (
        Workshop.objects.select_related("event").filter(pk=workshop_id).first()
        if signed_in
        else None
    )
    if signed_in is None or workshop is None:
        raise NotFound(NOT_FOUND)
    _check(signed_in, workshop.event, action, NOT_FOUND)
    return workshop


NO_SERIES = _("That series does not exist, or you are not on the team of its events.")
NOT_EVERY_EDITION = _(
    "The series' report covers every edition, and you are not on the team of all of them, so "
    "it would show figures of events you may not see. Each event you are on has its own report."
)


def _series_events(user: User, series: Series, action: Action) -> tuple[list[Event], bool]:
    """The series' editions, oldest first, and whether `user` may do `action` in each."""
    events = list(series.events.order_by("edition", "pk"))
    return events, bool(events) and all(may(user, event, action) for event in events)


def get_series_for(
    user: AbstractBaseUser | AnonymousUser, series_id: int, action: Action
) -> tuple[Series, list[Event]]:
    """The series and its editions (oldest first), if `user` may do `action` in every one of
    them: a figure over the series is a figure about each edition. NotFound (as for a series
    that does not exist) when `user` is on none of its events' teams; Forbidden (403, why)
    when they are on some but not all, or in a role that may not."""
    signed_in = _signed_in(user)
    series = Series.objects.filter(pk=series_id).first() if signed_in else None
    if signed_in is None or series is None:
        raise NotFound(NO_SERIES)
    events, allowed = _series_events(signed_in, series, action)
    if allowed:
        return series, events
    if not any(role_in(signed_in, event) is not None for event in events):
        raise NotFound(NO_SERIES)
    raise Forbidden(NOT_EVERY_EDITION)


def may_see_series(user: User, series: Series, action: Action = Action.VIEW) -> bool:
    """Whether `user` may do `action` over the whole series (for what a page offers)."""
    return _series_events(user, series, action)[1]


def get_event_for_facilitator(user: AbstractBaseUser | AnonymousUser, event_id: int) -> Event:
    """The event, for someone who may run its workshops."""
    return get_event_for(user, event_id, Action.DRIVE)


NO_RUN_SHEET = _("That run sheet does not exist, or you do not have access to it.")


def get_run_sheet_for_facilitator(user: User, sheet_id: int, *, own: bool = False) -> RunSheet:
    """A run sheet `user` may use (theirs, or shared with an event they facilitate), or with
    `own` one they may change (theirs). Another's private sheet answers like a missing one."""
    sheets = RunSheet.objects.visible_to(user)
    if own and not user.is_superuser:
        sheets = sheets.filter(owner=user)
    try:
        return sheets.get(pk=sheet_id)
    except RunSheet.DoesNotExist:
        raise NotFound(NO_RUN_SHEET) from None


def require_facilitator(user: AbstractBaseUser | AnonymousUser) -> User:
    """A facilitator of at least one event (not a rehearsal's), or a superuser: who may
    rehearse the installation. Anyone else gets the same answer as for a missing page."""
    if (
        isinstance(user, User)
        and user.is_authenticated
        and (user.is_superuser or user.facilitated_events.filter(is_rehearsal=False).exists())
    ):
        return user
    raise NotFound(_("That page does not exist, or you do not have access to it."))


def get_workshop_for_facilitator(
    user: AbstractBaseUser | AnonymousUser, workshop_id: int
) -> Workshop:
    """The workshop, for someone who may run it (the console and its socket)."""
    return get_workshop_for(user, workshop_id, Action.DRIVE)


def get_workshop_for_team(user: AbstractBaseUser | AnonymousUser, workshop_id: int) -> Workshop:
    """The workshop, for anyone on its event's team (its archive and exports)."""
    return get_workshop_for(user, workshop_id, Action.VIEW)


def get_workshop_for_delegate(
    cookies: Mapping[str, str], workshop_id: int
) -> tuple[Workshop, Delegate]:
    """The workshop and the delegate whose cookie shows they joined it."""
    try:
        workshop = Workshop.objects.select_related("event").get(pk=workshop_id)
    except Workshop.DoesNotExist:
        raise NotFound(NOT_FOUND) from None
    key = read_delegate_key(cookies, workshop.event_id)
    delegate = (
        Delegate.objects.filter(key=key, event_id=workshop.event_id, attendances__workshop=workshop)
        .distinct()
        .first()
        if key
        else None
    )
    if delegate is None:
        raise NotFound(NOT_FOUND)
    return workshop, delegate


def get_membership(request: HttpRequest, workshop_id: int) -> tuple[Workshop, Delegate]:
    """The workshop and this phone's delegate, for a delegate's page or command; the refusal
    says how to join."""
    try:
        return get_workshop_for_delegate(request.COOKIES, workshop_id)
    except NotFound:
        raise NotFound(NOT_JOINED) from None


def member_id(request: HttpRequest, workshop_id: int) -> int:
    """The id of this phone's delegate in the workshop, for a command whose writer reads
    the workshop and the attendance itself, under its lock (a vote); the same refusal as
    `get_membership` for a phone that has not joined.

    Found by the phone's signed cookies in one light query, and remembered: a delegate's
    id for a key and workshop never changes (an erased delegate's writes are refused by
    the writer, which finds no attendance)."""
    keys = tuple(sorted(delegate_keys(request.COOKIES).items()))
    if not keys:
        raise NotFound(NOT_JOINED)
    return _member(workshop_id, keys)


def socket_member_id(cookies: Mapping[str, str], workshop_id: int) -> int:
    """The id of the delegate whose cookies show they joined the workshop, for a phone's
    socket: one light query, read afresh for every socket (not remembered: a socket shows
    the room, so an erased delegate's phone must not open one)."""
    keys = tuple(sorted(delegate_keys(cookies).items()))
    if not keys:
        raise NotFound(NOT_FOUND)
    return find_member(workshop_id, keys)


# A phone's membership, read for every socket it opens (a hall reconnecting at once opens
# thousands): a fixed statement, as the ORM's query spent about as long being built as run.
_MEMBERSHIP = Plain(
    "SELECT a.delegate_id, d.event_id, d.key FROM {Attendance} a"
    " JOIN {Delegate} d ON d.id = a.delegate_id"
    " JOIN {Workshop} w ON w.id = a.workshop_id"
    " WHERE a.workshop_id = %s AND d.event_id = w.event_id AND d.key IN ({list})"
    " ORDER BY a.id"
)


def find_member(workshop_id: int, keys: tuple[tuple[int, str], ...]) -> int:
    """The delegate of one of `keys` ((event id, delegate key) pairs) who joined the
    workshop; NotFound if none did."""
    pairs = set(keys)
    for delegate_id, event_id, key in _MEMBERSHIP.run(
        [workshop_id], lists=[[key for _event_id, key in keys]]
    ):
        if (event_id, key) in pairs:
            return int(delegate_id)
    raise NotFound(NOT_JOINED)  # a refusal is not remembered: the phone may join next


_member = functools.lru_cache(maxsize=20_000)(find_member)


def forget_members() -> None:
    """Forget the memberships `member_id` remembered (for tests, whose ids are reused)."""
    _member.cache_clear()


def get_workshop_for_display(token: str) -> Workshop:
    try:
        return Workshop.objects.select_related("event").get(display_token=token)
    except Workshop.DoesNotExist:
        raise NotFound(
            _(
                "This display link is not valid: it was revoked or mistyped. "
                "Open the projector again from the facilitator console."
            )
        ) from None


def get_workshop_by_join_token(token: str) -> Workshop:
    try:
        return Workshop.objects.select_related("event").get(join_token=token)
    except Workshop.DoesNotExist:
        raise NotFound(_("That join link is not valid. Ask for the workshop's code.")) from None


def get_step(workshop: Workshop, step_id: int) -> Step:
    try:
        return workshop.steps.get(pk=step_id)
    except Step.DoesNotExist:
        raise NotFound(_("That step is not part of this workshop.")) from None


StepRow = TypeVar("StepRow", bound=models.Model)


def on_screen(model: type[StepRow], workshop: Workshop) -> StepRow | None:
    """The row of `model` (a step's poll, board or pulse) for the step the room is on now, with
    its step; None between steps or when the step on screen is of another kind."""
    if workshop.current_step_id is None:
        return None
    rows = model._default_manager.select_related("step")
    return rows.filter(step_id=workshop.current_step_id).first()


def required_on_screen(model: type[StepRow], workshop: Workshop, moved_on: StrPromise) -> StepRow:
    """As `on_screen`, for a delegate's command on the step: refused with `moved_on` (the room
    has moved on, in that kind's words) when the step on screen is not one of `model`'s."""
    row = on_screen(model, workshop)
    if row is None:
        raise NotFound(moved_on)
    return row


REMOTE_REVOKED = _(
    "This remote link was revoked or mistyped, so it no longer drives the room. "
    "Ask the facilitator for a new one from the console."
)


def get_workshop_for_remote(token: str) -> Workshop:
    """The workshop whose facilitator's remote link is `token` (a co-facilitator's phone,
    no login): it drives that workshop's room only, never its console, archive or exports."""
    try:
        return Workshop.objects.select_related("event").get(remote_token=token)
    except Workshop.DoesNotExist:
        raise NotFound(REMOTE_REVOKED) from None
