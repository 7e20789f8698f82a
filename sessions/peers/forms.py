"""The peers page's forms: opting in (what an introduction would share) and an answer."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sessions.models import COMPANY_MAX, PEER_NAME_MAX, PeerOffer


class OptInForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=PEER_NAME_MAX)
    company = forms.CharField(label=_("Your company"), max_length=COMPANY_MAX)
    email = forms.EmailField(label=_("Your email address"), max_length=254)
    agree = forms.BooleanField(
        label=_("Yes: offer me peers, and share these three details when we both accept"),
        required=True,
        error_messages={"required": _("Tick the box to opt in.")},
        widget=forms.CheckboxInput(attrs={"aria-describedby": "peers-shared"}),
    )


class AnswerForm(forms.Form):
    offer = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    answer = forms.ChoiceField(choices=PeerOffer.Answer.choices)


PROMISE = _(
    "We suggest two or three peers from other companies; nobody learns anything about you "
    "until you both accept. Then each of you gets the other's name, company and email."
)


class RoomOptInForm(OptInForm):
    """The phone's opt-in under a commitment card: the same yes, for one of the delegate's
    commitments (prefixed, as the card on the same page has its own email field)."""

    prefix = "peers"

    commitment = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        agree = self.fields["agree"]
        agree.label = _("Yes: suggest me peers from other companies")
        agree.help_text = PROMISE
        # Django ties the box to its help (the promise) and to its error by itself.
        agree.widget.attrs.pop("aria-describedby", None)
