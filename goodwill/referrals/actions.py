"""Every change to a referral goes through here: one transaction, the change, its
ReferralEvent and the customer's history together; emails leave on commit."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from goodwill.audit import actions as audit
from goodwill.core import storewall
from goodwill.customers.actions import record_event, set_consent
from goodwill.customers.models import Consent, Customer, CustomerEvent
from goodwill.dealerships.models import Dealership, StaffEvent, User
from goodwill.network.models import Pro
from goodwill.outreach.signals import experience_completed
from goodwill.referrals import emails
from goodwill.referrals.models import Referral, ReferralEvent, ReferralPolicy, Reward, ThankYou
from goodwill.referrals.signals import referral_sent

S = Referral.Status

# What the customer is told (or reads) before their details go to a partner: stored on the
# consent and on the customer's history with every share.
SHARE_WORDING = (
    "I ask {store} to pass my name, phone and email to {pro} at {pro_store} "
    "so they can help me with {interest}."
)

TRANSITIONS = {
    "acknowledge": ({S.SENT}, S.ACKNOWLEDGED),
    "contact": ({S.SENT, S.ACKNOWLEDGED}, S.CONTACTED),
    "appointment": ({S.SENT, S.ACKNOWLEDGED, S.CONTACTED}, S.APPOINTMENT),
    "win": (set(Referral.OPEN), S.WON),
    "lose": (set(Referral.OPEN), S.LOST),
    "send_back": (set(Referral.OPEN), S.RETURNED),
}
# What an outside pro may report through their link (sending back is a conversation).
PRO_LINK_ACTIONS = ("contact", "appointment", "win", "lose")
ACTION_LABELS = {
    "acknowledge": "Acknowledge",
    "contact": "Record contact",
    "appointment": "Appointment set",
    "win": "Won",
    "lose": "Lost",
    "send_back": "Send back",
}


def policy_for(dealership) -> ReferralPolicy:
    store_id = getattr(dealership, "pk", dealership)
    return ReferralPolicy.objects.filter(dealership_id=store_id).first() or ReferralPolicy(
        dealership_id=store_id
    )


def add_business_hours(start: datetime, hours: float, *, policy=None, tz=None) -> datetime:
    """`start` + `hours` of the store's business time: its open days, from opening to closing
    (defaults: Monday to Saturday, 9:00 to 19:00) in the store's time zone."""
    policy = policy or ReferralPolicy()
    tz = tz or ZoneInfo(settings.TIME_ZONE)
    open_days = set(policy.open_days) & set(range(7))
    if not open_days or policy.closes_at <= policy.opens_at:
        raise ValueError("A store needs an open day and a closing time after its opening.")
    t = start.astimezone(tz)
    remaining = timedelta(hours=hours)
    while True:  # every open week takes some of `remaining`, so this ends
        day_open = datetime.combine(t.date(), policy.opens_at, tzinfo=tz)
        day_close = datetime.combine(t.date(), policy.closes_at, tzinfo=tz)
        if t.weekday() not in open_days or t >= day_close:
            t = datetime.combine(t.date() + timedelta(days=1), policy.opens_at, tzinfo=tz)
            continue
        t = max(t, day_open)
        if t + remaining <= day_close:
            return t + remaining
        remaining -= day_close - t
        t = datetime.combine(t.date() + timedelta(days=1), policy.opens_at, tzinfo=tz)


POLICY_FIELDS = ("ack_business_hours", "default_reward", "open_days", "opens_at", "closes_at")


