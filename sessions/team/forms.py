"""The team page's forms and the invitation's sign-up form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import UserCreationForm, UsernameField
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from sessions.commands import CommandForm
from sessions.models import Role

WHO_MAX = 254  # the longest email address; usernames are shorter

NO_ACCOUNT = _(
    "No account has that username or email address. Make an invitation link instead, and "
    "send it to them."
)
SEVERAL_ACCOUNTS = _("Several accounts have that email address: give the username instead.")


class RoleField(forms.TypedChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            choices=Role.choices,
            coerce=Role,
            initial=Role.FACILITATOR,
            widget=forms.RadioSelect,
            label=_("Role"),
            help_text=_(
                "Facilitators run the workshops and the team. Organisers see the dashboard, "
                "archives, exports and the Snapshot report, but cannot run a workshop."
            ),
            **kwargs,
        )


class AddMemberForm(CommandForm):
    """Add an existing account, found by its username or email address."""

    who = forms.CharField(
        max_length=WHO_MAX,
        label=_("Username or email address"),
        help_text=_("Of someone who already has an account."),
    )
    role = RoleField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "add_%s")  # the invite form, on the same page, has a role
        super().__init__(*args, **kwargs)

    def clean_who(self) -> User:
        who = self.cleaned_data["who"].strip()
        user = User.objects.filter(username=who, is_active=True).first()
        if user is not None:
            return user
        by_email = list(User.objects.filter(email__iexact=who, is_active=True)[:2])
        if len(by_email) > 1:
            raise forms.ValidationError(SEVERAL_ACCOUNTS)
        if not by_email:
            raise forms.ValidationError(NO_ACCOUNT)
        return by_email[0]


class InviteForm(CommandForm):
    role = RoleField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "invite_%s")
        super().__init__(*args, **kwargs)


class SignUpForm(UserCreationForm[User]):
    """A new account: Django's checks of the username (unique whatever its case) and of the
    password (AUTH_PASSWORD_VALIDATORS, which also compare it with the name and email)."""

    first_name = forms.CharField(
        max_length=150, label=_("Your name"), help_text=_("As your colleagues know you.")
    )
    email = forms.EmailField(
        max_length=WHO_MAX,
        label=_("Email address"),
        help_text=_("So a facilitator can add you to other events by it."),
    )

    class Meta:
        model = User
        fields = ("username", "first_name", "email")
        field_classes = {"username": UsernameField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The page first offers to sign in instead: no field takes the focus from it.
        self.fields["username"].widget.attrs.pop("autofocus", None)
