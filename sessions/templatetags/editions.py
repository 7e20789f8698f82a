"""The returning delegate's pieces of two pages that belong to other features: the phone
page (last edition's open commitment) and a follow-up link's check-in page (the offer to
bring the commitment to this phone). As inclusion tags, so those pages' views stay as they
are; each is one read."""

from __future__ import annotations

from typing import Any

from django import template

from sessions.editions.read import returned_context
from sessions.editions.returning import later_delegate

register = template.Library()


@register.inclusion_tag("workshops/editions/returned.html", takes_context=True)
def returned_commitments(context: template.Context) -> dict[str, Any]:
    """Each open brought-back commitment with a fresh command key for each of its buttons
    (a double tap sends one key twice and counts once)."""
    drawn = returned_context(context.get("workshop"), context.get("delegate"))
    return {**drawn, "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("workshops/editions/bring_back.html", takes_context=True)
def bring_back_offer(context: template.Context) -> dict[str, Any]:
    request, commitment = context.get("request"), context.get("commitment")
    match = getattr(request, "resolver_match", None)
    if request is None or commitment is None or match is None or "token" not in match.kwargs:
        return {"delegate": None}
    return {
        "delegate": later_delegate(request.COOKIES, commitment),
        "commitment": commitment,
        "token": match.kwargs["token"],
        "csrf_token": context.get("csrf_token"),
    }