@transaction.atomic
def update_policy(dealership, *, acting_user, **fields) -> ReferralPolicy:
    """A manager sets the store's referral time limit, business hours and default reward;
    the change is in the staff history (who, when, old → new). Referrals already sent keep
    the due time they were given."""
    if not acting_user.is_manager or acting_user.dealership_id != getattr(
        dealership, "pk", dealership
    ):
        raise PermissionDenied("Only a manager of the store can change its referral settings.")
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise TypeError(f"unknown referral policy fields: {sorted(unknown)}")
    policy, _ = ReferralPolicy.objects.select_for_update().get_or_create(dealership=dealership)
    changes = {}
    for name, value in fields.items():
        if name == "open_days":
            value = sorted({int(d) for d in value})
        old = getattr(policy, name)
        if old != value:
            changes[name] = [str(old), str(value)]
            setattr(policy, name, value)
    if changes:
        policy.full_clean(exclude=["dealership"])
        policy.save()
        StaffEvent.objects.create(
            dealership_id=policy.dealership_id,
            user=acting_user,
            actor=acting_user,
            verb="referral_policy_changed",
            changes=changes,
        )
        audit.record(
            acting_user, audit.Verb.SETTINGS_CHANGED, settings="referrals", changes=changes
        )
    return policy


def _event(referral, verb, *, actor, old="", new="", note="", at=None, via=""):
    return ReferralEvent.objects.create(
        via=via,
        dealership_id=referral.dealership_id,
        referral=referral,
        actor=actor,
        actor_store_id=actor.dealership_id if actor else None,
        at=at or timezone.now(),
        verb=verb,
        old_status=old,
        new_status=new,
        note=note[:500],
    )


def share_wording(customer, pro, interest) -> str:
    return SHARE_WORDING.format(
        store=customer.dealership.name, pro=pro.name, pro_store=pro.store_name, interest=interest
    )


