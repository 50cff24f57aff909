from django import forms

from goodwill.core.forms import Form, ModelForm
from goodwill.feedback.models import FeedbackSettings

SCORES = [(n, str(n)) for n in range(11)]


class AnswerForm(Form):
    """The survey: 0–10 and one open question."""

    score = forms.TypedChoiceField(
        label="How likely are you to recommend us to a friend or colleague?",
        choices=SCORES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Pick a number from 0 to 10."},
    )
    comment = forms.CharField(
        label="What is the one thing we should keep doing, or change?",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class SettingsForm(ModelForm):
    class Meta:
        model = FeedbackSettings
        fields = ["survey_delay_hours", "survey_valid_days"]


class FriendForm(Form):
    """A friend's details: typed by the friend (through the referral link) or by the
    promoter (introduce a friend). The consent box's words are recorded with the consent."""

    first_name = forms.CharField(max_length=80)
    last_name = forms.CharField(max_length=80, required=False)
    phone = forms.CharField(max_length=30, required=False, widget=forms.TextInput({"type": "tel"}))
    email = forms.EmailField(required=False)
    interest = forms.CharField(
        label="Looking for", max_length=300, required=False, help_text="e.g. a family SUV"
    )
    consent = forms.BooleanField(required=True)

    def __init__(self, *args, consent_label: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consent"].label = consent_label
        self.fields["consent"].error_messages["required"] = (
            "We only contact people who agreed to it: tick the box."
        )


class CloseRecoveryForm(Form):
    action_taken = forms.CharField(
        label="What was done",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Who called, what was offered, what the customer said.",
    )
    won_back = forms.TypedChoiceField(
        label="Was the customer won back?",
        choices=[("yes", "Yes, won back"), ("no", "No")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
