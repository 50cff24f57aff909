"""Forms validate input; the actions in `outside/actions.py` change data."""

from django import forms

from goodwill.core.forms import Form, MoneyField, use_input
from goodwill.customers.models import Customer
from goodwill.dealerships.models import Dealership, User
from goodwill.network.models import Pro
from goodwill.outside.actions import How
from goodwill.referrals.actions import PRO_LINK_ACTIONS, TRANSITIONS
from goodwill.referrals.models import Referral

SENDER_RELATIONSHIPS = [
    (Customer.Relationship.PARTNER, "A referral partner (body shop, fleet manager …)"),
    (Customer.Relationship.FRIEND, "A friend of the store"),
    (Customer.Relationship.CUSTOMER, "One of our customers"),
]


def outside_pros(dealership):
    """The store's active pros who are not on Goodwill: who may send us a customer from
    outside (a pro on Goodwill sends through their inbox)."""
    return Pro.objects.for_dealership(dealership).filter(
        is_active=True, user__isnull=True, listed=False
    )


class OutsideReferralForm(Form):
    """Who sent the customer (a pro of our network, or a person with how to reach them),
    the customer, and where the referral goes."""

    pro = forms.ModelChoiceField(
        queryset=None,
        required=False,
        to_field_name="public_id",
        label="A pro of our network",
        empty_label="— not a pro: someone else (below) —",
    )
    sender_first_name = forms.CharField(label="Their first name", max_length=80, required=False)
    sender_last_name = forms.CharField(label="Their last name", max_length=80, required=False)
    sender_company = forms.CharField(label="Business (optional)", max_length=150, required=False)
    sender_phone = forms.CharField(label="Their phone", max_length=40, required=False)
    sender_email = forms.CharField(label="Their email", max_length=254, required=False)
    sender_relationship = forms.ChoiceField(
        label="They are",
        choices=SENDER_RELATIONSHIPS,
        initial=Customer.Relationship.PARTNER,
        required=False,
    )
    sender_email_consent = forms.BooleanField(
        label="They agreed we may email them (a thank-you when it works out)", required=False
    )
    how = forms.ChoiceField(label="How they sent them", choices=How.CHOICES, initial="phone")
    first_name = forms.CharField(label="Customer's first name", max_length=80, required=False)
    last_name = forms.CharField(label="Customer's last name", max_length=80, required=False)
    phone = forms.CharField(label="Customer's phone", max_length=40, required=False)
    email = forms.CharField(label="Customer's email", max_length=254, required=False)
    interest = forms.CharField(label="Looking for", max_length=300)
    to_user = forms.ModelChoiceField(
        queryset=None,
        required=False,
        to_field_name="public_id",
        label="For",
        empty_label="The sales department (the next up)",
    )
    note = forms.CharField(label="Note", max_length=900, required=False, widget=forms.Textarea)
    arrived = forms.BooleanField(label="They are here now: log the up", required=False)
    confirm_new = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        store = user.dealership_id
        self.fields["pro"].queryset = outside_pros(store)
        self.fields["to_user"].queryset = User.objects.filter(
            dealership_id=store, is_active=True
        ).order_by("first_name", "last_name", "id")
        for name in ("sender_phone", "phone"):
            use_input(self.fields[name], "tel", inputmode="tel", autocomplete="off")
        for name in ("sender_email", "email"):
            use_input(self.fields[name], "email", autocomplete="off")
        self.fields["note"].widget.attrs.update(rows=2)

    def clean(self):
        data = super().clean()
        person = any(
            data.get(f"sender_{k}") for k in ("first_name", "last_name", "company", "phone")
        )
        if data.get("pro") and person:
            self.add_error("pro", "Pick a pro or type a person, not both.")
        elif not data.get("pro") and not person:
            self.add_error("pro", "Say who sent the customer: a pro of your network or a person.")
        if not (data.get("first_name") or data.get("last_name")):
            self.add_error("first_name", "Give the customer's name (first is enough).")
        return data

    def action_arguments(self) -> dict:
        d = self.cleaned_data
        sender = None
        if not d["pro"]:
            sender = {
                "first_name": d["sender_first_name"],
                "last_name": d["sender_last_name"],
                "company": d["sender_company"],
                "phone": d["sender_phone"],
                "email": d["sender_email"],
                "relationship": d["sender_relationship"] or Customer.Relationship.PARTNER,
                "email_consent": d["sender_email_consent"],
            }
        return {
            "pro": d["pro"],
            "sender": sender,
            "new_customer": {k: d[k] for k in ("first_name", "last_name", "phone", "email")},
            "interest": d["interest"],
            "to_user": d["to_user"],
            "to_department": "" if d["to_user"] else Dealership.Department.SALES,
            "how": d["how"],
            "note": d["note"],
            "arrived": d["arrived"],
            "confirm_new": d["confirm_new"],
        }


class ProReportForm(Form):
    """What the outside pro reports: one step, with what it needs."""

    action = forms.ChoiceField(choices=[(a, a) for a in PRO_LINK_ACTIONS], widget=forms.HiddenInput)
    note = forms.CharField(label="Anything to add (optional)", max_length=300, required=False)
    value = MoneyField(label="Sale value ($)", required=False, min_value=0)
    reason = forms.CharField(label="What happened", max_length=300, required=False)

    def clean(self):
        data = super().clean()
        if data.get("action") == "win" and data.get("value") is None:
            self.add_error("value", "Give the sale's value (0 if you'd rather not say).")
        if data.get("action") == "lose" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Say what happened, so we learn from it.")
        return data


def steps_open(referral: Referral) -> list[str]:
    """The steps the pro may report now, in the order of the lifecycle."""
    return [a for a in PRO_LINK_ACTIONS if referral.status in TRANSITIONS[a][0]]


class InviteForm(Form):
    note = forms.CharField(
        label="A word from you (optional, in the email)",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class JoinForm(Form):
    """The pro's new store and their own sign-in: what `setup_store` needs."""

    name = forms.CharField(label="Store name", max_length=120)
    makes = forms.CharField(label="Makes you sell (comma-separated)", max_length=200)
    postal_code = forms.CharField(label="ZIP code", max_length=10)
    street = forms.CharField(label="Street", max_length=200, required=False)
    phone = forms.CharField(label="Store phone", max_length=40, required=False)
    admin_username = forms.CharField(label="Your username", max_length=150)
    admin_password = forms.CharField(
        label="Your password", max_length=128, widget=forms.PasswordInput
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_input(self.fields["phone"], "tel", inputmode="tel")
        self.fields["postal_code"].widget.attrs.update(
            inputmode="numeric", autocomplete="postal-code"
        )
        self.fields["admin_username"].widget.attrs.update(autocomplete="username")
        self.fields["admin_password"].widget.attrs.update(autocomplete="new-password")

    def store_fields(self) -> dict:
        d = dict(self.cleaned_data)
        d["makes"] = [m.strip() for m in d["makes"].split(",") if m.strip()]
        return d
