"""Referral pages. The receiving store's pages read only the shared snapshot on the row;
`customer` (the sender's Customer) is touched only when the viewer is the sender's store."""

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import BooleanField, Case, Q, Value, When
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from goodwill.core.paging import page_number
from goodwill.core.tenancy import get_visible_or_404, staff_required
from goodwill.customers import actions as customer_actions
from goodwill.customers import duplicates
from goodwill.customers.models import Consent, Customer
from goodwill.referrals import actions, ledger
from goodwill.referrals import thanks as thank_yous
from goodwill.referrals.forms import (
    PolicyForm,
    RewardDecisionForm,
    SendReferralForm,
    TransitionForm,
)
from goodwill.referrals.models import Referral, Reward, ThankYou

PAGE_SIZE = 50


def get_referral_for_user(request, referral_id) -> tuple[Referral, bool]:
    """(referral, can_work): visible where my store sent or received it."""
    referral = get_visible_or_404(
        Referral.objects.visible_to(request.user).read_by(request.dealership),
        public_id=referral_id,
    )
    return referral, actions.can_work(referral, request.user)


@staff_required
def inbox(request):
    box = request.GET.get("box", "received")
    status = request.GET.get("status", "")
    me = request.dealership
    now = timezone.now()
    qs = Referral.objects.visible_to(request.user).read_by(me)
    if box == "sent":
        qs = qs.filter(from_dealership=me)
    else:
        # "Mine": sent to me. "My store" (received): my store's inbox, the whole of it for a
        # manager, else mine and the departments' unassigned ones. Never what I sent to
        # someone else; an arrival through my card or referral link is recorded as sent by
        # me to me (an action needs an actor) and is mine to work.
        qs = qs.filter(to_dealership=me).exclude(Q(sent_by=request.user) & ~Q(to_user=request.user))
        if box == "mine":
            qs = qs.filter(to_user=request.user)
        else:
            box = "received"
            if not request.user.is_manager:
                qs = qs.filter(Q(to_user=request.user) | Q(to_user__isnull=True))
    # Overdue first: sent, not acknowledged, past the receiving store's time limit.
    qs = qs.annotate(
        overdue=Case(
            When(status=Referral.Status.SENT, ack_due_at__lt=now, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    ).order_by("-overdue", "-sent_at", "-id")
    if status in Referral.Status.values:
        qs = qs.filter(status=status)
    elif status == "open":
        qs = qs.filter(status__in=Referral.OPEN)
    page = page_number(request)
    rows = list(qs[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    tasks = list(
        ThankYou.objects.for_dealership(me)
        .filter(assigned_to=request.user, status=ThankYou.Status.OPEN)
        .select_related("referral")[:10]
    )
    context = {
        "nav": "referrals",
        "box": box,
        "status": status,
        "referrals": rows[:PAGE_SIZE],
        "has_next": len(rows) > PAGE_SIZE,
        "page": page,
        "tasks": tasks,
        "thanked": list(thank_yous.unread_for(request.user)[:10]),
        "statuses": Referral.Status.choices,
    }
    template = "referrals/inbox.html"
    if request.htmx and request.htmx.target == "results":
        template += "#results"
    return render(request, template, context)


def _create_customer_from_form(request, data) -> Customer:
    return customer_actions.create_customer(
        request.dealership,
        acting_user=request.user,
        phones={"mobile": data["new_phone"]} if data["new_phone"] else {},
        emails={"personal": data["new_email"]} if data["new_email"] else {},
        salesperson=request.user if request.user.role in request.user.SALES_ROLES else None,
        first_name=data["new_first_name"],
        last_name=data["new_last_name"],
        reason="Created while sending a referral",
        duplicates=duplicates.LIKELY,
        confirm_new=duplicates.confirmed_new(request.POST),
    )


@staff_required
def referral_create(request):
    initial = {}
    if request.method == "GET":
        for name in ("pro", "customer", "interest", "to_department"):
            if request.GET.get(name):
                initial[name] = request.GET[name]
    post = duplicates.with_chosen_match(request.POST) if request.method == "POST" else None
    form = SendReferralForm(post, user=request.user, initial=initial)
    share_consents = {}
    likely = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                customer = data["customer"] or _create_customer_from_form(request, data)
                referral = actions.send_referral(
                    customer,
                    acting_user=request.user,
                    interest=data["interest"],
                    pro=data["pro"],
                    to_user=data["to_user"],
                    to_department=data["to_department"],
                    make=data["make"],
                    source=data["source"],
                    referrer_kind=data["referrer_kind"],
                    referrer_customer=data["referrer_customer"],
                    note=data["note"],
                    direction_method=data["direction_method"]
                    if data["share_directed"] and data["pro"]
                    else "",
                )
        except duplicates.LikelyDuplicate as exc:
            likely = exc.matches
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if referral.kind == Referral.Kind.PARTNER and not referral.shared_full:
                messages.success(
                    request,
                    f"Referral sent. Only {referral.shared_first_name or 'the first name'} and the "
                    "interest went out: hand the customer the pro's card.",
                )
            else:
                messages.success(request, "Referral sent.")
            return redirect("referrals:detail", referral_id=referral.public_id)
    chosen = form["customer"].value()
    if chosen:
        share_consents = {
            str(c.customer.public_id): c
            for c in Consent.objects.filter(
                customer__in=Customer.objects.visible_to(request.user).filter(public_id=chosen)
                if _is_uuid(chosen)
                else Customer.objects.none(),
                channel=Consent.Channel.SHARE,
                granted=True,
            ).select_related("customer")
        }
    return render(
        request,
        "referrals/form.html",
        {
            "nav": "referrals",
            "form": form,
            "likely_matches": likely,
            "share_consents": share_consents,
            "wording": actions.SHARE_WORDING.format(
                store=request.dealership.name,
                pro="the pro",
                pro_store="their store",
                interest="what I am looking for",
            ),
        },
    )


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


@staff_required
def referral_detail(request, referral_id):
    referral, can_work = get_referral_for_user(request, referral_id)
    is_sender = referral.from_dealership_id == request.dealership.id
    context = {
        "nav": "referrals",
        "r": referral,
        "is_sender": is_sender,
        "can_work": can_work,
        # The sender's Customer row is read only by the sender's store.
        "customer": referral.customer if is_sender else None,
        "events": referral.events.seen_by(request.dealership).select_related(
            "actor", "actor_store"
        ),
        "actions_allowed": [
            (name, actions.ACTION_LABELS[name])
            for name, (sources, _) in actions.TRANSITIONS.items()
            if referral.status in sources
        ]
        if can_work
        else [],
        "form": TransitionForm(),
        # The sender sees every thank-you of its referral (the receiver's task is to thank
        # them); the receiver sees only its own store's tasks (the sender's referrer
        # customer is the sender's data).
        "thank_yous": (
            referral.thank_yous.all()
            if is_sender
            else referral.thank_yous.filter(dealership=request.dealership)
        ).select_related("assigned_to", "dealership"),
        "rewards": referral.rewards.filter(dealership=request.dealership),
    }
    return render(request, "referrals/detail.html", context)


@require_POST
@staff_required
def referral_transition(request, referral_id, action):
    referral, can_work = get_referral_for_user(request, referral_id)
    if not can_work:
        raise PermissionDenied("Only the receiving store works this referral.")
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        return redirect("referrals:detail", referral_id=referral.public_id)
    try:
        actions.transition(
            referral,
            action,
            acting_user=request.user,
            note=form.cleaned_data["note"],
            value=form.cleaned_data["value"],
            reason=form.cleaned_data["reason"],
            reward_amount=form.cleaned_data["reward_amount"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{actions.ACTION_LABELS[action]}: saved.")
    return redirect("referrals:detail", referral_id=referral.public_id)


@staff_required
def reciprocity(request):
    return render(
        request,
        "referrals/reciprocity.html",
        {
            "nav": "referrals",
            "stores": ledger.store_ledger(request.dealership),
            "pros": ledger.pro_ledger(request.dealership),
            "earned": ledger.earned_report(request.dealership),
        },
    )


@staff_required
def thanks(request):
    me = request.dealership
    tasks = ThankYou.objects.for_dealership(me).select_related("referral", "assigned_to")
    if not request.user.is_manager:
        tasks = tasks.filter(assigned_to=request.user)
    rewards = Reward.objects.for_dealership(me).select_related("referral", "decided_by")
    open_tasks = list(
        tasks.filter(status=ThankYou.Status.OPEN).select_related(
            "to_customer", "to_user", "to_pro"
        )[:100]
    )
    for task in open_tasks:
        task.methods = [ThankYou.Method(m) for m in thank_yous.methods_for(task)]
    return render(
        request,
        "referrals/thanks.html",
        {
            "nav": "referrals",
            "tasks": open_tasks,
            "done": tasks.filter(status=ThankYou.Status.DONE).order_by("-done_at", "-id")[:20],
            "received": thank_yous.received_by(request.user)[:20],
            "rewards": rewards[:100],
            "decision_form": RewardDecisionForm(),
        },
    )


@require_POST
@staff_required
def reward_decide(request, reward_id):
    reward = get_visible_or_404(
        Reward.objects.for_dealership(request.dealership), public_id=reward_id
    )
    if not request.user.is_manager:
        raise PermissionDenied("A manager approves rewards.")
    form = RewardDecisionForm(request.POST)
    if form.is_valid():
        try:
            actions.decide_reward(
                reward,
                acting_user=request.user,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
            )
            messages.success(request, "Reward updated.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, "Pick approve, reject or paid.")
    return redirect("referrals:thanks")


@staff_required
def partners(request):
    """Referral partners have their own app and pages now (`goodwill.partners`)."""
    return redirect("partners:list", permanent=True)


@staff_required
def policy(request):
    """A manager's referral settings; everyone else reads them (the time limit they work to)."""
    store = request.dealership
    current = actions.policy_for(store)
    form = PolicyForm(request.POST or None, instance=current)
    if request.method == "POST":
        if not request.user.is_manager:
            raise PermissionDenied("Only a manager can change the referral settings.")
        if form.is_valid():
            try:
                actions.update_policy(
                    store,
                    acting_user=request.user,
                    **{name: form.cleaned_data[name] for name in actions.POLICY_FIELDS},
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "Referral settings saved.")
                return redirect("referrals:policy")
    open_days = ", ".join(label for day, label in current.WEEKDAYS if day in current.open_days)
    context = {
        "nav": "referrals",
        "sub": "policy",
        "form": form,
        "policy": current,
        "open_days": open_days,
    }
    return render(request, "referrals/policy.html", context)
