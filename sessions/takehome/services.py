"""The take-home page's magic link: the link that brings a delegate back to their page
later, without an account.

Only a token's hash is stored (`AccessLink`), so the page could not show a random token
again. The token is therefore drawn from the secret key, the delegate and their key: the
same delegate always gets the same link, a link is made the first time their page shows,
and erasing the delegate's data (which deletes their links and gives them a new key) ends
it for good.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from sessions.commitments.followups import resolve_link
from sessions.errors import NotFound
from sessions.models import LINK_LIFETIME, AccessLink, Delegate, hash_token

LINK_SALT = "facilitate.takehome.link"
NOT_VALID = (
    "This link is not valid. Open your take-home page from the workshop, or ask the organisers."
)


def token_for(delegate: Delegate) -> str:
    """The delegate's take-home token (64 hex characters, HMAC-SHA256 of the secret key)."""
    return salted_hmac(LINK_SALT, f"{delegate.pk}:{delegate.key}", algorithm="sha256").hexdigest()


@transaction.atomic
def take_home_link(*, delegate: Delegate, now: datetime.datetime | None = None) -> str:
    """The delegate's take-home link token, made if they have none and renewed while the
    delegate keeps coming back (its lifetime runs from the last visit by cookie)."""
    now = now or timezone.now()
    token = token_for(delegate)
    expires = now + LINK_LIFETIME
    link, made = AccessLink.objects.select_for_update().get_or_create(
        token_hash=hash_token(token),
        defaults={
            "purpose": AccessLink.Purpose.TAKE_HOME,
            "delegate": delegate,
            "expires_at": expires,
        },
    )
    if link.delegate_id != delegate.pk or link.purpose != AccessLink.Purpose.TAKE_HOME:
        # A hash collision with another link: never hand out someone else's.
        raise NotFound(NOT_VALID)
    if not made and link.expires_at < expires - datetime.timedelta(days=1):
        link.expires_at = expires
        link.save(update_fields=["expires_at"])
    return token


def delegate_by_link(token: str) -> Delegate:
    """The delegate whose take-home link `token` is; NotFound for a forged, erased or
    another purpose's token, Conflict when it has expired."""
    try:
        link = resolve_link(token, AccessLink.Purpose.TAKE_HOME)
    except NotFound:
        raise NotFound(NOT_VALID) from None
    delegate = link.delegate
    if delegate is None or delegate.forgotten_at is not None:
        raise NotFound(NOT_VALID)
    return delegate
