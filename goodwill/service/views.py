"""Service pages: the advisor's day, repair orders (open, update, refer in two taps),
opportunities, fleets, vehicles' service facts, visits and specials. Thin: forms validate,
actions change, helpers fetch through the store. (Reports and settings: `views_manage.py`;
the RO import: `views_import.py`.)"""

from datetime import timedelta
from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from goodwill.core.forms import apply_form, errors_to_form
from goodwill.core.tenancy import get_visible_or_404, staff_required
from goodwill.customers import actions as customer_actions
from goodwill.customers.models import Customer, Vehicle
from goodwill.customers.search import filter_customers
from goodwill.outreach import policy
from goodwill.service import actions, fleets, reports
from goodwill.service.forms import (
    DismissForm,
    FleetForm,
    ReferForm,
    RepairOrderForm,
    RepairOrderUpdateForm,
    SpecialForm,
    VehicleFactsForm,
    VisitForm,
    VisitStatusForm,
)
from goodwill.service.models import (
    STAGE_FILTERS,
    Fleet,
    Opportunity,
    RepairOrder,
    ServiceSpecial,
    ServiceVisit,
)
from goodwill.service.valuation import value_of


def get_ro_for_user(request, ro_id) -> RepairOrder:
    return get_visible_or_404(
        RepairOrder.objects.visible_to(request.user).select_related(
            "customer", "vehicle", "advisor", "visit"
        ),
        public_id=ro_id,
    )


def get_opportunity_for_user(request, opportunity_id) -> Opportunity:
    return get_visible_or_404(
        Opportunity.objects.visible_to(request.user).select_related(
            "customer", "vehicle", "repair_order__advisor", "referral__to_user", "raised_by"
        ),
        public_id=opportunity_id,
    )


def get_fleet_for_user(request, fleet_id) -> Fleet:
    return get_visible_or_404(
        Fleet.objects.visible_to(request.user).select_related("customer"), public_id=fleet_id
    )


def get_customer_for_user(request, customer_id) -> Customer:
    return get_visible_or_404(Customer.objects.visible_to(request.user), public_id=customer_id)


def get_vehicle_for_user(request, vehicle_id) -> Vehicle:
    return get_visible_or_404(
        Vehicle.objects.for_dealership(request.user.dealership_id)
        .filter(customer__in=Customer.objects.visible_to(request.user))
        .select_related("customer"),
        public_id=vehicle_id,
    )


def get_special_for_user(request, special_id) -> ServiceSpecial:
    return get_visible_or_404(
        ServiceSpecial.objects.for_dealership(request.user.dealership_id), public_id=special_id
    )


def get_visit_for_user(request, visit_id) -> ServiceVisit:
    return get_visible_or_404(
        ServiceVisit.objects.visible_to(request.user).select_related("customer"),
        public_id=visit_id,
    )


def _customer_search(request) -> tuple[str, list]:
    """The `?q=` box of the pages that start from a customer (a new RO, a visit)."""
    q = request.GET.get("q", "").strip()
    if not q:
        return q, []
    found = Customer.objects.visible_to(request.user)
    return q, filter_customers(found, q, dealership=request.dealership)[:20]


# --- the advisor's day -----------------------------------------------------------------------


@staff_required
def home(request):
    user = request.user
    today = timezone.localdate()
    context = {
        "nav": "service",
        "day": reports.advisor_day(user),
        "for_me": list(reports.open_opportunities_for(user)[:20]),
        "specials": [
            s
            for s in ServiceSpecial.objects.for_dealership(request.dealership).filter(active=True)
            if s.is_current(today)
        ],
        "is_service": user.role in user.SERVICE_ROLES or user.is_manager,
    }
    return render(request, "service/home.html", context)


# --- repair orders ---------------------------------------------------------------------------


@staff_required
def ro_list(request):
    rows = RepairOrder.objects.visible_to(request.user).select_related(
        "customer", "vehicle", "advisor"
    )
    q = request.GET.get("q", "").strip()
    if q:
        rows = rows.filter(number=q) | rows.filter(customer__search_name__icontains=q.lower())
    if request.GET.get("open"):
        rows = rows.open()
    return render(
        request,
        "service/ro_list.html",
        {"nav": "service", "rows": rows.order_by("-opened_at", "-id")[:100], "q": q},
    )