@transaction.atomic
def send_referral(
    customer: Customer,
    *,
    acting_user,
    interest: str,
    pro: Pro | None = None,
    to_user=None,
    to_department: str = "",
    make: str = "",
    source: str = Referral.Source.UNPROMPTED,
    referrer_kind: str = Referral.Referrer.STAFF,
    referrer_customer: Customer | None = None,
    referrer_pro: Pro | None = None,
    from_outside: bool = False,
    note: str = "",
    direction_method: str = "",
    at=None,
    notify: bool = True,
) -> Referral:
    """Send `customer` to a pro of our network or to a person/department of our own store.

    Without the customer's "share" consent only the first name and the interest go to a
    partner. `direction_method` records, now, that the customer directed the share (the
    wording read to them lands on the consent and on their history).

    `from_outside`: someone not on Goodwill sent the customer to us — a pro of our network
    (`referrer_pro`) or a person (`referrer_customer`) — and `acting_user` logs it for them;
    it goes to a person or department of our store, and they are credited and thanked."""
    store = customer.dealership
    if acting_user.dealership_id != store.id:
        raise PermissionDenied("Not your store's customer.")
    errors = {}
    interest = (interest or "").strip()
    if not interest:
        errors["interest"] = ["Say what the customer wants, e.g. “a Toyota Tacoma”."]
    if source not in Referral.Source.values:
        errors["source"] = [f"Use one of {Referral.Source.values}."]
    if referrer_kind not in Referral.Referrer.values:
        errors["referrer_kind"] = [f"Use one of {Referral.Referrer.values}."]
    if referrer_customer is not None and referrer_customer.dealership_id != store.id:
        errors["referrer_customer"] = ["Pick a customer of your store."]
    from_outside = from_outside or referrer_pro is not None
    if referrer_pro is not None and (
        referrer_pro.dealership_id != store.id or not referrer_pro.is_active
    ):
        errors["referrer_pro"] = ["Pick an active pro of your network."]
    elif referrer_pro is not None and referrer_pro.user_id:
        errors["referrer_pro"] = [
            f"{referrer_pro.name} is on Goodwill: their referrals arrive in your inbox."
        ]
    if from_outside and (referrer_pro is None) == (referrer_customer is None):
        errors["referrer_pro"] = ["Say who sent the customer: one pro or one person."]
    if from_outside and pro is not None:
        errors["pro"] = ["A referral from outside comes to a person or department of your store."]
    targets = sum(bool(x) for x in (pro, to_user, to_department))
    if targets != 1:
        errors["pro"] = ["Pick one pro, or one person or department of your store."]
    if pro is not None and (pro.dealership_id != store.id or not pro.is_active):
        errors["pro"] = ["Pick an active pro of your network."]
    elif pro is not None and pro.store_id == store.id:
        errors["pro"] = ["That pro is in your own store: refer inside the store instead."]
    elif pro is not None and pro.user_id and not pro.user.is_active:
        # Their login was deactivated: nobody would see the referral in that inbox.
        errors["pro"] = [
            f"{pro.name} no longer works at {pro.store_name} on Goodwill: pick another pro."
        ]
    if to_user is not None and (to_user.dealership_id != store.id or not to_user.is_active):
        errors["to_user"] = ["Pick an active staff member of your store."]
    if to_department and to_department not in Dealership.Department.values:
        errors["to_department"] = [f"Use one of {Dealership.Department.values}."]
    if direction_method and direction_method not in Consent.Method.values:
        errors["direction_method"] = [f"Use one of {Consent.Method.values}."]
    if errors:
        raise ValidationError(errors)

    at = at or timezone.now()
    kind = Referral.Kind.PARTNER if pro else Referral.Kind.INTERNAL
    referral = Referral(
        dealership=store,
        from_dealership=store,
        kind=kind,
        source=source,
        referrer_kind=referrer_kind,
        customer=customer,
        referrer_customer=referrer_customer,
        referrer_pro=referrer_pro,
        from_outside=from_outside,
        sent_by=acting_user,
        pro=pro,
        to_user=to_user,
        to_department=to_department,
        interest=interest[:300],
        make=make[:40],
        shared_first_name=customer.first_name or "",
        sent_at=at,
    )
    wording = ""
    if kind == Referral.Kind.PARTNER:
        referral.to_user_id, referral.to_dealership_id = pro.user_id, pro.store_id
        wording = share_wording(customer, pro, interest)
        if direction_method:
            set_consent(
                customer,
                Consent.Channel.SHARE,
                granted=True,
                method=direction_method,
                acting_user=acting_user,
                wording=wording,
                at=at,
            )
        consent = Consent.objects.filter(
            customer=customer, channel=Consent.Channel.SHARE, granted=True
        ).first()
        full = consent is not None
        if full:
            wording = consent.wording or wording
            recorded = timezone.localtime(consent.recorded_at)  # the store's zone, as on pages
            how = f"{consent.get_method_display()}, recorded {recorded:%Y-%m-%d %H:%M}"
    else:
        referral.to_dealership_id = store.id
        full = True  # inside the store nothing leaves it
    if full:
        referral.shared_full = True
        referral.shared_last_name = customer.last_name
        referral.shared_company = customer.company_name
        referral.shared_phone = customer.primary_phone
        referral.shared_email = customer.primary_email
        referral.shared_note = note[:1000]
    if referral.to_dealership_id:
        # The receiving store's hours of acknowledgement (its row, behind the second wall).
        with storewall.across_stores("a referral's due time follows the receiver's policy"):
            policy = policy_for(referral.to_dealership_id)
        receiver = (
            store
            if referral.to_dealership_id == store.id
            else Dealership.objects.only("time_zone").get(pk=referral.to_dealership_id)
        )
        referral.ack_due_at = add_business_hours(
            at, policy.ack_business_hours, policy=policy, tz=receiver.zone
        )
    referral.save(force_insert=True)
    _event(referral, "sent", actor=acting_user, new=S.SENT, note=note, at=at)
    if referrer_pro is not None:
        Pro.objects.filter(pk=referrer_pro.pk).update(received_count=F("received_count") + 1)
    if pro is not None:
        Pro.objects.filter(pk=pro.pk).update(sent_count=F("sent_count") + 1)
        if pro.user_id:
            # Reciprocity seen from the other side: the receiving store's card of our sender.
            with storewall.across_stores("the receiver's card of the sender counts it"):
                Pro.objects.filter(dealership_id=pro.store_id, user=acting_user).update(
                    received_count=F("received_count") + 1
                )
    shared = _shared_fields(referral)
    if kind == Referral.Kind.PARTNER:
        record_event(
            customer,
            CustomerEvent.Verb.REFERRAL_SHARED,
            actor=acting_user,
            at=at,
            subject=f"to {pro.name} at {pro.store_name}"[:120],
            changes={
                "shared": ["", ", ".join(shared)],
                "interest": ["", interest],
                "customer's direction": [
                    "",
                    f"“{wording}” ({how})"
                    if full
                    else "none recorded: first name and interest only",
                ],
            },
            reason="Customer directed the share" if full else "No share consent",
        )
        audit.record(
            acting_user,
            audit.Verb.SHARED,
            customer,
            referral=referral.public_id,
            to=f"{pro.name} at {pro.store_name}",
            shared=shared,
            consent=(
                {
                    "method": consent.method,
                    "recorded_at": consent.recorded_at,
                    "recorded_by": consent.recorded_by_id,
                    "wording": consent.wording,
                }
                if full
                else None
            ),
        )
    else:
        record_event(
            customer,
            CustomerEvent.Verb.REFERRAL_SENT,
            actor=acting_user,
            at=at,
            subject=f"to {referral.to_display} (our store)"[:120],
            changes={"interest": ["", interest]},
        )
    referral_sent.send(sender=Referral, referral=referral, at=at)
    if notify:  # demo data and imports of history email nobody
        emails.email_later(referral, "sent")
    return referral


