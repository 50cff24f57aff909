"""The Fails Department's pages: the queue, a case (claim, steps, close) and follow-ups."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from goodwill.core.forms import Form, MoneyField
from goodwill.core.tenancy import get_visible_or_404, staff_required
from goodwill.customers.models import Customer
from goodwill.fails import actions, cadence
from goodwill.fails.models import FailsCase, FailsStep, FollowUp
from goodwill.floor.models import FloorEvent
from goodwill.network.models import Pro
from goodwill.outreach import policy as outreach_policy
from goodwill.rivals.reports import offers_for_customers

QUEUE_SIZE = 50


class StepForm(Form):
    kind = forms.ChoiceField(
        choices=FailsStep.Kind.choices, initial=FailsStep.Kind.CALL_BACK, label="What you did"
    )
    notes = forms.CharField(max_length=2000, required=False, widget=forms.Textarea({"rows": 3}))
    appointment_at = forms.DateTimeField(
        required=False,
        label="Be-back on",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Only for a be-back appointment.",
    )
    pro = forms.ModelChoiceField(
        queryset=Pro.objects.none(),
        required=False,
        label="Refer to",
        help_text="Only for a referral to a competitor's pro.",
    )

    def __init__(self, *args, dealership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pro"].queryset = (
            Pro.objects.for_dealership(dealership)
            .filter(is_active=True)
            .exclude(store=dealership)
            .order_by("store_name", "first_name", "id")
        )


class CloseForm(Form):
    status = forms.ChoiceField(
        choices=[
            (FailsCase.Status.RECOVERED, "Recovered (sold)"),
            (FailsCase.Status.REFERRED, "Referred out"),
            (FailsCase.Status.LOST, "Lost"),
        ],
        widget=forms.RadioSelect,
        label="Outcome",
    )
    vehicle = forms.CharField(max_length=200, required=False, label="Vehicle sold")
    gross = MoneyField(max_digits=10, decimal_places=2, required=False, label="Gross ($)")
    reason = forms.CharField(max_length=300, required=False, label="Why / notes")


def get_case_for_user(request, case_id) -> FailsCase:
    return get_visible_or_404(
        FailsCase.objects.visible_to(request.user).select_related(
            "deal__up", "customer", "salesperson", "claimed_by"
        ),
        public_id=case_id,
    )


@staff_required
def queue(request):
    """Open cases oldest first (unclaimed ones are the work waiting), then the user's own."""
    store = request.dealership
    base = FailsCase.objects.visible_to(request.user).filter(status__in=FailsCase.OPEN_STATUSES)
    show = request.GET.get("show", "waiting")
    rows = base.select_related("customer", "salesperson", "claimed_by").order_by("entered_at", "id")
    if show == "mine":
        rows = rows.filter(claimed_by=request.user)
    elif show == "waiting":
        rows = rows.filter(claimed_by__isnull=True)
    rows = list(rows[:QUEUE_SIZE])
    # What rivals offered, beside each deal: the offer made against this deal first.
    offers = offers_for_customers(store, [c.customer_id for c in rows], per_customer=3)
    for c in rows:
        mine = offers.get(c.customer_id, [])
        c.rival_offers = sorted(mine, key=lambda o: o.deal_id != c.deal_id)[:1]
    counts = dict(
        base.values_list("status").annotate(n=Count("id")).order_by().values_list("status", "n")
    )
    due = list(
        FollowUp.objects.for_dealership(store)
        .filter(owner=request.user, status=FollowUp.Status.DUE, due_at__lte=timezone.now())
        .select_related("customer", "case")
        .order_by("due_at", "id")[:20]
    )
    return render(
        request,
        "fails/queue.html",
        {
            "nav": "fails",
            "cases": rows,
            "show": show,
            "waiting_count": counts.get(FailsCase.Status.OPEN, 0),
            "claimed_count": counts.get(FailsCase.Status.CLAIMED, 0),
            "due": due,
            "now": timezone.now(),
        },
    )


