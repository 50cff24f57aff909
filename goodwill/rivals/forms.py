"""The rival's offer as staff type it on a phone: money as people write it ("$38,900"), the
APR as a number, the date the offer was made; every problem comes back on its field."""

from django import forms
from django.utils.timezone import localtime

from goodwill.core.forms import Form, MoneyField, use_input
from goodwill.rivals.models import RivalOffer


class OfferForm(Form):
    rival_store = forms.CharField(
        max_length=120, label="Rival store", help_text="e.g. Round Rock Toyota"
    )
    make = forms.CharField(max_length=40, label="Make")
    vehicle = forms.CharField(
        max_length=200, required=False, label="Vehicle", help_text="e.g. 2025 RAV4 XLE AWD"
    )
    price = MoneyField(required=False, label="Price ($)", help_text="Out the door or as quoted.")
    monthly_payment = MoneyField(max_digits=8, required=False, label="Monthly payment ($)")
    term_months = forms.IntegerField(required=False, min_value=1, max_value=120, label="Months")
    apr = forms.DecimalField(
        required=False,
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=40,
        label="APR (%)",
        widget=forms.TextInput,
    )
    offered_on = forms.DateField(label="Offered on")
    source = forms.ChoiceField(choices=RivalOffer.Source.choices, label="How we know")
    source_detail = forms.CharField(
        max_length=200,
        required=False,
        label="Who or where",
        help_text="e.g. the partner's name, the ad's web address",
    )
    notes = forms.CharField(max_length=1000, required=False, widget=forms.Textarea({"rows": 3}))
    deal = forms.ChoiceField(required=False, label="Against our deal")

    def __init__(self, *args, deals=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Lists the browser offers as you type (no script): the store's earlier rivals, makes.
        self.fields["rival_store"].widget.attrs.update(list="rival-stores", autocomplete="off")
        self.fields["make"].widget.attrs.update(list="rival-makes", autocomplete="off")
        self.fields["apr"].widget.attrs.update(inputmode="decimal")
        use_input(self.fields["term_months"], "number", inputmode="numeric")
        use_input(self.fields["offered_on"], "date")
        self.fields["deal"].choices = [("", "No deal")] + [
            (str(d.public_id), f"{localtime(d.opened_at):%b %d, %Y} · {d.vehicle or 'deal'}")
            for d in deals
        ]
        self.deals = {str(d.public_id): d for d in deals}
        if not deals:
            self.fields["deal"].widget = forms.HiddenInput()

    def clean_deal(self):
        value = self.cleaned_data.get("deal") or ""
        return self.deals.get(value)

    def clean(self):
        data = super().clean()
        if (
            not self.has_error("price")
            and not self.has_error("monthly_payment")
            and data.get("price") is None
            and data.get("monthly_payment") is None
        ):
            self.add_error("price", "Give the rival's price or their monthly payment.")
        return data
