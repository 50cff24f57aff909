"""Floor pages: the up board (phone-first), the deal page, appointments and the store's
floor settings. Thin: forms validate, actions change, helpers fetch through the store."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from goodwill.core.tenancy import get_visible_or_404, staff_required
from goodwill.customers import actions as customer_actions
from goodwill.customers import duplicates
from goodwill.customers.models import Consent, Customer
from goodwill.customers.search import filter_customers
from goodwill.floor import actions, ics, reports, rotation
from goodwill.floor.forms import (
    AppointmentForm,
    AssignUpForm,
    CreditPolicyForm,
    FloorSettingsForm,
    NotSoldForm,
    SoldForm,
    TurnOverForm,
    UpForm,
)
from goodwill.floor.models import Appointment, ClockIn, Deal, FloorEvent, TurnOver, Up


def get_deal_for_user(request, deal_id) -> Deal:
    return get_visible_or_404(
        Deal.objects.visible_to(request.user).select_related(
            "up", "customer", "salesperson", "closer", "recovered_by"
        ),
        public_id=deal_id,
    )


def get_up_for_user(request, up_id) -> Up:
    return get_visible_or_404(
        Up.objects.for_dealership(request.user.dealership_id).select_related("customer"),
        public_id=up_id,
    )


def get_appointment_for_user(request, appointment_id) -> Appointment:
    return get_visible_or_404(
        Appointment.objects.for_dealership(request.user.dealership_id)
        .filter(customer__in=Customer.objects.visible_to(request.user))
        .select_related("customer", "salesperson", "dealership"),
        public_id=appointment_id,
    )


def _errors(request, exc: ValidationError) -> None:
    for msg in exc.messages:
        messages.error(request, msg)


# --- the up board ---------------------------------------------------------------------------


def board_context(request, form=None):
    """Everything the board shows, in a fixed number of queries whatever the store's size."""
    store = request.dealership
    rules = actions.floor_settings(store)
    places = rotation.line(store, rules)
    waiting = list(
        Up.objects.for_dealership(store)
        .filter(status=Up.Status.WAITING)
        .select_related("customer", "designated_to")
        .order_by("logged_at", "id")[:30]
    )
    rotation.assign_waiting(waiting, places, cycle=not rules.skip_with_customer)
    # With me now: my open deals and those handed to me by a T.O.
    mine = list(
        Deal.objects.visible_to(request.user)
        .filter(outcome=Deal.Outcome.OPEN)
        .annotate(
            handed_to_me=Exists(TurnOver.objects.filter(deal=OuterRef("pk"), to_user=request.user))
        )
        .filter(Q(salesperson=request.user) | Q(handed_to_me=True))
        .select_related("customer", "up", "salesperson")
        .order_by("-opened_at", "-id")[:20]
    )
    me = next((p for p in places if p.user.pk == request.user.pk), None)
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return {
        "nav": "floor",
        "rules": rules,
        "places": places,
        "next_user": rotation.next_in_line(places),
        "waiting": waiting,
        "mine": mine,
        "me": me,
        "ups_today": Up.objects.for_dealership(store).filter(logged_at__gte=today).count(),
        "form": form or UpForm(user=request.user),
        "assign_form": AssignUpForm(dealership=store) if request.user.is_manager else None,
        "sources": Up.Source.choices,
    }


@staff_required
def board(request):
    context = board_context(request)
    template = "floor/board.html"
    if request.htmx and request.htmx.target == "live":
        template += "#live"
    return render(request, template, context)


@staff_required
@require_POST
def log_up(request):
    post = duplicates.with_chosen_match(request.POST)
    form = UpForm(post, user=request.user)
    likely = []
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                up = actions.log_up(
                    request.dealership,
                    acting_user=request.user,
                    source=data["source"],
                    customer=data["customer"],
                    new_customer=None
                    if data["customer"]
                    else {
                        "first_name": data["first_name"],
                        "last_name": data["last_name"],
                        "phone": data["phone"],
                        "email": data["email"],
                    },
                    interest=data["interest"],
                    referral=data["referral"] if data["source"] == Up.Source.REFERRAL else None,
                    duplicates=duplicates.LIKELY,
                    confirm_new=duplicates.confirmed_new(post),
                )
                for channel in form.consents:
                    customer_actions.set_consent(
                        up.customer,
                        channel,
                        granted=True,
                        method=Consent.Method.IN_PERSON,
                        acting_user=request.user,
                        wording="Asked when the up was logged",
                    )
        except duplicates.LikelyDuplicate as exc:
            likely = exc.matches
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Up logged: {up.customer}.")
            return redirect("floor:board")
    context = board_context(request, form) | {"likely_matches": likely}
    return render(request, "floor/board.html", context, status=200 if likely else 422)