def _shared_fields(referral) -> list[str]:
    out = ["first name", "interest"]
    for label, value in (
        ("last name", referral.shared_last_name),
        ("company", referral.shared_company),
        ("phone", referral.shared_phone),
        ("email", referral.shared_email),
        ("note", referral.shared_note),
    ):
        if value:
            out.append(label)
    return out


def can_work(referral: Referral, user) -> bool:
    """The receiving store works the referral; for a pro not on Goodwill the sender records
    what the pro reports."""
    if referral.to_dealership_id is None:
        return user.dealership_id == referral.from_dealership_id
    return user.dealership_id == referral.to_dealership_id


@transaction.atomic
def transition(
    referral: Referral,
    action: str,
    *,
    acting_user,
    via: str = "",
    note: str = "",
    value: Decimal | None = None,
    reason: str = "",
    reward_amount: Decimal | None = None,
    at=None,
    notify: bool = True,
) -> Referral:
    if action not in TRANSITIONS:
        raise ValidationError({"action": [f"Use one of {sorted(TRANSITIONS)}."]})
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if via == ReferralEvent.VIA_PRO_LINK:
        # The outside pro reports through their own link: nobody signs in (`acting_user`
        # is None), and only a referral to a pro who is not on Goodwill takes such a report.
        if acting_user is not None or referral.to_dealership_id or not referral.pro_id:
            raise PermissionDenied("Only a pro not on Goodwill reports through a link.")
        if action not in PRO_LINK_ACTIONS:
            raise ValidationError({"action": [f"Use one of {sorted(PRO_LINK_ACTIONS)}."]})
        pro = referral.pro
        said = (note or reason).strip()
        note = f"Reported by {pro.name} ({pro.store_name}) through their link" + (
            f": {said}" if said else ""
        )
    elif via:
        raise ValidationError({"via": ["Unknown way of reporting."]})
    elif acting_user is None or not can_work(referral, acting_user):
        raise PermissionDenied("Only the receiving store works this referral.")
    # Allowed: the outcome is written on both stores' rows — the sender's card of the pro
    # learns, the sender's customer is thanked and surveyed (the second wall,
    # core/storewall.py; the receiver's pages never read those rows).
    with storewall.across_stores("a referral's outcome is written on both stores' rows"):
        return _apply_transition(
            referral,
            action,
            acting_user=acting_user,
            via=via,
            note=note,
            value=value,
            reason=reason,
            reward_amount=reward_amount,
            at=at,
            notify=notify,
        )