@staff_required
def ro_new(request):
    customer_id = request.GET.get("customer") or request.POST.get("customer")
    if not customer_id:
        q, found = _customer_search(request)
        return render(
            request, "service/ro_pick_customer.html", {"nav": "service", "q": q, "found": found}
        )
    customer = get_customer_for_user(request, customer_id)
    form = RepairOrderForm(request.POST or None, customer=customer, dealership=request.dealership)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                vehicle = data["vehicle"] or customer_actions.add_vehicle(
                    customer,
                    acting_user=request.user,
                    allow_unvalidated_vin=True,
                    vin=data["new_vin"],
                    year=data["new_year"],
                    make=data["new_make"],
                    model=data["new_model"],
                )
                ro = actions.open_repair_order(
                    customer,
                    vehicle,
                    acting_user=request.user,
                    number=data["number"],
                    complaint=data["complaint"],
                    cause=data["cause"],
                    labor=data["labor"],
                    parts=data["parts"],
                    mileage_in=data["mileage_in"],
                    pay_type=data["pay_type"],
                    promised_at=data["promised_at"],
                    **({"advisor": data["advisor"]} if data["advisor"] else {}),
                )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"RO {ro.number} opened.")
            return redirect("service:ro", ro_id=ro.public_id)
    return render(
        request,
        "service/ro_new.html",
        {"nav": "service", "customer": customer, "form": form},
        status=422 if form.errors else 200,
    )


def _ro_context(request, ro, *, update_form=None, refer_form=None):
    facts = getattr(ro.vehicle, "service", None)
    valuation = value_of(
        store_value=facts.value if facts else None,
        model=ro.vehicle.model,
        year=ro.vehicle.year,
        mileage=ro.mileage_in or ro.vehicle.mileage,
        on_year=ro.opened_at.year,
    )
    return {
        "nav": "service",
        "ro": ro,
        "valuation": valuation,
        "opportunities": list(
            ro.opportunities.select_related("referral__to_user").order_by("created_at", "id")
        ),
        "history": list(
            RepairOrder.objects.for_dealership(ro.dealership_id)
            .filter(vehicle=ro.vehicle)
            .exclude(pk=ro.pk)
            .order_by("-opened_at", "-id")[:10]
        ),
        "update_form": update_form
        or RepairOrderUpdateForm(
            initial={
                "status": ro.status,
                "cause": ro.cause,
                "labor": ro.labor,
                "parts": ro.parts,
                "promised_at": timezone.localtime(ro.promised_at) if ro.promised_at else None,
            }
        ),
        "refer_form": refer_form or ReferForm(),
    }


@staff_required
def ro_detail(request, ro_id):
    ro = get_ro_for_user(request, ro_id)
    return render(request, "service/ro.html", _ro_context(request, ro))


@staff_required
@require_POST
def ro_update(request, ro_id):
    ro = get_ro_for_user(request, ro_id)
    form = RepairOrderUpdateForm(request.POST)
    if form.is_valid():
        try:
            changes = actions.update_repair_order(ro, acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, "RO saved." if changes else "Nothing changed.")
            return redirect("service:ro", ro_id=ro.public_id)
    return render(
        request, "service/ro.html", _ro_context(request, ro, update_form=form), status=422
    )


@staff_required
@require_POST
def ro_refer(request, ro_id):
    ro = get_ro_for_user(request, ro_id)
    form = ReferForm(request.POST)
    if form.is_valid():
        try:
            opp = actions.refer_by_hand(
                ro, acting_user=request.user, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"Sent to sales: {opp.referral.to_display}.")
            return redirect("service:opportunity", opportunity_id=opp.public_id)
    return render(request, "service/ro.html", _ro_context(request, ro, refer_form=form), status=422)


# --- opportunities ---------------------------------------------------------------------------


