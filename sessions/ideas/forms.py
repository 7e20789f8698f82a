"""An ideas step's settings, a delegate's idea, the facilitator's board buttons and the
delegates' cluster suggestions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sessions.commands import CommandForm, parse_int
from sessions.models import (
    PROMPT_MAX,
)


class IdeasFieldsMixin(forms.Form):
    """An ideas step's prompt and settings (in the add-step form)."""

    prompt = forms.CharField(
        max_length=PROMPT_MAX, required=False, label=_("Prompt, e.g. “How might we …?”")
    )
    staged = forms.BooleanField(required=False, label=_("Run 1-2-4-All stages with countdowns"))
    show_names = forms.BooleanField(required=False, label=_("Show names with ideas"))
    needs_approval = forms.BooleanField(
        required=False, label=_("Approve ideas before they reach the projector")
    )
    delegates_suggest = forms.BooleanField(
        required=False,
        label=_("Delegates may suggest clusters"),
        help_text=_("While ideas are open, phones offer the clusters for each idea not in one."),
    )


class BoardEditForm(IdeasFieldsMixin):
    """An ideas step's prompt and settings on the step's edit page."""

    def clean_prompt(self) -> str:
        prompt = (self.cleaned_data.get("prompt") or "").strip()
        if not prompt:
            raise forms.ValidationError(_("An ideas step needs a prompt."))
        return prompt


# Far above an idea's limit: the service measures the text and says by how much it is over.
IDEA_INPUT_MAX = 5_000


class IdeaForm(CommandForm):
    """A delegate's idea (the service checks its length and says so)."""

    board = forms.IntegerField(min_value=1)
    text = forms.CharField(max_length=IDEA_INPUT_MAX, required=False, strip=False)


class _AnyIdsField(forms.TypedMultipleChoiceField):
    """Any ids: the service checks they are this board's."""

    def valid_value(self, value: Any) -> bool:
        return parse_int(value) is not None


class BoardCommandForm(forms.Form):
    """One button of the facilitator's ideas board: `do` is "verb" or "verb:target id"."""

    VERBS = (
        "open", "close", "stage", "stop", "names", "approval", "approve", "hide", "restore",
        "edit", "merge", "unmerge", "create", "rename", "delete", "assign", "undo", "accept",
        "discard", "durations", "plusones",
    )  # fmt: skip

    do = forms.RegexField(regex=r"^[a-z]+(:[a-z0-9]+)?$", max_length=40)
    ideas = _AnyIdsField(coerce=int, required=False)
    cluster = forms.CharField(required=False, max_length=20)
    name = forms.CharField(required=False, max_length=200)
    # The +1 budget box, read only by "plusones" (the service says when it is out of range).
    budget = forms.CharField(required=False, max_length=20)

    def __init__(self, data: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(data, *args, **kwargs)

    def clean_do(self) -> tuple[str, str]:
        verb, _colon, target = self.cleaned_data["do"].partition(":")
        if verb not in self.VERBS:
            raise forms.ValidationError(_("Unknown action."))
        return verb, target

    def clean_cluster(self) -> int | None:
        value = self.cleaned_data["cluster"]
        if not value:
            return None
        cluster_id = parse_int(value)
        if cluster_id is None:
            raise forms.ValidationError(_("Unknown cluster."))
        return cluster_id


class ClusterSuggestionForm(CommandForm):
    """A delegate's suggested cluster for an idea: one of the clusters, or a new theme (the
    service says which is missing or too long)."""

    idea = forms.IntegerField(min_value=1)
    cluster = forms.IntegerField(min_value=1, required=False)
    name = forms.CharField(max_length=IDEA_INPUT_MAX, required=False, strip=False)


class SuggestionDecisionForm(CommandForm):
    """The facilitator takes one suggestion (`take` is its id) or dismisses an idea's."""

    idea = forms.IntegerField(min_value=1)
    take = forms.RegexField(regex=r"^(dismiss|[0-9]{1,18})$")


class PlusOneForm(CommandForm):
    """A delegate's tap on an idea's +1: give it one, or take it back."""

    idea = forms.IntegerField(min_value=1)
    do = forms.ChoiceField(choices=[("give", "give"), ("take", "take")])