def _apply_transition(
    referral, action, *, acting_user, via, note, value, reason, reward_amount, at, notify
) -> Referral:
    allowed, new = TRANSITIONS[action]
    if referral.status not in allowed:
        raise ValidationError(
            {
                "status": [
                    f"A referral that is {referral.get_status_display().lower()} cannot be "
                    f"marked {S(new).label.lower()}."
                ]
            }
        )
    if action == "win" and (value is None or value < 0):
        raise ValidationError({"value": ["Record the value of the sale (0 or more)."]})
    if action in ("lose", "send_back") and not (reason or "").strip():
        raise ValidationError({"reason": ["Say why, so the sender learns from it."]})
    if reward_amount is not None and reward_amount <= 0:
        raise ValidationError({"reward_amount": ["A reward is a positive amount."]})
    at = at or timezone.now()
    old = referral.status
    referral.status = new
    fields = ["status", "updated_at"]
    pro_updates = {}
    if referral.acknowledged_at is None and new != S.RETURNED:
        referral.acknowledged_at = at
        fields.append("acknowledged_at")
        seconds = max(0, int((at - referral.sent_at).total_seconds()))
        pro_updates |= {
            "acked_count": F("acked_count") + 1,
            "ack_seconds_total": F("ack_seconds_total") + seconds,
        }
    if new in Referral.CLOSED:
        referral.closed_at = at
        fields.append("closed_at")
        if new in (S.WON, S.LOST):
            pro_updates["closed_count"] = F("closed_count") + 1
    if new == S.WON:
        referral.value = value
        fields.append("value")
        pro_updates["won_count"] = F("won_count") + 1
    if new in (S.LOST, S.RETURNED):
        referral.lost_reason = reason.strip()[:300]
        fields.append("lost_reason")
    referral.save(update_fields=fields)
    _event(
        referral, action, actor=acting_user, old=old, new=new, note=note or reason, at=at, via=via
    )
    if pro_updates:
        # The sender's card of this pro and the pro's own directory card both learn.
        Pro.objects.filter(pk=referral.pro_id).update(**pro_updates)
        if referral.to_user_id:
            Pro.objects.filter(user_id=referral.to_user_id, listed=True).update(**pro_updates)
    if new == S.WON:
        _say_thank_you(referral, acting_user=acting_user, reward_amount=reward_amount)
    if new in (S.WON, S.LOST) and referral.kind == Referral.Kind.PARTNER:
        # The pro handled our customer: worth asking the customer how the referral went (the
        # feedback app schedules it on the sending store's side). Inside the store the sale
        # or the repair order is what gets surveyed.
        experience_completed.send(
            sender=Referral,
            customer=referral.customer,
            department="referral",
            staff=referral.sent_by,
            key=f"referral:{referral.public_id}",
            at=at,
            subject=f"our referral to {referral.to_display}"[:120],
        )
    if notify:
        emails.email_later(referral, "status", action=action)
    return referral


def _thank_you_message(referral, *, thanker, whom) -> str:
    what = referral.interest
    return (
        f"Dear {whom.split()[0]},\n\n"
        f"Thank you for sending {referral.shared_first_name or 'your friend'} our way for "
        f"{what}. It worked out: they are taken care of, and it is because you trusted us "
        f"with them. It means a great deal.\n\nWith gratitude,\n{thanker}"
    )


