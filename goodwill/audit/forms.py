from django import forms

from goodwill.audit.models import AuditEntry
from goodwill.core.forms import Form


class AuditFilterForm(Form):
    """The log page's filters: who, what, when (both days included), which customer."""

    user = forms.ModelChoiceField(
        queryset=None, required=False, to_field_name="public_id", empty_label="Everyone"
    )
    verb = forms.ChoiceField(
        choices=[("", "Every act"), *AuditEntry.Verb.choices], required=False, label="What"
    )
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    customer = forms.UUIDField(required=False, label="Customer id")

    def __init__(self, data, *, dealership):
        super().__init__(data)
        self.fields["user"].queryset = dealership.staff.order_by(
            "first_name", "last_name", "username", "id"
        )

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "The end of the range comes before its start.")
        return data

    def filters(self) -> dict:
        """What `AuditEntry.objects.matching` takes; a filter that is not valid is left out
        (and the form shows why)."""
        self.is_valid()
        data = self.cleaned_data
        who = data.get("user")
        return {
            "user": who.public_id if who else None,
            "verb": data.get("verb", ""),
            "since": data.get("since"),
            "until": data.get("until"),
            "customer": data.get("customer"),
        }
