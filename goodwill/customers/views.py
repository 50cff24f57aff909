from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from goodwill.audit.actions import Verb, record
from goodwill.core.paging import page_number
from goodwill.core.tenancy import get_visible_or_404, staff_required
from goodwill.customers import actions, duplicates
from goodwill.customers.forms import AssignForm, ConsentForm, CustomerForm, VehicleForm
from goodwill.customers.models import Consent, Customer, Vehicle
from goodwill.customers.search import filter_customers

PAGE_SIZE = 50
# What a row of the customer list shows, and nothing else (`only()`).
LIST_FIELDS = (
    "public_id",
    "kind",
    "first_name",
    "last_name",
    "company_name",
    "relationship",
    "primary_phone",
    "primary_email",
    "salesperson__first_name",
    "salesperson__last_name",
    "salesperson__username",
)


def get_customer_for_user(request, customer_id) -> Customer:
    return get_visible_or_404(
        Customer.objects.visible_to(request.user).select_related("salesperson", "service_advisor"),
        public_id=customer_id,
    )


def get_vehicle_for_user(request, vehicle_id) -> Vehicle:
    visible = Customer.objects.visible_to(request.user)
    return get_visible_or_404(
        Vehicle.objects.filter(customer__in=visible).select_related("customer"),
        public_id=vehicle_id,
    )