@staff_required
def opportunity_list(request):
    rows = Opportunity.objects.visible_to(request.user).select_related(
        "customer", "vehicle", "referral__to_user", "repair_order__advisor"
    )
    stage, rule = request.GET.get("stage", ""), request.GET.get("rule", "")
    if request.GET.get("mine"):
        rows = rows.for_user(request.user)
    if stage in STAGE_FILTERS:
        rows = rows.filter(STAGE_FILTERS[stage])
    if rule in Opportunity.Rule.values:
        rows = rows.filter(rule=rule)
    return render(
        request,
        "service/opportunities.html",
        {
            "nav": "service",
            "rows": rows.order_by("-created_at", "-id")[:100],
            "stages": Opportunity.Stage.choices,
            "rules": Opportunity.Rule.choices,
            "stage": stage,
            "rule": rule,
        },
    )


def _opportunity_context(request, opp, *, dismiss_form=None):
    """The follow-up respects the customer: their consented channels, a hold on asks, and
    the store's weekly cap (the outreach app's policy)."""
    customer = opp.customer
    week_ago = timezone.now() - timedelta(days=7)
    return {
        "nav": "service",
        "opp": opp,
        "channels": sorted(policy.consented_channels(customer)),
        "held": policy.is_held(customer),
        "contacts_this_week": len(policy.counted_since(customer, week_ago)),
        "cap": policy.settings_for(customer.dealership_id).asks_per_week,
        "dismiss_form": dismiss_form or DismissForm(),
        "on_floor": opp.referral.ups.first() if opp.referral_id else None,
    }


@staff_required
def opportunity_detail(request, opportunity_id):
    opp = get_opportunity_for_user(request, opportunity_id)
    return render(request, "service/opportunity.html", _opportunity_context(request, opp))


@staff_required
@require_POST
def opportunity_action(request, opportunity_id, action):
    opp = get_opportunity_for_user(request, opportunity_id)
    try:
        if action == "refer":
            opp = actions.refer(opp, acting_user=request.user)
            messages.success(request, f"Sent to sales: {opp.referral.to_display}.")
        elif action == "lane":
            up = actions.log_lane_up(opp, acting_user=request.user)
            who = up.designated_to.display_name if up.designated_to_id else "the next salesperson"
            messages.success(request, f"On the floor as a service drive up for {who}.")
        elif action == "dismiss":
            form = DismissForm(request.POST)
            if not form.is_valid():
                return render(
                    request,
                    "service/opportunity.html",
                    _opportunity_context(request, opp, dismiss_form=form),
                    status=422,
                )
            actions.dismiss(opp, acting_user=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, "Dismissed.")
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
    return redirect("service:opportunity", opportunity_id=opp.public_id)


# --- fleets and vehicles ---------------------------------------------------------------------


@staff_required
def fleet_list(request):
    fleets = Fleet.objects.visible_to(request.user).select_related("customer")
    return render(
        request,
        "service/fleets.html",
        {"nav": "service", "fleets": fleets.order_by("customer__company_name", "id")[:200]},
    )


@staff_required
def fleet_detail(request, fleet_id):
    fleet = get_fleet_for_user(request, fleet_id)
    return render(
        request,
        "service/fleet.html",
        {"nav": "service", "fleet": fleet, "summary": fleets.summary(fleet)},
    )


@staff_required
def vehicle_facts(request, vehicle_id):
    vehicle = get_vehicle_for_user(request, vehicle_id)
    facts = actions.facts_of(vehicle)
    form = VehicleFactsForm(request.POST or None, instance=facts)

    def save(**data):
        values = {f: data[f] for f in actions.FACT_FIELDS}
        actions.update_vehicle_facts(vehicle, acting_user=request.user, **values)

    if request.method == "POST" and apply_form(form, save):
        messages.success(request, "Saved.")
        return redirect("service:vehicle", vehicle_id=vehicle.public_id)
    valuation = value_of(
        store_value=facts.value,
        model=vehicle.model,
        year=vehicle.year,
        mileage=vehicle.mileage,
        on_year=timezone.localdate().year,
    )
    return render(
        request,
        "service/vehicle.html",
        {
            "nav": "service",
            "vehicle": vehicle,
            "form": form,
            "valuation": valuation,
            "ros": RepairOrder.objects.for_dealership(vehicle.dealership_id)
            .filter(vehicle=vehicle)
            .order_by("-opened_at", "-id")[:50],
        },
        status=422 if form.errors else 200,
    )


