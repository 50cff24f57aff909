"""Service forms validate input; the actions change data."""

from django import forms
from django.utils import timezone

from goodwill.core.forms import Form, ModelForm, MoneyField
from goodwill.customers.models import Vehicle
from goodwill.dealerships.models import User
from goodwill.service.models import (
    Fleet,
    RepairOrder,
    ServiceSettings,
    ServiceSpecial,
    ServiceVisit,
    VehicleFacts,
)

DT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def advisors(dealership):
    return User.objects.filter(
        dealership=dealership, is_active=True, role__in=User.SERVICE_ROLES
    ).order_by("first_name", "last_name", "id")


class RepairOrderForm(Form):
    vehicle = forms.ModelChoiceField(
        queryset=Vehicle.objects.none(), to_field_name="public_id", required=False
    )
    new_vin = forms.CharField(label="Or a new vehicle: VIN", max_length=17, required=False)
    new_year = forms.IntegerField(label="Year", min_value=1950, max_value=2100, required=False)
    new_make = forms.CharField(label="Make", max_length=40, required=False)
    new_model = forms.CharField(label="Model", max_length=60, required=False)
    number = forms.CharField(label="RO number", max_length=20)
    complaint = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    cause = forms.CharField(
        max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    labor = MoneyField(
        label="Labour estimate ($)", min_value=0, max_digits=10, decimal_places=2, initial=0
    )
    parts = MoneyField(
        label="Parts estimate ($)", min_value=0, max_digits=10, decimal_places=2, initial=0
    )
    mileage_in = forms.IntegerField(label="Mileage in", min_value=0, required=False)
    pay_type = forms.ChoiceField(choices=RepairOrder.PayType.choices, initial="C")
    promised_at = forms.DateTimeField(label="Promised", required=False, widget=DT)
    advisor = forms.ModelChoiceField(queryset=User.objects.none(), required=False)

    def __init__(self, *args, customer, dealership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vehicle"].queryset = customer.vehicles.all()
        self.fields["vehicle"].empty_label = "— a new vehicle (below) —"
        self.fields["advisor"].queryset = advisors(dealership)
        self.fields["mileage_in"].widget.attrs["inputmode"] = "numeric"
        for name in ("labor", "parts"):
            self.fields[name].widget.attrs["inputmode"] = "decimal"

    def clean(self):
        data = super().clean()
        if not data.get("vehicle") and not (data.get("new_vin") or data.get("new_model")):
            self.add_error("vehicle", "Pick the vehicle, or give a new one's VIN or model.")
        return data


class RepairOrderUpdateForm(Form):
    status = forms.ChoiceField(choices=RepairOrder.Status.choices)
    cause = forms.CharField(
        max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    labor = MoneyField(label="Labour ($)", min_value=0, max_digits=10, decimal_places=2)
    parts = MoneyField(label="Parts ($)", min_value=0, max_digits=10, decimal_places=2)
    promised_at = forms.DateTimeField(label="Promised", required=False, widget=DT)


class ReferForm(Form):
    note = forms.CharField(
        label="Why (optional)",
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "e.g. asked about trading it in"}),
    )


class DismissForm(Form):
    reason = forms.CharField(max_length=300, label="Why dismiss")


class VisitForm(Form):
    scheduled_for = forms.DateTimeField(label="When", widget=DT)
    vehicle = forms.ModelChoiceField(
        queryset=Vehicle.objects.none(), to_field_name="public_id", required=False
    )
    reason = forms.CharField(max_length=300, required=False, label="For")
    special = forms.ModelChoiceField(
        queryset=ServiceSpecial.objects.none(),
        to_field_name="public_id",
        required=False,
        label="Show a service special",
    )

    def __init__(self, *args, customer, dealership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vehicle"].queryset = customer.vehicles.all()
        today = timezone.localdate()
        self.fields["special"].queryset = (
            ServiceSpecial.objects.for_dealership(dealership)
            .filter(active=True, starts_on__lte=today)
            .exclude(ends_on__lt=today)
        )


class VisitStatusForm(Form):
    status = forms.ChoiceField(choices=ServiceVisit.Status.choices)


class SpecialForm(ModelForm):
    class Meta:
        model = ServiceSpecial
        fields = ["title", "description", "price", "starts_on", "ends_on", "active"]
        widgets = {"starts_on": DATE, "ends_on": DATE}


class FleetForm(ModelForm):
    class Meta:
        model = Fleet
        fields = [
            "contact_name",
            "contact_phone",
            "contact_email",
            "downtime_cost_per_day",
            "notes",
        ]


class VehicleFactsForm(ModelForm):
    class Meta:
        model = VehicleFacts
        fields = [
            "vehicle_class",
            "value",
            "downtime_cost_per_day",
            "lease_ends_on",
            "warranty_ends_on",
            "maintenance_due_on",
            "maintenance_due_miles",
        ]
        widgets = {
            "lease_ends_on": DATE,
            "warranty_ends_on": DATE,
            "maintenance_due_on": DATE,
        }


class SettingsForm(ModelForm):
    class Meta:
        model = ServiceSettings
        fields = [
            "estimate_share",
            "age_years",
            "mileage",
            "repeat_visits",
            "repeat_days",
            "downtime_cost",
            "term_ending_days",
            "refer_within_days",
            "downtime_car",
            "downtime_light",
            "downtime_heavy",
            "first_service_days",
        ]
