"""Forms validate every command's input, for HTML forms and htmx alike."""

from django import forms

from sessions.models import NAME_MAX, TEXT_MAX, TITLE_MAX, Event, Step, Workshop
from sessions.tokens import JOIN_CODE_LENGTH, normalise_join_code


class CommandForm(forms.Form):
    """Carries the client-generated key that makes a command safe to retry."""

    key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def command_key(self) -> str | None:
        key = self.cleaned_data.get("key")
        return str(key) if key else None


class EventForm(forms.ModelForm):
    class Meta:
        model = Event
        fields = ["name", "date", "venue"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}


class WorkshopForm(forms.ModelForm):
    class Meta:
        model = Workshop
        fields = ["title", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3, "maxlength": TEXT_MAX})}


class StepForm(CommandForm):
    kind = forms.ChoiceField(choices=Step.Kind.choices, initial=Step.Kind.MESSAGE)
    title = forms.CharField(max_length=TITLE_MAX)
    body = forms.CharField(
        max_length=TEXT_MAX,
        required=False,
        label="Text",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class StepEditForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX)
    body = forms.CharField(
        max_length=TEXT_MAX, required=False, label="Text", widget=forms.Textarea(attrs={"rows": 3})
    )


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
