from contextlib import suppress

from django import forms
from django.core.exceptions import ValidationError

from goodwill.core.contact import normalise_email, normalise_phone
from goodwill.core.forms import Form, ModelForm, use_input
from goodwill.customers.models import Assignment, Consent, Customer, Vehicle
from goodwill.dealerships.models import User

# The labels the form edits; a fax, pager or other number (imports, the API) is kept as is.
PHONE_LABELS = ["mobile", "home", "work"]
EMAIL_LABELS = ["personal", "work"]
SHORTLIST = 300  # customers a menu offers


def customer_menu(form, name: str, rows, visible, *, empty: str = "---------") -> bool:
    """Offer in the `name` menu the first SHORTLIST customers of `rows` (a store may have
    thousands), plus the one the form already holds (a link from the customer's page).
    Validation still accepts any customer of `visible`: only the menu is short. True when
    the menu is full, so the page can say how to reach anyone else."""
    menu = list(rows[:SHORTLIST])
    # Not form[name]: a BoundField made now would keep the help text of before.
    chosen = form.data.get(name) if form.is_bound else form.initial.get(name)
    if chosen and all(str(c.public_id) != str(chosen) for c in menu):
        with suppress(ValidationError):  # not a UUID: the field reports it
            menu += list(visible.filter(public_id=chosen))
    form.fields[name].widget.choices = [("", empty)] + [
        (str(c.public_id), c.display_name) for c in menu
    ]
    return len(menu) >= SHORTLIST


class CustomerForm(ModelForm):
    """Customer fields plus one phone per label and two emails; numbers normalised on clean."""

    phone_mobile = forms.CharField(label="Mobile phone", required=False, max_length=40)
    phone_home = forms.CharField(label="Home phone", required=False, max_length=40)
    phone_work = forms.CharField(label="Work phone", required=False, max_length=40)
    email_personal = forms.CharField(label="Email", required=False, max_length=254)
    email_work = forms.CharField(label="Work email", required=False, max_length=254)

    class Meta:
        model = Customer
        fields = list(Customer.EDITABLE_FIELDS)
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, dealership, **kwargs):
        self.dealership = dealership
        super().__init__(*args, **kwargs)
        for name in ("phone_mobile", "phone_home", "phone_work"):
            use_input(self.fields[name], "tel", inputmode="tel", autocomplete="tel")
        for name in ("email_personal", "email_work"):
            use_input(self.fields[name], "email", inputmode="email", autocomplete="email")
        if self.instance.pk:
            for phone in self.instance.phones.all():
                self.initial[f"phone_{phone.label}"] = phone.number
            for email in self.instance.emails.all():
                self.initial[f"email_{email.label}"] = email.address

    def _clean_phone(self, name):
        return normalise_phone(self.cleaned_data.get(name, ""), self.dealership.phone_region)

    def clean_phone_mobile(self):
        return self._clean_phone("phone_mobile")

    def clean_phone_home(self):
        return self._clean_phone("phone_home")

    def clean_phone_work(self):
        return self._clean_phone("phone_work")

    def clean_email_personal(self):
        return normalise_email(self.cleaned_data.get("email_personal", ""))

    def clean_email_work(self):
        return normalise_email(self.cleaned_data.get("email_work", ""))

    def clean(self):
        data = super().clean()
        if not (data.get("first_name") or data.get("last_name") or data.get("company_name")):
            raise ValidationError("Give a first or last name, or a company name.")
        if data.get("kind") == Customer.Kind.BUSINESS and not data.get("company_name"):
            self.add_error("company_name", "A business needs its company name.")
        return data

    def _post_clean(self):
        # The action validates the model (constraints included) inside its transaction.
        pass

    @property
    def customer_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    @property
    def phones(self) -> dict:
        return {label: self.cleaned_data[f"phone_{label}"] for label in PHONE_LABELS}

    @property
    def emails(self) -> dict:
        return {label: self.cleaned_data[f"email_{label}"] for label in EMAIL_LABELS}


class VehicleForm(ModelForm):
    allow_unvalidated_vin = forms.BooleanField(
        label="Keep this VIN unvalidated (pre-1981 or non-standard)", required=False
    )

    class Meta:
        model = Vehicle
        fields = list(Vehicle.EDITABLE_FIELDS)
        help_texts = {"vin": "Make, model and year are filled in from the VIN."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vin"].widget.attrs.update(autocapitalize="characters", spellcheck="false")
        self.fields["vin"].max_length = 20
        self.fields["vin"].widget.attrs["maxlength"] = 20
        self.fields["year"].widget.attrs.update(inputmode="numeric")
        self.fields["mileage"].widget.attrs.update(inputmode="numeric")

    def clean_vin(self):
        return "".join(self.cleaned_data.get("vin", "").split()).replace("-", "").upper()

    def clean_year(self):
        year = self.cleaned_data.get("year")
        if year is not None and not 1900 <= year <= 2100:
            raise ValidationError("Enter a model year between 1900 and 2100.")
        return year

    def _post_clean(self):
        pass

    @property
    def vehicle_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ConsentForm(Form):
    channel = forms.ChoiceField(choices=Consent.Channel.choices)
    granted = forms.TypedChoiceField(
        choices=[("1", "Give"), ("0", "Withdraw")], coerce=lambda v: v == "1"
    )
    method = forms.ChoiceField(choices=Consent.Method.choices, initial=Consent.Method.IN_PERSON)
    wording = forms.CharField(max_length=500, required=False)


class AssignForm(Form):
    role = forms.ChoiceField(choices=Assignment.Role.choices)
    user = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="— nobody (unassigned) —"
    )
    reason = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, dealership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(
            dealership=dealership, is_active=True
        ).order_by("first_name", "last_name", "id")