@staff_required
@require_POST
def take(request, up_id):
    up = get_up_for_user(request, up_id)
    try:
        deal = actions.take_up(up, user=request.user)
    except ValidationError as exc:
        _errors(request, exc)
        return redirect("floor:board")
    return redirect("floor:deal", deal_id=deal.public_id)


@staff_required
@require_POST
def assign(request, up_id):
    up = get_up_for_user(request, up_id)
    if not request.user.is_manager:
        raise PermissionDenied("Only a manager can assign an up out of turn.")
    form = AssignUpForm(request.POST, dealership=request.dealership)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label}: {errors[0]}")
        return redirect("floor:board")
    try:
        actions.assign_up(
            up,
            to_user=form.cleaned_data["to_user"],
            acting_user=request.user,
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("floor:board")


@staff_required
@require_POST
def clock(request):
    try:
        if ClockIn.objects.filter(user=request.user, clocked_out_at__isnull=True).exists():
            actions.clock_out(request.user)
            messages.success(request, "Clocked out. See you next shift.")
        else:
            actions.clock_in(request.user)
            messages.success(request, "Clocked in: you are at the back of the line.")
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("floor:board")


@staff_required
@require_POST
def pass_turn(request):
    try:
        actions.pass_turn(
            request.dealership,
            user=request.user,
            acting_user=request.user,
            reason=request.POST.get("reason", "")[:300],
        )
        messages.success(request, "You passed: back of the line.")
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("floor:board")


@staff_required
def customer_search(request):
    """The board's "find a customer" box (htmx): a few matches to pick from."""
    query = request.GET.get("q", "").strip()
    found = []
    if len(query) >= 2:
        found = list(
            filter_customers(
                Customer.objects.visible_to(request.user), query, dealership=request.dealership
            ).select_related("salesperson")[:6]
        )
    return render(request, "floor/customer_matches.html", {"found": found, "query": query})


# --- the deal page --------------------------------------------------------------------------


def _deal_context(request, deal, **forms):
    rules = actions.floor_settings(deal.dealership)
    turnovers = list(deal.turnovers.select_related("from_user", "to_user"))
    holder = turnovers[-1].to_user if turnovers else deal.salesperson
    fails_case = getattr(deal, "fails_case", None) if deal.outcome == "not_sold" else None
    if deal.outcome == "sold" and deal.recovered_by_id:
        fails_case = getattr(deal, "fails_case", None)
    return {
        "nav": "floor",
        "deal": deal,
        "holder": holder,
        "can_work": deal.can_be_worked_by(request.user),
        "turnovers": turnovers,
        "credit_lines": list(deal.credit_lines.select_related("user")),
        "events": list(
            FloorEvent.objects.for_dealership(deal.dealership_id)
            .filter(deal=deal)
            .select_related("actor", "subject_user")
            .order_by("at", "id")
        ),
        "appointments": list(deal.appointments.select_related("salesperson")),
        "fails_case": fails_case,
        "to_form": forms.get("to_form")
        or TurnOverForm(dealership=deal.dealership, exclude=holder, auto_id="to_%s"),
        "sold_form": forms.get("sold_form")
        or SoldForm(tracks_gross=rules.tracks_gross, auto_id="sold_%s"),
        "not_sold_form": forms.get("not_sold_form")
        or NotSoldForm(reasons=rules.reasons(), auto_id="ns_%s"),
        "appointment_form": forms.get("appointment_form")
        or AppointmentForm(
            dealership=deal.dealership, initial={"salesperson": holder}, auto_id="appt_%s"
        ),
    }


@staff_required
def deal_detail(request, deal_id):
    deal = get_deal_for_user(request, deal_id)
    return render(request, "floor/deal.html", _deal_context(request, deal))


def _working_deal(request, deal_id) -> Deal:
    deal = get_deal_for_user(request, deal_id)
    if not deal.can_be_worked_by(request.user):
        raise PermissionDenied("Only the salesperson, the T.O. or a manager can change this deal.")
    return deal


def _deal_step(request, deal, form, form_name, change, done):
    """One of the deal page's forms: if valid, the action, a message and back to the deal;
    otherwise the page again with this form's errors and what was typed."""
    if form.is_valid():
        try:
            change(form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, done(form.cleaned_data) if callable(done) else done)
            return redirect("floor:deal", deal_id=deal.public_id)
    context = _deal_context(request, deal, **{form_name: form})
    return render(request, "floor/deal.html", context, status=422)


@staff_required
@require_POST
def deal_turn_over(request, deal_id):
    deal = _working_deal(request, deal_id)
    return _deal_step(
        request,
        deal,
        TurnOverForm(request.POST, dealership=deal.dealership, auto_id="to_%s"),
        "to_form",
        lambda data: actions.turn_over(deal, acting_user=request.user, **data),
        lambda data: f"T.O. to {data['to_user'].display_name}.",
    )


@staff_required
@require_POST
def deal_sold(request, deal_id):
    deal = _working_deal(request, deal_id)
    rules = actions.floor_settings(deal.dealership)
    return _deal_step(
        request,
        deal,
        SoldForm(request.POST, tracks_gross=rules.tracks_gross, auto_id="sold_%s"),
        "sold_form",
        lambda data: actions.mark_sold(deal, acting_user=request.user, **data),
        "Sold. Credit is shared as the ledger below shows.",
    )


@staff_required
@require_POST
def deal_not_sold(request, deal_id):
    deal = _working_deal(request, deal_id)
    reasons = actions.floor_settings(deal.dealership).reasons()
    return _deal_step(
        request,
        deal,
        NotSoldForm(request.POST, reasons=reasons, auto_id="ns_%s"),
        "not_sold_form",
        lambda data: actions.mark_not_sold(deal, acting_user=request.user, **data),
        "Not sold: the deal went to the Fails Department.",
    )


@staff_required
@require_POST
def deal_appointment(request, deal_id):
    deal = _working_deal(request, deal_id)
    return _deal_step(
        request,
        deal,
        AppointmentForm(request.POST, dealership=deal.dealership, auto_id="appt_%s"),
        "appointment_form",
        lambda data: actions.set_appointment(
            deal.customer, acting_user=request.user, deal=deal, **data
        ),
        "Appointment set. Send the customer the invite.",
    )


# --- appointments ---------------------------------------------------------------------------


@staff_required
def appointments(request):
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    rows = list(
        Appointment.objects.for_dealership(request.dealership)
        .filter(customer__in=Customer.objects.visible_to(request.user), starts_at__gte=start)
        .select_related("customer", "salesperson", "set_by", "deal")
        .order_by("starts_at", "id")[:100]
    )
    return render(request, "floor/appointments.html", {"nav": "floor", "appointments": rows})


@staff_required
def appointment_ics(request, appointment_id):
    appointment = get_appointment_for_user(request, appointment_id)
    response = HttpResponse(ics.invite(appointment), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="appointment-{appointment_id}.ics"'
    return response


@staff_required
@require_POST
def appointment_status(request, appointment_id):
    appointment = get_appointment_for_user(request, appointment_id)
    try:
        actions.set_appointment_status(
            appointment, request.POST.get("status", ""), acting_user=request.user
        )
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("floor:appointments")


# --- store settings -------------------------------------------------------------------------


@staff_required
def floor_settings(request):
    if not request.user.is_manager:
        raise PermissionDenied("Only a manager can change the floor settings.")
    store = request.dealership
    rules, policy = actions.floor_settings(store), actions.credit_policy(store)
    rules_form = FloorSettingsForm(request.POST or None, instance=rules, prefix="rules")
    policy_form = CreditPolicyForm(request.POST or None, instance=policy, prefix="policy")
    if request.method == "POST" and rules_form.is_valid() and policy_form.is_valid():
        try:
            with transaction.atomic():
                actions.update_credit_policy(
                    store, acting_user=request.user, **policy_form.cleaned_data
                )
                actions.update_floor_settings(
                    store,
                    acting_user=request.user,
                    not_sold_reasons=rules_form.cleaned_data["reasons_text"],
                    **{k: rules_form.cleaned_data[k] for k in rules_form.Meta.fields},
                )
        except ValidationError as exc:
            policy_form.add_error(None, exc)
        else:
            messages.success(request, "Floor settings saved.")
            return redirect("floor:settings")
    return render(
        request,
        "floor/settings.html",
        {"nav": "floor", "rules_form": rules_form, "policy_form": policy_form},
    )


# --- the manager's floor report -------------------------------------------------------------


@staff_required
def report(request):
    """Charts computed from events; each bar links to the ups and deals behind it."""
    if not request.user.is_manager:
        raise PermissionDenied("The floor report is for managers.")
    store = request.dealership
    period = request.GET.get("period", "30")
    if period not in reports.PERIODS:
        period = "30"
    start = reports.since(period)
    to_bars, close_bars = reports.rates_by_salesperson(store, start, period)
    reason_bars, specialist_bars, time_bars = reports.fails_recovery(store, start, period)
    behind = None
    if request.GET.get("show"):
        behind = list(
            reports.drill_down(store, request.GET)
            .select_related("customer", "salesperson", "deal")
            .order_by("-logged_at", "-id")[:100]
        )
    return render(
        request,
        "floor/report.html",
        {
            "nav": "floor",
            "period": period,
            "periods": reports.PERIODS,
            "totals": reports.totals(store, start),
            "ups_today": reports.ups_by_source(store, reports.since("today"), "today"),
            "ups_period": reports.ups_by_source(store, start, period),
            "to_bars": to_bars,
            "close_bars": close_bars,
            "reason_bars": reason_bars,
            "specialist_bars": specialist_bars,
            "time_bars": time_bars,
            "behind": behind,
        },
    )
