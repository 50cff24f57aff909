from django import forms

from goodwill.feedback.models import FeedbackSettings

SCORES = [(n, str(n)) for n in range(11)]


class AnswerForm(forms.Form):
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


class SettingsForm(forms.ModelForm):
    class Meta:
        model = FeedbackSettings
        fields = ["survey_delay_hours", "survey_valid_days"]
