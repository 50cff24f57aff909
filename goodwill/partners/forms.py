from django import forms

from goodwill.core.forms import Form
from goodwill.customers.forms import customer_menu
from goodwill.customers.models import Customer
from goodwill.network.models import Pro
from goodwill.partners.models import Partner


class AddPartnerForm(Form):
    """Make a customer of the store (a friend, a body shop, a fleet manager) or a pro of the
    network a referral partner."""

    customer = forms.ModelChoiceField(
        queryset=Customer.objects.none(),
        required=False,
        to_field_name="public_id",
        label="A customer, friend or business of the store",
    )
    pro = forms.ModelChoiceField(
        queryset=Pro.objects.none(),
        required=False,
        to_field_name="public_id",
        label="Or a pro of your network",
    )
    kind = forms.ChoiceField(choices=[("", "— from who they are —"), *Partner.Kind.choices])
    note = forms.CharField(max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].required = False
        visible = Customer.objects.visible_to(user)
        self.fields["customer"].queryset = visible
        # The most recently touched first.
        customer_menu(self, "customer", visible.order_by("-updated_at", "-id"), visible, empty="—")
        self.fields["pro"].queryset = Pro.objects.visible_to(user).filter(
            is_active=True, listed=False
        )
        self.fields["pro"].label_from_instance = lambda p: f"{p.name} · {p.store_name}"

    def clean(self):
        data = super().clean()
        if not data.get("customer") and not data.get("pro"):
            raise forms.ValidationError("Pick a customer or a pro.")
        return data


class EditPartnerForm(Form):
    kind = forms.ChoiceField(choices=Partner.Kind.choices)
    note = forms.CharField(max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    is_active = forms.BooleanField(required=False, label="Still a partner")
