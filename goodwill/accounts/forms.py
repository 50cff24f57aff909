from django import forms

from goodwill.core.forms import Form


class CodeForm(Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "autocapitalize": "none",
                "autofocus": True,
            }
        ),
        help_text="The 6 digits your authenticator app shows, or one of your recovery codes.",
    )

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split()).lower()


class TokenForm(Form):
    EXPIRY = [("30", "30 days"), ("90", "90 days"), ("365", "1 year"), ("", "Never")]
    name = forms.CharField(
        max_length=80, help_text="What it is for, e.g. “DMS sync” or “website lead form”."
    )
    expires_in_days = forms.ChoiceField(choices=EXPIRY, required=False, initial="90")