def _say_thank_you(referral: Referral, *, acting_user, reward_amount) -> None:
    """The referrer gets thanked: a task for whoever received the business, and an
    optional reward entering the approval list (guarded against abuse)."""
    winner_store = referral.to_dealership_id or referral.from_dealership_id
    if referral.kind == Referral.Kind.PARTNER and referral.to_dealership_id:
        # The pro thanks the salesperson who sent the customer, card in hand.
        sender = referral.sent_by
        assignee = referral.to_user or acting_user
        ThankYou.objects.create(
            dealership_id=winner_store,
            referral=referral,
            assigned_to=assignee,
            to_user=sender,
            thank_whom=f"{sender.display_name} ({referral.from_dealership.name})",
            thank_whom_kind=Referral.Referrer.PARTNER,
            message=_thank_you_message(
                referral, thanker=assignee.display_name, whom=sender.display_name
            ),
        )
    elif (
        referral.kind == Referral.Kind.INTERNAL
        and not referral.from_outside  # whoever logged it for the outside sender referred nobody
        and referral.sent_by_id != acting_user.id
    ):
        ThankYou.objects.create(
            dealership_id=winner_store,
            referral=referral,
            assigned_to=acting_user,
            to_user=referral.sent_by,
            thank_whom=referral.sent_by.display_name,
            thank_whom_kind=Referral.Referrer.STAFF,
            message=_thank_you_message(
                referral, thanker=acting_user.display_name, whom=referral.sent_by.display_name
            ),
        )
    if referral.referrer_customer_id:
        # A customer, friend or partner of the sending store brought it: the sender thanks them.
        who = referral.referrer_customer
        ThankYou.objects.create(
            dealership_id=referral.from_dealership_id,
            referral=referral,
            assigned_to=referral.sent_by,
            to_customer=who,
            thank_whom=who.display_name,
            thank_whom_kind=referral.referrer_kind,
            message=_thank_you_message(
                referral, thanker=referral.sent_by.display_name, whom=who.display_name
            ),
        )
    if referral.referrer_pro_id:
        # A pro not on Goodwill sent the customer to us: the one who logged it thanks them.
        pro = referral.referrer_pro
        ThankYou.objects.create(
            dealership_id=referral.from_dealership_id,
            referral=referral,
            assigned_to=referral.sent_by,
            to_pro=pro,
            thank_whom=f"{pro.name} ({pro.store_name})"[:160],
            thank_whom_kind=Referral.Referrer.PARTNER,
            message=_thank_you_message(
                referral, thanker=referral.sent_by.display_name, whom=pro.name
            ),
        )
    amount = reward_amount
    if amount is None:
        default = policy_for(winner_store).default_reward
        amount = default if default > 0 else None
    if amount is not None:
        create_reward(referral, amount=amount, dealership_id=winner_store)


def reward_checks(referral: Referral) -> tuple[str | None, list[str]]:
    """(why no reward at all, [why flag for review]) — abuse guards on rewards."""
    customer = referral.customer
    referrer = referral.referrer_customer
    if referrer is not None and (
        referrer.pk == customer.pk
        or (referrer.primary_phone and referrer.primary_phone == customer.primary_phone)
        or (referrer.primary_email and referrer.primary_email == customer.primary_email)
    ):
        return "Self-referral: the referrer is the customer.", []
    if (
        referral.kind == Referral.Kind.INTERNAL
        and customer.created_at < referral.sent_at - timedelta(days=1)
        and customer.relationship == Customer.Relationship.CUSTOMER
    ):
        return f"{customer.display_name} was already a customer of the store.", []
    if referral.to_dealership_id and referral.kind == Referral.Kind.PARTNER:
        contact = Q()
        if referral.shared_phone:
            contact |= Q(primary_phone=referral.shared_phone)
        if referral.shared_email:
            contact |= Q(primary_email__iexact=referral.shared_email)
        if contact and (
            Customer.objects.for_dealership(referral.to_dealership_id)
            .filter(contact, relationship=Customer.Relationship.CUSTOMER)
            .exists()
        ):
            return "The customer was already a customer of the receiving store.", []
    flags = []
    if referral.closed_at and referral.closed_at - referral.sent_at < timedelta(hours=1):
        flags.append("Won less than an hour after it was sent.")
    payee_rewards = Reward.objects.filter(
        referral__sent_by=referral.sent_by,
        referral__referrer_customer=referrer,
        created_at__gte=timezone.now() - timedelta(days=30),
    ).count()
    if payee_rewards >= 3:
        flags.append(f"{payee_rewards} rewards to the same referrer in 30 days.")
    return None, flags


