from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Case, Q, When

from goodwill.core.forms import Form, ModelForm, MoneyField, use_input
from goodwill.customers.forms import customer_menu
from goodwill.customers.models import Consent, Customer
from goodwill.dealerships.models import Dealership, User
from goodwill.network.models import Pro
from goodwill.referrals.models import Referral, ReferralPolicy, ThankYou


class SendReferralForm(Form):
    """Pick (or create) the customer, the pro or a department/person of our store, the
    interest, and record the customer's direction to share."""

    customer = forms.ModelChoiceField(
        queryset=Customer.objects.none(), required=False, to_field_name="public_id"
    )
    new_first_name = forms.CharField(label="First name", max_length=80, required=False)
    new_last_name = forms.CharField(label="Last name", max_length=80, required=False)
    new_phone = forms.CharField(label="Mobile phone", max_length=40, required=False)
    new_email = forms.CharField(label="Email", max_length=254, required=False)
    pro = forms.ModelChoiceField(
        queryset=Pro.objects.none(),
        required=False,
        to_field_name="public_id",
        label="Pro at another store",
    )
    to_user = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        to_field_name="public_id",
        label="Or a person of our store",
    )
    to_department = forms.ChoiceField(
        choices=[("", "—")] + list(Dealership.Department.choices),
        required=False,
        label="Or a department of our store",
    )
    interest = forms.CharField(max_length=300, help_text="What the customer wants")
    make = forms.CharField(max_length=40, required=False)
    source = forms.ChoiceField(
        choices=Referral.Source.choices, label="How it came", initial=Referral.Source.UNPROMPTED
    )
    referrer_kind = forms.ChoiceField(
        choices=Referral.Referrer.choices, label="Who brought it", initial="staff"
    )
    referrer_customer = forms.ModelChoiceField(
        queryset=Customer.objects.none(),
        required=False,
        to_field_name="public_id",
        label="Referred by (customer, friend or partner)",
    )
    note = forms.CharField(
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Shared with the pro only if the customer directs it",
    )
    share_directed = forms.BooleanField(
        required=False,
        label="The customer asked me to pass their contact details to this pro",
    )
    direction_method = forms.ChoiceField(
        choices=Consent.Method.choices, initial=Consent.Method.IN_PERSON, label="How they said so"
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        visible = Customer.objects.visible_to(user).only(
            "public_id", "first_name", "last_name", "company_name", "kind"
        )
        self.fields["customer"].queryset = visible
        self.fields["referrer_customer"].queryset = visible
        self.fields["pro"].queryset = Pro.objects.visible_to(user).filter(
            is_active=True, listed=False
        )
        self.fields["to_user"].queryset = (
            User.objects.filter(dealership_id=user.dealership_id, is_active=True)
            .exclude(pk=user.pk)
            .order_by("first_name", "last_name", "id")
        )
        for name in ("customer", "referrer_customer"):
            self._shortlist(name, visible, user)
        self.fields["pro"].label_from_instance = lambda p: (
            f"{p.name} · {p.store_name} ({p.makes_display})"
        )
        self.fields["to_user"].label_from_instance = lambda u: (
            f"{u.display_name} · {u.get_role_display()}"
        )
        use_input(self.fields["new_phone"], "tel", inputmode="tel")
        use_input(self.fields["new_email"], "email", inputmode="email")

    def _shortlist(self, name, visible, user):
        """The menu offers the user's own customers, then the most recently touched."""
        mine = Q(salesperson=user) | Q(service_advisor=user)
        rows = visible.annotate(mine=Case(When(mine, then=0), default=1)).order_by(
            "mine", "-updated_at", "-id"
        )
        self.fields[name].help_text = (
            "Your customers first, then the most recent. Anyone else: use “Refer” on their page."
            if customer_menu(self, name, rows, visible)
            else ""
        )

    def clean(self):
        data = super().clean()
        if not data.get("customer") and not (
            data.get("new_first_name") or data.get("new_last_name")
        ):
            self.add_error("customer", "Pick a customer or type a new customer's name.")
        targets = [n for n in ("pro", "to_user", "to_department") if data.get(n)]
        if len(targets) != 1:
            raise ValidationError("Pick one pro, or one person or department of our store.")
        return data


class TransitionForm(Form):
    note = forms.CharField(max_length=500, required=False)
    value = MoneyField(
        max_digits=10, decimal_places=2, required=False, min_value=0, label="Sale value ($)"
    )
    reason = forms.CharField(max_length=300, required=False)
    reward_amount = MoneyField(
        max_digits=8,
        decimal_places=2,
        required=False,
        min_value=Decimal("0.01"),
        label="Reward for the referrer ($, optional)",
    )


class RewardDecisionForm(Form):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("reject", "Reject"), ("paid", "Paid")]
    )
    note = forms.CharField(max_length=300, required=False)


class ThankYouForm(Form):
    """The note as the writer edited it, and how it goes (see `referrals.thanks`)."""

    message = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    method = forms.ChoiceField(choices=ThankYou.Method.choices)


class PolicyForm(ModelForm):
    """A manager's referral settings: the acknowledgement time limit, the store's business
    hours it is counted in, and the default reward."""

    open_days = forms.TypedMultipleChoiceField(
        label="Open on",
        choices=ReferralPolicy.WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Pick at least one day the store is open."},
    )

    class Meta:
        model = ReferralPolicy
        fields = ["ack_business_hours", "opens_at", "closes_at", "open_days", "default_reward"]
        widgets = {
            "opens_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "closes_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        help_texts = {
            "ack_business_hours": "A received referral nobody acknowledged by then reminds the "
            "pro and the managers.",
            "default_reward": "Proposed for approval when a referral is won and no amount "
            "was typed (0: none).",
        }
