"""Forms validate every command's input, for HTML forms and htmx alike."""

import uuid
import zoneinfo

from django import forms

from sessions.models import (
    DEFAULT_RETENTION_DAYS,
    NAME_MAX,
    PROMPT_MAX,
    TEXT_MAX,
    TITLE_MAX,
    Event,
    Poll,
    Step,
    Workshop,
    default_time_zone,
)
from sessions.services.voting import ACTIONS, MAX_OPTIONS, PollSettings
from sessions.tokens import JOIN_CODE_LENGTH, normalise_join_code

# The most digits a whole number from a request may have: any id fits a bigint column.
INT_MAX_DIGITS = 18


def parse_int(value: object, *, max_digits: int = INT_MAX_DIGITS) -> int | None:
    """`value` as a whole number if it is 1 to `max_digits` ASCII digits, else None.

    The one parser for numbers a page sends outside a form field: `str.isdigit()` also takes
    "²" (which int() refuses) and int() takes "٣" and thousands of digits, so neither is used.
    """
    text = str(value)
    if 0 < len(text) <= max_digits and text.isascii() and text.isdigit():
        return int(text)
    return None


class CommandForm(forms.Form):
    """Carries the client-generated key that makes a command safe to retry."""

    key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def command_key(self) -> str | None:
        key = self.cleaned_data.get("key")
        return str(key) if key else None

    def key_to_send(self) -> str:
        """The key a re-shown form carries: a fresh one in place of a malformed one."""
        if self.is_bound and "key" in self.errors:
            return str(uuid.uuid4())
        value = self["key"].value()
        return str(value) if value else str(uuid.uuid4())


class EventForm(forms.ModelForm):
    class Meta:
        model = Event
        fields = ["name", "date", "venue", "time_zone", "retention_days"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        labels = {"retention_days": "Keep personal data for (days after the event)"}
        help_texts = {
            "time_zone": "Commitment dates and the hour follow-up messages go out follow it, "
            "e.g. Europe/London.",
            "retention_days": "After this, contact details and the links between delegates "
            "and their words are removed; totals stay.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Left empty: the server's zone and the default retention.
        self.fields["time_zone"].required = False
        self.fields["retention_days"].required = False
        self.fields["retention_days"].max_value = 3650

    def clean_time_zone(self) -> str:
        zone = (self.cleaned_data["time_zone"] or "").strip() or default_time_zone()
        if zone not in zoneinfo.available_timezones():
            raise forms.ValidationError("Give a time zone such as Europe/London.")
        return zone

    def clean_retention_days(self) -> int:
        days = self.cleaned_data["retention_days"]
        return DEFAULT_RETENTION_DAYS if days is None else days


class WorkshopForm(forms.ModelForm):
    class Meta:
        model = Workshop
        fields = ["title", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3, "maxlength": TEXT_MAX})}


NO_IDEAS_STEP = "None: use the options typed above"