@staff_required
def fleet_edit(request, fleet_id):
    fleet = get_fleet_for_user(request, fleet_id)
    form = FleetForm(request.POST or None, instance=fleet)
    if request.method == "POST" and form.is_valid():
        actions.update_fleet(
            fleet,
            acting_user=request.user,
            **{f: form.cleaned_data[f] for f in actions.FLEET_FIELDS},
        )
        messages.success(request, "Fleet saved.")
        return redirect("service:fleet", fleet_id=fleet.public_id)
    return render(
        request,
        "service/fleet_edit.html",
        {"nav": "service", "fleet": fleet, "form": form},
        status=422 if form.errors else 200,
    )


# --- visits and specials ---------------------------------------------------------------------


@staff_required
def visit_list(request):
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    rows = (
        ServiceVisit.objects.visible_to(request.user)
        .filter(scheduled_for__gte=start)
        .select_related("customer", "vehicle", "booked_by", "special", "advisor")
        .order_by("scheduled_for", "id")[:100]
    )
    q, found = _customer_search(request)
    return render(
        request, "service/visits.html", {"nav": "service", "rows": rows, "q": q, "found": found}
    )


@staff_required
def visit_new(request, customer_id):
    customer = get_customer_for_user(request, customer_id)
    form = VisitForm(request.POST or None, customer=customer, dealership=request.dealership)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            visit = actions.book_visit(
                customer,
                acting_user=request.user,
                scheduled_for=data["scheduled_for"],
                vehicle=data["vehicle"],
                reason=data["reason"],
                special=data["special"],
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(
                request,
                f"Service visit booked for {customer.display_name} "
                f"({visit.get_origin_display().lower()}).",
            )
            return redirect("service:visits")
    today = timezone.localdate()
    specials = [
        s
        for s in ServiceSpecial.objects.for_dealership(request.dealership).filter(active=True)
        if s.is_current(today)
    ]
    return render(
        request,
        "service/visit_new.html",
        {"nav": "service", "customer": customer, "form": form, "specials": specials},
        status=422 if form.errors else 200,
    )


@staff_required
@require_POST
def visit_status(request, visit_id):
    visit = get_visit_for_user(request, visit_id)
    form = VisitStatusForm(request.POST)
    if form.is_valid():
        actions.set_visit_status(visit, form.cleaned_data["status"], acting_user=request.user)
        messages.success(request, "Visit updated.")
    else:
        messages.error(request, "Pick a status.")
    return redirect("service:visits")


@staff_required
def special_list(request):
    today = timezone.localdate()
    rows = list(
        ServiceSpecial.objects.for_dealership(request.dealership).order_by("-starts_on", "-id")
    )
    for special in rows:
        special.running = special.is_current(today)
    can_edit = request.user.role in request.user.SERVICE_ROLES or request.user.is_manager
    form = SpecialForm(request.POST or None, initial={"starts_on": today})
    save = partial(actions.save_special, request.dealership, acting_user=request.user)
    if request.method == "POST" and can_edit and apply_form(form, save):
        messages.success(request, "Special saved.")
        return redirect("service:specials")
    return render(
        request,
        "service/specials.html",
        {"nav": "service", "rows": rows, "form": form, "can_edit": can_edit, "today": today},
        status=422 if form.errors else 200,
    )


@staff_required
def special_edit(request, special_id):
    special = get_special_for_user(request, special_id)
    form = SpecialForm(request.POST or None, instance=special)
    save = partial(
        actions.save_special, request.dealership, acting_user=request.user, special=special
    )
    if request.method == "POST" and apply_form(form, save):
        messages.success(request, "Special saved.")
        return redirect("service:specials")
    return render(
        request,
        "service/special_edit.html",
        {"nav": "service", "special": special, "form": form},
        status=422 if form.errors else 200,
    )