@staff_required
def case_detail(request, case_id, step_form=None, close_form=None):
    case = get_case_for_user(request, case_id)
    deal = case.deal
    events = list(
        FloorEvent.objects.for_dealership(case.dealership_id)
        .filter(deal=deal)
        .select_related("actor", "subject_user")
        .order_by("at", "id")
    )
    return render(
        request,
        "fails/case.html",
        {
            "nav": "fails",
            "case": case,
            "deal": deal,
            "events": events,
            "steps": list(case.steps.select_related("actor", "appointment")),
            "rival_offers": list(case.customer.rival_offers.order_by("-offered_on", "-id")[:5]),
            "follow_ups": list(case.follow_ups.order_by("due_at", "id")),
            "ask_rules": outreach_policy.settings_for(case.dealership_id),
            "can_work": case.is_open
            and (case.claimed_by_id == request.user.pk or request.user.is_manager),
            "can_claim": case.status == FailsCase.Status.OPEN
            and request.user.role in actions.CAN_WORK_FAILS,
            "step_form": step_form or StepForm(dealership=case.dealership, auto_id="step_%s"),
            "close_form": close_form or CloseForm(auto_id="close_%s"),
        },
        status=422 if (step_form or close_form) else 200,
    )


def _fail(request, exc):
    for msg in exc.messages:
        messages.error(request, msg)


@staff_required
@require_POST
def claim(request, case_id):
    case = get_case_for_user(request, case_id)
    if request.user.role not in actions.CAN_WORK_FAILS:
        raise PermissionDenied("Only a fails specialist or a manager can claim.")
    try:
        actions.claim(case, specialist=request.user)
        messages.success(request, "Claimed: the case is yours.")
    except ValidationError as exc:
        _fail(request, exc)
    return redirect("fails:case", case_id=case.public_id)


@staff_required
@require_POST
def add_step(request, case_id):
    case = get_case_for_user(request, case_id)
    if request.user.role not in actions.CAN_WORK_FAILS:
        raise PermissionDenied("Only a fails specialist or a manager can work a case.")
    form = StepForm(request.POST, dealership=case.dealership, auto_id="step_%s")
    if form.is_valid():
        try:
            actions.add_step(case, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Step recorded.")
            return redirect("fails:case", case_id=case.public_id)
    return case_detail(request, case_id, step_form=form)


@staff_required
@require_POST
def close(request, case_id):
    case = get_case_for_user(request, case_id)
    if request.user.role not in actions.CAN_WORK_FAILS:
        raise PermissionDenied("Only a fails specialist or a manager can close a case.")
    form = CloseForm(request.POST, auto_id="close_%s")
    if form.is_valid():
        try:
            actions.close(case, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            outcome = FailsCase.Status(form.cleaned_data["status"]).label
            messages.success(request, f"Closed: {outcome}.")
            if form.cleaned_data["status"] == FailsCase.Status.RECOVERED:
                return redirect("floor:deal", deal_id=case.deal.public_id)
            return redirect("fails:case", case_id=case.public_id)
    return case_detail(request, case_id, close_form=form)


@staff_required
@require_POST
def follow_up_done(request, follow_up_id):
    follow_up = get_visible_or_404(
        FollowUp.objects.for_dealership(request.user.dealership_id).filter(
            customer__in=Customer.objects.visible_to(request.user)
        ),
        public_id=follow_up_id,
    )
    if follow_up.owner_id != request.user.pk and not request.user.is_manager:
        raise PermissionDenied("This follow-up belongs to someone else.")
    try:
        cadence.record_contact(follow_up, by=request.user, note=request.POST.get("note", "")[:300])
        messages.success(request, "Contact recorded.")
    except ValidationError as exc:
        _fail(request, exc)
    # Back where the button was (My day sends `next`), never to another site.
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("fails:queue")
