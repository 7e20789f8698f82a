"""Changes to an event's team. Each runs in a transaction holding the event's row, so two
facilitators removing each other cannot leave an event with none.

No screen of a room shows the team, so these record no `Change` and push nothing.
"""

from __future__ import annotations

from typing import NamedTuple

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sessions.errors import Conflict, NotFound
from sessions.models import Event, Invitation, Role, hash_token
from sessions.tokens import new_token

ALREADY_IN_TEAM = _("%(name)s is already on this event's team as %(role)s; nothing was changed.")
LAST_FACILITATOR = _(
    "An event needs at least one facilitator: add another before removing the last one. "
    "Nothing was changed."
)
NOT_IN_TEAM = _("That person is not on this event's team.")
NO_INVITATION = _(
    "This invitation link is not valid: it was mistyped or never existed. Ask the "
    "facilitator who sent it for a new one."
)
INVITATION_USED = _("This invitation link has already been used. Ask for a new one.")
INVITATION_REVOKED = _("This invitation link was withdrawn. Ask for a new one if you need it.")
INVITATION_EXPIRED = _("This invitation link has expired. Ask for a new one.")
ALREADY_MADE = _(
    "That invitation link was already made, and its link was shown once. If you did not "
    "copy it, withdraw it and make a new one. Nothing was changed."
)
USERNAME_TAKEN = _("That username was taken just now: choose another. Nothing was changed.")
NOT_OPEN = _("That invitation link is no longer open; nothing was changed.")


class Member(NamedTuple):
    user: User
    role: Role


def members(event: Event) -> list[Member]:
    """The team, facilitators first, each by name."""
    by_name = ("first_name", "username")
    return [Member(user, Role.FACILITATOR) for user in event.facilitators.order_by(*by_name)] + [
        Member(user, Role.ORGANISER) for user in event.organisers.order_by(*by_name)
    ]


def _locked(event: Event) -> Event:
    return Event.objects.select_for_update().get(pk=event.pk)


def _add(event: Event, user: User, role: Role) -> None:
    """Give `user` `role` in `event` (under the event's lock); refused if they have one."""
    held = _listed_role(event, user)
    if held is not None:
        name = user.get_full_name() or user.username
        raise Conflict(ALREADY_IN_TEAM % {"name": name, "role": held.label.lower()})
    team = event.facilitators if role == Role.FACILITATOR else event.organisers
    team.add(user)


def _listed_role(event: Event, user: User) -> Role | None:
    """The role a user is listed with (a superuser, who may do everything, may be neither)."""
    if event.facilitators.filter(pk=user.pk).exists():
        return Role.FACILITATOR
    if event.organisers.filter(pk=user.pk).exists():
        return Role.ORGANISER
    return None


@transaction.atomic
def add_member(*, event: Event, user: User, role: Role) -> None:
    """Add an existing account to the team; Conflict if it is already on it."""
    _add(_locked(event), user, role)


@transaction.atomic
def remove_member(*, event: Event, user_id: int) -> User:
    """Take a person off the team; NotFound if not on it, Conflict for the last facilitator."""
    event = _locked(event)
    user = User.objects.filter(pk=user_id).first()
    role = _listed_role(event, user) if user else None
    if user is None or role is None:
        raise NotFound(NOT_IN_TEAM)
    if role == Role.FACILITATOR:
        if event.facilitators.count() == 1:
            raise Conflict(LAST_FACILITATOR)
        event.facilitators.remove(user)
    else:
        event.organisers.remove(user)
    return user


@transaction.atomic
def invite(*, event: Event, role: Role, by: User, key: str | None) -> tuple[Invitation, str]:
    """A new invitation link to the team in `role`: the invitation and its token (only its
    hash is kept, so the token is shown once). Conflict for a replayed form (same key)."""
    _locked(event)
    if key and Invitation.objects.filter(key=key).exists():
        raise Conflict(ALREADY_MADE)
    token = new_token()
    invitation = Invitation.objects.create(
        event=event, role=role, token_hash=hash_token(token), key=key, created_by=by
    )
    return invitation, token


@transaction.atomic
def revoke_invitation(*, event: Event, invitation_id: int) -> Invitation:
    """Withdraw an open invitation of `event`; NotFound for another event's or none."""
    invitation = (
        Invitation.objects.select_for_update().filter(pk=invitation_id, event=event).first()
    )
    if invitation is None:
        raise NotFound(NO_INVITATION)
    if not invitation.is_open:
        raise Conflict(NOT_OPEN)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    return invitation


def open_invitation(token: str, *, lock: bool = False) -> Invitation:
    """The open invitation of `token`; NotFound when forged, Conflict (why) when it is used,
    withdrawn or expired."""
    rows = Invitation.objects.select_related("event")
    if lock:
        rows = rows.select_for_update()
    invitation = rows.filter(token_hash=hash_token(token)).first()
    if invitation is None:
        raise NotFound(NO_INVITATION)
    if invitation.used_at is not None:
        raise Conflict(INVITATION_USED)
    if invitation.revoked_at is not None:
        raise Conflict(INVITATION_REVOKED)
    if invitation.expires_at <= timezone.now():
        raise Conflict(INVITATION_EXPIRED)
    return invitation


@transaction.atomic
def accept(*, token: str, user: User) -> Invitation:
    """Give `user` the invitation's role and use it up; nothing changes when refused."""
    invitation = open_invitation(token, lock=True)
    _add(_locked(invitation.event), user, Role(invitation.role))
    invitation.used_at = timezone.now()
    invitation.used_by = user
    invitation.save(update_fields=["used_at", "used_by"])
    return invitation


@transaction.atomic
def sign_up_and_accept(
    *, token: str, username: str, name: str, email: str, password: str
) -> tuple[User, Invitation]:
    """Create the account and give it the invitation's role, both or neither."""
    open_invitation(token)  # refused before an account is made
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username=username, email=email, password=password, first_name=name
            )
    except IntegrityError:  # taken between the form's check and now
        raise Conflict(USERNAME_TAKEN) from None
    return user, accept(token=token, user=user)