class PollFieldsMixin(forms.Form):
    """A vote's settings; the options are typed or pasted one per line, or (on a form the
    view has offered ideas steps with `offer_ideas_steps`) taken from an ideas step's
    clusters."""

    poll_kind = forms.ChoiceField(
        choices=Poll.Kind.choices, initial=Poll.Kind.DOTS, label="Kind of vote", required=False
    )
    options = forms.CharField(
        required=False,
        label="Options, one per line",
        max_length=MAX_OPTIONS * (TITLE_MAX + 2),
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    options_from = forms.TypedChoiceField(
        coerce=int, empty_value=None, required=False, choices=[("", NO_IDEAS_STEP)],
        label="Options from the clusters of",
        help_text="The options are the clusters' names as they are when the vote opens (the "
        "ideas step may have none yet); the typed options are ignored.",
        error_messages={"invalid_choice": "That ideas step is not part of this workshop."},
    )  # fmt: skip
    budget = forms.IntegerField(
        required=False, min_value=1, max_value=20, label="Dots per delegate",
        help_text="Empty: one dot for every three options, between 3 and 5.",
    )  # fmt: skip
    per_option_max = forms.IntegerField(
        initial=2, min_value=1, max_value=20, label="Most dots on one option", required=False
    )
    max_picks = forms.IntegerField(
        initial=3, min_value=1, max_value=MAX_OPTIONS, required=False,
        label="Most picks (multiple choice) or places to rank (ranking)",
    )  # fmt: skip
    show_live = forms.BooleanField(required=False, label="Show results live while voting")
    options_from_snapshot = forms.BooleanField(
        required=False,
        label="Options: the challenges delegates picked in the Productivity Snapshot",
    )
    scale_low_label = forms.CharField(initial="Not at all", max_length=40, required=False)
    scale_high_label = forms.CharField(initial="Very much", max_length=40, required=False)

    POLL_FIELDS = (
        "poll_kind", "options", "options_from", "options_from_snapshot", "budget",
        "per_option_max", "max_picks", "show_live", "scale_low_label", "scale_high_label",
    )  # fmt: skip

    def poll_fields(self):
        fields = [self[name] for name in self.POLL_FIELDS]
        if len(self.fields["options_from"].choices) < 2:  # no ideas step to take them from
            fields = [field for field in fields if field.name != "options_from"]
        return fields

    def offer_ideas_steps(self, steps) -> None:
        """Let the vote take its options from the clusters of one of these ideas steps."""
        self.fields["options_from"].choices = [("", NO_IDEAS_STEP)] + [
            (step.pk, step.title) for step in steps
        ]

    def clean_options(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["options"].splitlines()]
        labels = [line for line in lines if line]
        too_long = [label for label in labels if len(label) > TITLE_MAX]
        if too_long:
            raise forms.ValidationError(f"Each option can be at most {TITLE_MAX} characters.")
        return labels

    def poll_settings(self) -> PollSettings:
        data = self.cleaned_data
        return PollSettings(
            kind=data.get("poll_kind") or Poll.Kind.DOTS,
            options=data["options"],
            budget=data.get("budget"),
            per_option_max=data.get("per_option_max") or 2,
            max_picks=data.get("max_picks") or 3,
            show_live=data.get("show_live", False),
            scale_low_label=data.get("scale_low_label") or "Not at all",
            scale_high_label=data.get("scale_high_label") or "Very much",
            options_from=data.get("options_from"),
            options_from_snapshot=data.get("options_from_snapshot", False),
        )


class IdeasFieldsMixin(forms.Form):
    """An ideas step's prompt and settings (in the add-step form)."""

    prompt = forms.CharField(
        max_length=PROMPT_MAX, required=False, label="Prompt, e.g. “How might we …?”"
    )
    staged = forms.BooleanField(required=False, label="Run 1-2-4-All stages with countdowns")
    show_names = forms.BooleanField(required=False, label="Show names with ideas")
    needs_approval = forms.BooleanField(
        required=False, label="Approve ideas before they reach the projector"
    )
    delegates_suggest = forms.BooleanField(
        required=False,
        label="Delegates may suggest clusters",
        help_text="While ideas are open, phones offer the clusters for each idea not in one.",
    )


class StepForm(CommandForm, PollFieldsMixin, IdeasFieldsMixin):
    kind = forms.ChoiceField(choices=Step.Kind.choices, initial=Step.Kind.MESSAGE)
    title = forms.CharField(max_length=TITLE_MAX)
    body = forms.CharField(
        max_length=TEXT_MAX,
        required=False,
        label="Text",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    field_order = ["key", "kind", "title", "body"]

    def clean(self):
        data = super().clean()
        typed = len(data.get("options") or [])
        seeded = data.get("options_from") or data.get("options_from_snapshot")
        if data.get("kind") == Step.Kind.VOTE and not seeded and typed < 2:
            self.add_error("options", "A vote needs at least 2 options, one per line.")
        if data.get("kind") == Step.Kind.IDEAS and not (data.get("prompt") or "").strip():
            self.add_error("prompt", "An ideas step needs a prompt.")
        return data


class PollForm(PollFieldsMixin):
    pass


class PollControlForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            ("open", "Open"),
            ("close", "Close"),
            ("reveal", "Reveal results"),
            ("hide", "Hide results"),
            ("focus", "Make the top options the focus"),
        ]
    )
    seconds = forms.IntegerField(required=False, min_value=5, max_value=3600)
    top = forms.IntegerField(required=False, min_value=1, max_value=MAX_OPTIONS, initial=2)


