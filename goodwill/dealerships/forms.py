from django import forms
from django.contrib.auth.password_validation import validate_password

from goodwill.dealerships.models import User


class StaffForm(forms.Form):
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


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=User.Role.choices)
    reason = forms.CharField(max_length=300, required=False)


class DeactivateForm(forms.Form):
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
            .order_by("first_name")
        )


class StoreSettingsForm(forms.Form):
    salespeople_see_all = forms.BooleanField(
        required=False, label="Salespeople see every customer of the store"
    )
