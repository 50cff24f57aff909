"""Floor forms validate input; the actions change data."""

from django import forms

from goodwill.core.forms import Form, ModelForm, MoneyField, use_input
from goodwill.customers.models import Consent, Customer
from goodwill.dealerships.models import User
from goodwill.floor.models import CreditPolicy, FloorSettings, TurnOver, Up
from goodwill.floor.referral_links import received


def _staff_choices(dealership, roles=None):
    qs = User.objects.filter(dealership=dealership, is_active=True, deactivated_at__isnull=True)
    if roles:
        qs = qs.filter(role__in=roles)
    return qs.order_by("first_name", "last_name", "id")


class UpForm(Form):
    """Log an up in a few taps: the source, a name, maybe a phone. An existing customer
    (found by the search box) is passed as `customer`."""

    source = forms.ChoiceField(
        choices=Up.Source.choices, widget=forms.RadioSelect, initial=Up.Source.WALK_IN
    )
    customer = forms.UUIDField(required=False, widget=forms.HiddenInput)
    referral = forms.ModelChoiceField(
        queryset=None,
        required=False,
        to_field_name="public_id",
        label="Which referral",
        empty_label="Pick the referral (received, not logged yet)",
    )
    first_name = forms.CharField(max_length=80, required=False)
    last_name = forms.CharField(max_length=80, required=False)
    phone = forms.CharField(max_length=40, required=False)
    email = forms.CharField(max_length=254, required=False)
    interest = forms.CharField(label="Looking for", max_length=200, required=False)
    ok_to_call = forms.BooleanField(label="OK to call", required=False)
    ok_to_text = forms.BooleanField(label="OK to text", required=False)
    ok_to_email = forms.BooleanField(label="OK to email", required=False)

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["referral"].queryset = received(user.dealership_id)
        use_input(self.fields["phone"], "tel", inputmode="tel", autocomplete="off")
        use_input(self.fields["email"], "email", autocomplete="off")
        self.fields["first_name"].widget.attrs.update(autocomplete="off")
        self.fields["last_name"].widget.attrs.update(autocomplete="off")

    def clean_customer(self):
        public_id = self.cleaned_data.get("customer")
        if not public_id:
            return None
        customer = Customer.objects.visible_to(self.user).filter(public_id=public_id).first()
        if customer is None:
            raise forms.ValidationError("That customer is not in your store.")
        return customer

    def clean(self):
        data = super().clean()
        if data.get("source") == Up.Source.REFERRAL and data.get("referral"):
            return data
        if not data.get("customer") and not (data.get("first_name") or data.get("last_name")):
            self.add_error("first_name", "Give the customer's name (first is enough).")
        return data

    @property
    def consents(self) -> list[str]:
        return [
            channel
            for channel, field in (
                (Consent.Channel.PHONE, "ok_to_call"),
                (Consent.Channel.TEXT, "ok_to_text"),
                (Consent.Channel.EMAIL, "ok_to_email"),
            )
            if self.cleaned_data.get(field)
        ]


class AssignUpForm(Form):
    to_user = forms.ModelChoiceField(queryset=User.objects.none(), label="Give to")
    reason = forms.CharField(max_length=300, label="Why out of turn")

    def __init__(self, *args, dealership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_user"].queryset = _staff_choices(dealership, User.SALES_ROLES)


class TurnOverForm(Form):
    to_user = forms.ModelChoiceField(queryset=User.objects.none(), label="T.O. to")
    to_role = forms.ChoiceField(
        choices=TurnOver.ToRole.choices, initial=TurnOver.ToRole.MANAGER, label="As"
    )
    reason = forms.CharField(max_length=300, required=False, label="Why")

    def __init__(self, *args, dealership, exclude=None, **kwargs):
        super().__init__(*args, **kwargs)
        qs = _staff_choices(dealership, {*User.SALES_ROLES, *User.MANAGER_ROLES})
        if exclude is not None:
            qs = qs.exclude(pk=exclude.pk)
        self.fields["to_user"].queryset = qs


class SoldForm(Form):
    vehicle = forms.CharField(max_length=200, label="Vehicle sold")
    vin = forms.CharField(max_length=17, required=False, label="VIN")
    gross = MoneyField(max_digits=10, decimal_places=2, required=False, label="Gross ($)")

    def __init__(self, *args, tracks_gross=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not tracks_gross:
            del self.fields["gross"]
        self.fields["vehicle"].widget.attrs["placeholder"] = "2026 Ford Escape ST-Line"


class NotSoldForm(Form):
    reason = forms.ChoiceField(choices=[], label="Why not")
    notes = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, reasons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [("", "Pick a reason")] + [(r, r) for r in reasons]


class AppointmentForm(Form):
    starts_at = forms.DateTimeField(
        label="When", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    minutes = forms.IntegerField(min_value=15, max_value=480, initial=60, label="Minutes")
    purpose = forms.CharField(max_length=200, required=False, label="For")
    salesperson = forms.ModelChoiceField(queryset=User.objects.none(), label="With")

    def __init__(self, *args, dealership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["salesperson"].queryset = _staff_choices(dealership, User.SALES_ROLES)


class CreditPolicyForm(ModelForm):
    class Meta:
        model = CreditPolicy
        fields = [
            "upper_share",
            "closer_share",
            "referrer_share",
            "appointment_setter_share",
            "fails_share",
        ]


class FloorSettingsForm(ModelForm):
    reasons_text = forms.CharField(
        label="Not-sold reasons (one a line)",
        widget=forms.Textarea(attrs={"rows": 7}),
        required=False,
    )

    class Meta:
        model = FloorSettings
        fields = [
            "skip_with_customer",
            "skip_overdue_follow_ups",
            "tracks_gross",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reasons_text"].initial = "\n".join(self.instance.reasons())

    def clean_reasons_text(self):
        reasons = [r.strip()[:100] for r in self.cleaned_data["reasons_text"].splitlines()]
        return list(dict.fromkeys(r for r in reasons if r))


class LeadUploadForm(Form):
    file = forms.FileField(label="ADF/XML lead file")