class VoteForm(CommandForm):
    """One tap on a ballot: what the phone page and the socket both send."""

    poll = forms.IntegerField(min_value=1)
    option = forms.IntegerField(min_value=1, required=False)
    action = forms.ChoiceField(choices=[(a, a) for a in sorted(ACTIONS)])
    # A rating 1-5: scale `rate`, 2x2 `impact` and `effort`.
    value = forms.IntegerField(required=False, min_value=1, max_value=5)

    def command(self) -> dict:
        """The validated tap as `voting.cast` takes it."""
        data = self.cleaned_data
        return {
            "poll_id": data["poll"],
            "option_id": data["option"],
            "action": data["action"],
            "value": data["value"],
            "key": self.command_key(),
        }


class StepEditForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX)
    body = forms.CharField(
        max_length=TEXT_MAX, required=False, label="Text", widget=forms.Textarea(attrs={"rows": 3})
    )


class BoardEditForm(IdeasFieldsMixin):
    """An ideas step's prompt and settings on the step's edit page."""

    def clean_prompt(self) -> str:
        prompt = (self.cleaned_data.get("prompt") or "").strip()
        if not prompt:
            raise forms.ValidationError("An ideas step needs a prompt.")
        return prompt


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])

    def offset(self) -> int:
        return -1 if self.cleaned_data["direction"] == "up" else 1


class ShowStepForm(forms.Form):
    """Move the room. `current` is the step the console showed, so repeats change nothing."""

    step = forms.IntegerField(required=False, min_value=1)
    current = forms.IntegerField(required=False, min_value=1)
    go = forms.ChoiceField(
        choices=[
            ("step", "Show step"),
            ("next", "Next"),
            ("previous", "Previous"),
            ("none", "Clear"),
        ],
        initial="step",
    )


class JoinCodeForm(forms.Form):
    code = forms.CharField(
        max_length=20,
        label="Workshop code",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "inputmode": "text",
            }
        ),
    )

    def clean_code(self) -> str:
        code = normalise_join_code(self.cleaned_data["code"])
        if len(code) != JOIN_CODE_LENGTH:
            raise forms.ValidationError(
                f"A workshop code has {JOIN_CODE_LENGTH} letters and numbers."
            )
        return code


class JoinForm(forms.Form):
    display_name = forms.CharField(
        max_length=NAME_MAX,
        required=False,
        label="Your name (optional)",
        help_text="Shown only where the facilitator chooses to show names.",
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )

    def clean_display_name(self) -> str:
        return " ".join(self.cleaned_data["display_name"].split())


# --- ideas ---------------------------------------------------------------------------------

# Far above an idea's limit: the service measures the text and says by how much it is over.
IDEA_INPUT_MAX = 5_000


class IdeaForm(CommandForm):
    """A delegate's idea (the service checks its length and says so)."""

    board = forms.IntegerField(min_value=1)
    text = forms.CharField(max_length=IDEA_INPUT_MAX, required=False, strip=False)


class BoardCommandForm(forms.Form):
    """One button of the facilitator's ideas board: `do` is "verb" or "verb:target id"."""

    VERBS = (
        "open", "close", "stage", "stop", "names", "approval", "approve", "hide", "restore",
        "edit", "merge", "unmerge", "create", "rename", "delete", "assign", "undo", "accept",
        "discard", "durations",
    )  # fmt: skip

    do = forms.RegexField(regex=r"^[a-z]+(:[a-z0-9]+)?$", max_length=40)
    ideas = forms.TypedMultipleChoiceField(coerce=int, required=False)
    cluster = forms.CharField(required=False, max_length=20)
    name = forms.CharField(required=False, max_length=200)

    def __init__(self, data, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        # Any ids: the service checks they are this board's.
        self.fields["ideas"].valid_value = lambda value: parse_int(value) is not None

    def clean_do(self) -> tuple[str, str]:
        verb, _, target = self.cleaned_data["do"].partition(":")
        if verb not in self.VERBS:
            raise forms.ValidationError("Unknown action.")
        return verb, target

    def clean_cluster(self) -> int | None:
        value = self.cleaned_data["cluster"]
        if not value:
            return None
        cluster_id = parse_int(value)
        if cluster_id is None:
            raise forms.ValidationError("Unknown cluster.")
        return cluster_id


# --- delegates' cluster suggestions --------------------------------------------------------


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
