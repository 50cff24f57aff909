from django import forms

from goodwill.core.forms import Form, ModelForm
from goodwill.outreach.models import Ask, AskHold, OutreachSettings


class SettingsForm(ModelForm):
    """A manager's ask policy: the weekly cap, the referral-invitation gap, the quiet hours."""

    class Meta:
        model = OutreachSettings
        fields = ["asks_per_week", "referral_invite_days", "quiet_from", "quiet_until"]
        widgets = {
            "quiet_from": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_until": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }


class HoldForm(Form):
    reason = forms.ChoiceField(
        choices=[
            (AskHold.Reason.REQUESTED, AskHold.Reason.REQUESTED.label),
            (AskHold.Reason.OTHER, "Other reason"),
        ],
        initial=AskHold.Reason.REQUESTED,
    )
    note = forms.CharField(max_length=300, required=False, label="Note")


class EndHoldForm(Form):
    note = forms.CharField(max_length=300, required=False, label="Why asks may resume")


class CheckForm(Form):
    """The "may I ask?" check on the customer page: what and how."""

    kind = forms.ChoiceField(choices=Ask.Kind.choices, initial=Ask.Kind.MESSAGE)
    channel = forms.ChoiceField(choices=Ask.Channel.choices, initial=Ask.Channel.TEXT)