@staff_required
def customer_list(request):
    query = request.GET.get("q", "").strip()
    mine = request.GET.get("mine") == "1"
    qs = Customer.objects.visible_to(request.user).select_related("salesperson").only(*LIST_FIELDS)
    if query:
        qs = filter_customers(qs, query, dealership=request.dealership)
        record(request, Verb.SEARCHED, query=query)
    if mine:
        qs = qs.filter(salesperson=request.user)
    page = page_number(request)
    # No COUNT(*) over a big store: fetch one extra row to know whether a next page exists.
    rows = list(qs[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    context = {
        "nav": "customers",
        "customers": rows[:PAGE_SIZE],
        "has_next": len(rows) > PAGE_SIZE,
        "page": page,
        "query": query,
        "mine": mine,
    }
    template = "customers/list.html"
    if request.htmx and request.htmx.target == "results":
        template += "#results"
    return render(request, template, context)


def _save_customer(request, form, customer=None, *, vehicle_vin: str = ""):
    """Run the action for a valid form; map action errors back onto the form's fields. A
    likely duplicate (the pages' 90 %+ rule) propagates: the caller shows the matches."""
    try:
        if customer is None:
            return actions.create_customer(
                request.dealership,
                acting_user=request.user,
                phones=form.phones,
                emails=form.emails,
                salesperson=request.user if request.user.role in request.user.SALES_ROLES else None,
                duplicates=duplicates.LIKELY,
                confirm_new=duplicates.confirmed_new(request.POST),
                vehicle_vin=vehicle_vin,
                **form.customer_fields,
            )
        actions.update_customer(
            customer,
            acting_user=request.user,
            phones=form.phones,
            emails=form.emails,
            **form.customer_fields,
        )
        return customer
    except duplicates.LikelyDuplicate:
        raise
    except ValidationError as exc:
        form.add_error(None, exc)
        return None


@staff_required
def customer_create(request):
    form = CustomerForm(request.POST or None, dealership=request.dealership)
    vehicle_form = VehicleForm(request.POST or None, prefix="vehicle")
    wants_vehicle = bool(request.POST.get("vehicle-vin") or request.POST.get("vehicle-make"))
    likely = []
    if (
        request.method == "POST"
        and form.is_valid()
        and (not wants_vehicle or vehicle_form.is_valid())
    ):
        try:
            with transaction.atomic():
                customer = _save_customer(
                    request, form, vehicle_vin=vehicle_form.data.get("vehicle-vin", "")
                )
                if customer is None:
                    raise ValidationError("customer form")
                if wants_vehicle:
                    actions.add_vehicle(
                        customer,
                        acting_user=request.user,
                        allow_unvalidated_vin=vehicle_form.cleaned_data["allow_unvalidated_vin"],
                        **vehicle_form.vehicle_fields,
                    )
                for channel in Consent.Channel.values:
                    if request.POST.get(f"consent_{channel}"):
                        actions.set_consent(
                            customer,
                            channel,
                            granted=True,
                            method=request.POST.get("consent_method") or Consent.Method.IN_PERSON,
                            acting_user=request.user,
                        )
        except duplicates.LikelyDuplicate as exc:
            likely = exc.matches
        except ValidationError as exc:
            if getattr(exc, "error_dict", None) and "vin" in exc.error_dict:
                vehicle_form.add_error(None, exc)
        else:
            messages.success(request, f"{customer.display_name} added.")
            return redirect("customers:detail", customer_id=customer.public_id)
    return render(
        request,
        "customers/form.html",
        {
            "nav": "customers",
            "form": form,
            "vehicle_form": vehicle_form,
            "creating": True,
            "likely_matches": likely,
            "channels": Consent.Channel.choices,
            "methods": Consent.Method.choices,
        },
    )


@staff_required
def customer_edit(request, customer_id):
    customer = get_customer_for_user(request, customer_id)
    form = CustomerForm(request.POST or None, instance=customer, dealership=request.dealership)
    if request.method == "POST" and form.is_valid() and _save_customer(request, form, customer):
        messages.success(request, "Saved.")
        return redirect("customers:detail", customer_id=customer.public_id)
    return render(
        request, "customers/form.html", {"nav": "customers", "form": form, "customer": customer}
    )


@staff_required
def customer_detail(request, customer_id):
    customer = get_customer_for_user(request, customer_id)
    record(request, Verb.VIEWED, customer)
    return render(request, "customers/detail.html", _detail_context(request, customer))


def _detail_context(request, customer, **extra):
    consents = {c.channel: c for c in customer.consents.select_related("recorded_by")}
    return {
        "nav": "customers",
        "customer": customer,
        "phones": customer.phones.all(),
        "emails": customer.emails.all(),
        "details": customer.contact_details.all(),
        "vehicles": customer.vehicles.all(),
        "consent_rows": [
            (value, label, consents.get(value)) for value, label in Consent.Channel.choices
        ],
        "methods": Consent.Method.choices,
        "assignments": customer.assignments.select_related("user", "assigned_by"),
        "events": customer.events.select_related("actor")[:200],
        "assign_form": AssignForm(dealership=request.dealership),
        **extra,
    }


@require_POST
@staff_required
def consent_set(request, customer_id):
    customer = get_customer_for_user(request, customer_id)
    form = ConsentForm(request.POST)
    if form.is_valid():
        actions.set_consent(customer, acting_user=request.user, **form.cleaned_data)
        label = Consent.Channel(form.cleaned_data["channel"]).label
        verb = "given" if form.cleaned_data["granted"] else "withdrawn"
        messages.success(request, f"{label} consent {verb}.")
    else:
        messages.error(
            request,
            "Could not record that consent: " + "; ".join(form.errors.as_text().split("\n")),
        )
    if request.htmx:
        return render(request, "customers/detail.html#consents", _detail_context(request, customer))
    return redirect("customers:detail", customer_id=customer.public_id)


@require_POST
@staff_required
def customer_assign(request, customer_id):
    customer = get_customer_for_user(request, customer_id)
    form = AssignForm(request.POST, dealership=request.dealership)
    if form.is_valid():
        try:
            actions.assign(
                customer,
                form.cleaned_data["role"],
                form.cleaned_data["user"],
                acting_user=request.user,
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, "Assignment saved.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, "Pick a role and a staff member of this store.")
    return redirect("customers:detail", customer_id=customer.public_id)


@staff_required
def vehicle_add(request, customer_id):
    customer = get_customer_for_user(request, customer_id)
    form = VehicleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.add_vehicle(
                customer,
                acting_user=request.user,
                allow_unvalidated_vin=form.cleaned_data["allow_unvalidated_vin"],
                **form.vehicle_fields,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Vehicle added.")
            return redirect("customers:detail", customer_id=customer.public_id)
    return render(
        request,
        "customers/vehicle_form.html",
        {"nav": "customers", "form": form, "customer": customer},
    )


@staff_required
def vehicle_edit(request, vehicle_id):
    vehicle = get_vehicle_for_user(request, vehicle_id)
    customer = vehicle.customer
    form = VehicleForm(request.POST or None, instance=vehicle)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_vehicle(
                vehicle,
                acting_user=request.user,
                allow_unvalidated_vin=form.cleaned_data["allow_unvalidated_vin"],
                **form.vehicle_fields,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Vehicle saved.")
            return redirect(reverse("customers:detail", kwargs={"customer_id": customer.public_id}))
    return render(
        request,
        "customers/vehicle_form.html",
        {"nav": "customers", "form": form, "customer": customer, "vehicle": vehicle},
    )