def payee_for(referral, dealership_id) -> str:
    """Whom the store paying the reward pays. The receiving store pays the salesperson who
    sent the business, never the sending store's referrer customer by name (the sender's
    data; that store passes the reward on)."""
    if referral.referrer_customer_id and dealership_id == referral.from_dealership_id:
        return referral.referrer_customer.display_name
    return f"{referral.sent_by.display_name} ({referral.from_dealership.name})"


@transaction.atomic
def create_reward(referral: Referral, *, amount: Decimal, dealership_id) -> Reward | None:
    refused, flags = reward_checks(referral)
    if refused:
        _event(referral, "reward_refused", actor=None, note=refused)
        return None
    if amount > 1000:
        flags.append("Amount above $1,000.")
    reward = Reward.objects.create(
        dealership_id=dealership_id,
        referral=referral,
        payee=payee_for(referral, dealership_id),
        amount=amount,
        flagged=bool(flags),
        flag_reason=" ".join(flags)[:300],
    )
    _event(referral, "reward_proposed", actor=None, note=f"${amount} to {reward.payee}")
    return reward


@transaction.atomic
def decide_reward(reward: Reward, *, acting_user, decision: str, note: str = "") -> Reward:
    if not acting_user.is_manager or acting_user.dealership_id != reward.dealership_id:
        raise PermissionDenied("A manager of the store approves rewards.")
    reward = Reward.objects.select_for_update().get(pk=reward.pk)
    allowed = {
        "approve": ({Reward.Status.PENDING}, Reward.Status.APPROVED),
        "reject": ({Reward.Status.PENDING}, Reward.Status.REJECTED),
        "paid": ({Reward.Status.APPROVED}, Reward.Status.PAID),
    }
    if decision not in allowed:
        raise ValidationError({"decision": [f"Use one of {sorted(allowed)}."]})
    sources, new = allowed[decision]
    if reward.status not in sources:
        raise ValidationError({"decision": [f"This reward is {reward.status} already."]})
    if decision == "reject" and not note.strip():
        raise ValidationError({"note": ["Say why the reward is rejected."]})
    old = reward.status
    reward.status, reward.decided_by, reward.decided_at = new, acting_user, timezone.now()
    reward.decision_note = note[:300]
    reward.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    _event(reward.referral, f"reward_{new}", actor=acting_user, old=old, new=new, note=note)
    return reward


@transaction.atomic
def remind(referral: Referral, *, at=None, notify: bool = True) -> list[str]:
    """Remind the pro and their managers of an unacknowledged referral; returns addresses."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.status != S.SENT or referral.reminded_at is not None:
        return []
    at = at or timezone.now()
    recipients = []
    if referral.to_user_id and referral.to_user.email:
        recipients.append(referral.to_user.email)
    if referral.to_dealership_id:
        recipients += list(
            User.objects.filter(
                dealership_id=referral.to_dealership_id,
                is_active=True,
                role__in=User.MANAGER_ROLES,
            )
            .exclude(email="")
            .values_list("email", flat=True)
        )
    referral.reminded_at = at
    referral.save(update_fields=["reminded_at"])
    _event(
        referral, "reminded", actor=None, note=f"Reminder to {', '.join(recipients) or 'nobody'}"
    )
    if notify:
        emails.email_later(referral, "reminder", recipients=recipients)
    return recipients
