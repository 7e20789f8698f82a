"""An event's team page (who facilitates and who organises; facilitators add people and make
invitation links) and the invitation link's own page (accept it, or make an account)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from sessions.access import Action, get_event_for, may
from sessions.models import Event, Invitation
from sessions.ratelimit import keep_sign_up_pace
from sessions.requests import AuthenticatedHttpRequest
from sessions.team import services
from sessions.team.forms import AddMemberForm, InviteForm, SignUpForm


def _team_page(
    request: AuthenticatedHttpRequest,
    event: Event,
    *,
    add_form: AddMemberForm | None = None,
    invite_form: InviteForm | None = None,
    new_link: tuple[Invitation, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    manages = may(request.user, event, Action.TEAM)
    context: dict[str, Any] = {
        "event": event,
        "members": services.members(event),
        "manages": manages,
        "drives": may(request.user, event, Action.DRIVE),
    }
    if manages:
        open_ones = [i for i in event.invitations.select_related("created_by") if i.is_open]
        context.update(
            invitations=open_ones,
            add_form=add_form or AddMemberForm(initial={"key": AddMemberForm().key_to_send()}),
            invite_form=invite_form or InviteForm(initial={"key": InviteForm().key_to_send()}),
        )
    if new_link is not None:
        invitation, token = new_link
        path = reverse("workshops:team_invitation", args=[token])
        context.update(new_invitation=invitation, new_link=request.build_absolute_uri(path))
    return render(request, "workshops/team/page.html", context, status=status)


def _back(event: Event) -> HttpResponse:
    return redirect("workshops:team", event_id=event.pk)


@login_required
@require_safe
def team(request: AuthenticatedHttpRequest, event_id: int) -> HttpResponse:
    event = get_event_for(request.user, event_id, Action.VIEW)
    return _team_page(request, event)


@login_required
@require_POST
def team_add(request: AuthenticatedHttpRequest, event_id: int) -> HttpResponse:
    """Add an existing account to the team in the role chosen."""
    event = get_event_for(request.user, event_id, Action.TEAM)
    form = AddMemberForm(request.POST)
    if not form.is_valid():
        return _team_page(request, event, add_form=form, status=400)
    user, role = form.cleaned_data["who"], form.cleaned_data["role"]
    services.add_member(event=event, user=user, role=role)
    name = user.get_full_name() or user.username
    messages.success(
        request,
        _("%(name)s is now on the team as %(role)s.") % {"name": name, "role": role.label.lower()},
    )
    return _back(event)


@login_required
@require_POST
def team_invite(request: AuthenticatedHttpRequest, event_id: int) -> HttpResponse:
    """Make an invitation link; the page shows it this once (only its hash is kept)."""
    event = get_event_for(request.user, event_id, Action.TEAM)
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _team_page(request, event, invite_form=form, status=400)
    made = services.invite(
        event=event, role=form.cleaned_data["role"], by=request.user, key=form.command_key()
    )
    return _team_page(request, event, new_link=made)


@login_required
@require_POST
def invitation_revoke(
    request: AuthenticatedHttpRequest, event_id: int, invitation_id: int
) -> HttpResponse:
    event = get_event_for(request.user, event_id, Action.TEAM)
    services.revoke_invitation(event=event, invitation_id=invitation_id)
    messages.success(request, _("The invitation link was withdrawn: it no longer works."))
    return _back(event)


@login_required
@require_POST
def team_remove(request: AuthenticatedHttpRequest, event_id: int, user_id: int) -> HttpResponse:
    event = get_event_for(request.user, event_id, Action.TEAM)
    user = services.remove_member(event=event, user_id=user_id)
    name = user.get_full_name() or user.username
    messages.success(request, _("%(name)s is no longer on this event's team.") % {"name": name})
    if user == request.user and not request.user.is_superuser:
        return redirect("workshops:console_home")
    return _back(event)


# --- the invitation link -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Signed in: accept (a POST). Signed out: sign in to accept, or make an account here (a
    POST with the sign-up form), which takes the role in the same transaction and signs in."""
    invited = services.open_invitation(token)
    form = None
    if request.method == "POST":
        keep_sign_up_pace(request)
        if request.user.is_authenticated:
            services.accept(token=token, user=request.user)
            return _welcome(request, invited)
        form = SignUpForm(request.POST)
        if form.is_valid():
            return _sign_up(request, token, form, invited)
    elif not request.user.is_authenticated:
        form = SignUpForm()
    context = {"invitation": invited, "form": form, "login_next": request.path}
    return render(
        request,
        "workshops/team/invitation.html",
        context,
        status=400 if form and form.errors else 200,
    )


def _sign_up(
    request: HttpRequest, token: str, form: SignUpForm, invited: Invitation
) -> HttpResponse:
    data = form.cleaned_data
    user, _used = services.sign_up_and_accept(
        token=token,
        username=data["username"],
        name=data["first_name"],
        email=data["email"],
        password=data["password1"],
    )
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return _welcome(request, invited)


def _welcome(request: HttpRequest, invited: Invitation) -> HttpResponse:
    role = invited.get_role_display().lower()
    messages.success(
        request,
        _("You are now on the team of %(event)s as %(role)s.")
        % {"role": role, "event": invited.event.name},
    )
    return redirect("workshops:console_home")
