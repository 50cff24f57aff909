from django import forms
from django.contrib.auth.password_validation import validate_password

from goodwill.core.forms import Form
from goodwill.dealerships.models import Dealership, User
from goodwill.dealerships.places import SPECIALTIES, time_zone_choices


class StaffForm(Form):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    username = forms.CharField(max_length=150, help_text="What they type to sign in.")
    role = forms.ChoiceField(choices=User.Role.choices)
    email = forms.EmailField(required=False)
    phone = forms.CharField(max_length=20, required=False)
    password = forms.CharField(widget=forms.PasswordInput, help_text="At least 8 characters.")

    def clean_password(self):
        password = self.cleaned_data["password"]
        validate_password(password)
        return password


class RoleForm(Form):
    role = forms.ChoiceField(choices=User.Role.choices)
    reason = forms.CharField(max_length=300, required=False)


class DeactivateForm(Form):
    reassign_to = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="— leave their customers unassigned (visible to the whole store) —",
        label="Hand their customers to",
    )
    reason = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reassign_to"].queryset = (
            User.objects.filter(dealership_id=user.dealership_id, is_active=True)
            .exclude(pk=user.pk)
            .order_by("first_name", "id")
        )


class StoreSettingsForm(Form):
    salespeople_see_all = forms.BooleanField(
        required=False, label="Salespeople see every customer of the store"
    )


# --------------------------------------------------------------------------- issue 12
# Makes and ZIP code are checked by the actions (one message per field, the same wording
# from the page, the CLI and the API), so the forms let them through as typed.
def _makes_field(**extra):
    return forms.CharField(
        label="Makes sold",
        max_length=400,
        required=False,
        help_text="Comma-separated, e.g. Ford, Lincoln.",
        widget=forms.TextInput(attrs={"list": "makes-list", "autocomplete": "off"}),
        **extra,
    )


def _zip_field():
    return forms.CharField(
        label="ZIP code",
        max_length=10,
        required=False,
        help_text="City, state, map position and time zone come from it.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )


class SetupForm(Form):
    """The first-run page: the store and its first dealer admin (validated by the action)."""

    name = forms.CharField(label="Store name", max_length=120)
    makes = _makes_field()
    street = forms.CharField(max_length=200, required=False)
    postal_code = _zip_field()
    time_zone = forms.ChoiceField(
        choices=[("", "— from the ZIP code —"), *time_zone_choices()], required=False
    )
    admin_first_name = forms.CharField(label="Your first name", max_length=150, required=False)
    admin_last_name = forms.CharField(label="Your last name", max_length=150, required=False)
    admin_username = forms.CharField(label="Your username", max_length=150)
    admin_email = forms.EmailField(label="Your email", help_text="For password resets.")
    admin_password = forms.CharField(
        label="Your password",
        widget=forms.PasswordInput(render_value=True, attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters, not a common one.",
    )


class StoreProfileForm(Form):
    name = forms.CharField(label="Store name", max_length=120)
    makes = _makes_field()
    specialties = forms.MultipleChoiceField(
        choices=[(s, s) for s in SPECIALTIES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="What the pro network finds you for.",
    )
    departments = forms.MultipleChoiceField(
        choices=Dealership.Department.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    street = forms.CharField(max_length=200, required=False)
    postal_code = _zip_field()
    phone = forms.CharField(max_length=20, required=False)
    website = forms.URLField(required=False, assume_scheme="https")
    hours = forms.CharField(
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="As customers should read them, e.g. “Sales Mon–Sat 9–8, Service Mon–Fri 7–6”.",
    )
    time_zone = forms.ChoiceField(
        choices=time_zone_choices(), help_text="Every time in Goodwill is shown in this zone."
    )

    @classmethod
    def initial_for(cls, store) -> dict:
        return {
            "name": store.name,
            "makes": ", ".join(store.makes),
            "specialties": [s for s in store.specialties if s in SPECIALTIES],
            "departments": store.departments,
            "street": store.street,
            "postal_code": store.postal_code,
            "phone": store.phone,
            "website": store.website,
            "hours": store.hours,
            "time_zone": store.time_zone,
        }


class SignInRulesForm(Form):
    mfa_required_roles = forms.MultipleChoiceField(
        label="Roles that must use a second factor (authenticator app)",
        choices=User.Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Anyone who reaches customer information in a store that arranges financing "
        "should (FTC Safeguards Rule).",
    )
    session_idle_minutes = forms.IntegerField(
        label="Sign out after this many idle minutes", min_value=5, max_value=1440
    )
    session_max_hours = forms.IntegerField(
        label="Sign out this many hours after signing in", min_value=1, max_value=720
    )


class InviteForm(Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=User.Role.choices, initial=User.Role.SALESPERSON)
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)


class AcceptInvitationForm(Form):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    username = forms.CharField(
        max_length=150,
        help_text="What you type to sign in.",
        widget=forms.TextInput(attrs={"autocapitalize": "none", "autocomplete": "username"}),
    )
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters, not a common one.",
    )
