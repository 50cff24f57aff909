"""What is mine to do now: the one list the My day page and `GET /api/v1/my-day` render.

`my_day(user)` reads each source once (a bounded query per kind, `LIMIT` rows), turns every
row into an `Item` and sorts the items most urgent first:

    0  someone is in the showroom for me now (an up waiting for me, a T.O. handed to me)
    1  overdue (a referral past its acknowledgement limit, a follow-up past due)
    2  due today (today's appointments, follow-ups due later today)
    3  open work (thank-yous, fails cases I claimed, service opportunities, replies)

Managers also get their team's overdue items (`team=True`), after their own. Times are
compared in the store's time zone ("today" is the store's day).

An app that cannot be imported here (none today) plugs in through `EXTRA_SOURCES`: a
function `(user, now) -> list[Item]` appended there (see `register`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from goodwill.fails.models import FailsCase, FollowUp
from goodwill.feedback.models import RecoveryTask
from goodwill.floor.models import Appointment, Deal, TurnOver, Up
from goodwill.messaging.models import Message
from goodwill.outreach import policy
from goodwill.referrals import actions as referral_actions
from goodwill.referrals.models import Referral, ThankYou
from goodwill.referrals.thanks import on_my_day as thank_yous_on_my_day
from goodwill.service.reports import open_opportunities_for

LIMIT = 25  # rows per kind; each kind's own page lists the rest

NOW, OVERDUE, TODAY, OPEN = 0, 1, 2, 3


@dataclass(frozen=True)
class Action:
    """One tap from the line: a link (`method="get"`, `tel:`/`mailto:` included) or a POST
    button. `allowed=False` shows it greyed with `reason` (no consent, cap reached …)."""

    label: str
    url: str
    method: str = "get"
    allowed: bool = True
    reason: str = ""
    channel: str = ""


@dataclass
class Item:
    kind: str
    kind_label: str
    id: str
    title: str
    detail: str
    url: str
    rank: int
    when: datetime | None = None
    overdue: bool = False
    note: str = ""
    customer_id: str | None = None
    phone: str = ""
    email: str = ""
    cap: str = ""
    owner: str = ""
    team: bool = False
    actions: list[Action] = field(default_factory=list)

    @property
    def sort_key(self):
        far = datetime.max.replace(tzinfo=UTC)
        return (self.team, self.rank, self.when or far, self.title)


@dataclass
class Day:
    items: list[Item]
    now: datetime
    ack_hours: int

    @property
    def count(self) -> int:
        """What the nav shows: my own items (the team's are the manager's to chase)."""
        return sum(1 for item in self.items if not item.team)

    @property
    def mine(self) -> list[Item]:
        return [item for item in self.items if not item.team]

    @property
    def team(self) -> list[Item]:
        return [item for item in self.items if item.team]


Source = Callable[..., list[Item]]
EXTRA_SOURCES: list[Source] = []


def register(source: Source) -> Source:
    """Add a source of items from an app this one cannot import."""
    EXTRA_SOURCES.append(source)
    return source


def _day_bounds(now: datetime, zone) -> tuple[datetime, datetime]:
    start = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


# --------------------------------------------------------------------------- referrals
def _referral_item(referral: Referral, now, ack_hours: int, *, team=False) -> Item:
    overdue = referral.ack_due_at is not None and referral.ack_due_at < now
    owner = referral.to_user.display_name if team and referral.to_user_id else ""
    return Item(
        kind="referral",
        kind_label="Referral to acknowledge",
        id=str(referral.public_id),
        title=referral.shared_name or "A referral",
        detail=f"{referral.interest} · from {referral.from_dealership.name}",
        url=reverse("referrals:detail", kwargs={"referral_id": referral.public_id}),
        rank=OVERDUE if overdue else OPEN,
        when=referral.ack_due_at,
        overdue=overdue,
        note=f"Acknowledge within {ack_hours} business hours",
        owner=owner,
        team=team,
        actions=[]
        if team
        else [
            Action(
                "Acknowledge",
                reverse("referrals:acknowledge", kwargs={"referral_id": referral.public_id}),
                "post",
            )
        ],
    )


def _referrals(user, now, ack_hours) -> list[Item]:
    rows = (
        Referral.objects.visible_to(user)
        .filter(to_dealership_id=user.dealership_id, status=Referral.Status.SENT)
        .select_related("from_dealership", "to_user")
        .order_by("ack_due_at", "sent_at", "id")
    )
    mine = Q(to_user=user)
    if user.is_manager:  # a referral to a department waits for a manager to route it
        mine |= Q(to_user__isnull=True)
    items = [_referral_item(r, now, ack_hours) for r in rows.filter(mine)[:LIMIT]]
    if user.is_manager:
        late = rows.exclude(mine).filter(ack_due_at__lt=now)[:LIMIT]
        items += [_referral_item(r, now, ack_hours, team=True) for r in late]
    return items


# --------------------------------------------------------------------------- follow-ups
def _follow_up_item(follow_up: FollowUp, now, reach, *, team=False) -> Item:
    customer = follow_up.customer
    overdue = follow_up.due_at < now
    customer_url = reverse("customers:detail", kwargs={"customer_id": customer.public_id})
    write_url = reverse("messaging:conversation", kwargs={"customer_id": customer.public_id})
    write_url += f"?follow_up={follow_up.public_id}"
    item = Item(
        kind="follow_up",
        kind_label=follow_up.get_kind_display(),
        id=str(follow_up.public_id),
        title=customer.display_name,
        detail=follow_up.note or f"{follow_up.get_channel_display()} planned",
        url=customer_url,
        rank=OVERDUE if overdue else TODAY,
        when=follow_up.due_at,
        overdue=overdue,
        customer_id=str(customer.public_id),
        phone=customer.primary_phone,
        email=customer.primary_email,
        owner=follow_up.owner.display_name if team else "",
        team=team,
    )
    if team or reach is None:
        return item
    item.cap = reach.cap_text
    call, text, mail = (reach.open[c] for c in ("phone", "text", "email"))
    item.actions = [
        Action("Call", f"tel:{customer.primary_phone}", "get", call.allowed, call.reason, "phone"),
        Action(
            "Text", f"{write_url}&channel=text#message", "get", text.allowed, text.reason, "text"
        ),
        Action(
            "Email", f"{write_url}&channel=email#message", "get", mail.allowed, mail.reason, "email"
        ),
        Action(
            "Done",
            reverse("fails:follow_up_done", kwargs={"follow_up_id": follow_up.public_id}),
            "post",
        ),
    ]
    return item


def _follow_ups(user, now, end_of_day) -> list[Item]:
    rows = (
        FollowUp.objects.for_dealership(user.dealership_id)
        .filter(status=FollowUp.Status.DUE)
        .select_related("customer", "owner")
        .order_by("due_at", "id")
    )
    mine = list(rows.filter(owner=user, due_at__lt=end_of_day)[:LIMIT])
    reach = policy.reach_many(user.dealership, [f.customer for f in mine], at=now)
    items = [_follow_up_item(f, now, reach.get(f.customer_id)) for f in mine]
    if user.is_manager:
        late = rows.exclude(owner=user).filter(due_at__lt=now)[:LIMIT]
        items += [_follow_up_item(f, now, None, team=True) for f in late]
    return items


# --------------------------------------------------------------------------- customer lines
def _customer_line(row, *, url: str, action: Action | str, customer=None, **fields) -> Item:
    """A line about one customer's `row` (an up, a case, a text…): titled with the customer's
    name (`row.customer` unless given), carrying their public id, linked to `url`. `action` is
    the line's one tap, or just its label when the tap opens `url`. Callers join the customer
    (`select_related`): reading it here is no query."""
    customer = customer or row.customer
    if isinstance(action, str):
        action = Action(action, url)
    return Item(
        id=str(row.public_id),
        title=customer.display_name,
        customer_id=str(customer.public_id),
        url=url,
        actions=[action],
        **fields,
    )


# --------------------------------------------------------------------------- the floor
def _floor(user, now, start, end) -> list[Item]:
    store = user.dealership_id
    ups = (
        Up.objects.for_dealership(store)
        .filter(status=Up.Status.WAITING, designated_to=user)
        .select_related("customer")
        .order_by("logged_at", "id")[:LIMIT]
    )
    items = [
        _customer_line(
            up,
            url=reverse("floor:board"),
            action=Action("Take", reverse("floor:take", kwargs={"up_id": up.public_id}), "post"),
            kind="up",
            kind_label="Up waiting for you",
            detail=f"{up.get_source_display()}" + (f" · {up.interest}" if up.interest else ""),
            rank=NOW,
            when=up.logged_at,
        )
        for up in ups
    ]
    turnovers = (
        TurnOver.objects.for_dealership(store)
        .filter(to_user=user, result=TurnOver.Result.PENDING, deal__outcome=Deal.Outcome.OPEN)
        .select_related("deal__customer", "from_user")
        .order_by("at", "id")[:LIMIT]
    )
    items += [
        _customer_line(
            to,
            customer=to.deal.customer,
            url=reverse("floor:deal", kwargs={"deal_id": to.deal.public_id}),
            action="Open the deal",
            kind="turnover",
            kind_label="T.O. handed to you",
            detail=f"From {to.from_user.display_name}" + (f" · {to.reason}" if to.reason else ""),
            rank=NOW,
            when=to.at,
        )
        for to in turnovers
    ]
    appointments = (
        Appointment.objects.for_dealership(store)
        .filter(
            salesperson=user,
            status=Appointment.Status.SET,
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .select_related("customer")
        .order_by("starts_at", "id")[:LIMIT]
    )
    items += [
        _customer_line(
            appointment,
            url=reverse("floor:appointments"),
            action=Action(
                "Open",
                reverse("customers:detail", kwargs={"customer_id": appointment.customer.public_id}),
            ),
            kind="appointment",
            kind_label="Appointment today",
            detail=appointment.purpose or "Appointment",
            rank=TODAY,
            when=appointment.starts_at,
            overdue=appointment.starts_at < now,
            phone=appointment.customer.primary_phone,
        )
        for appointment in appointments
    ]
    return items


# --------------------------------------------------------------------------- open work
def _open_work(user) -> list[Item]:
    items = []
    for thanks in thank_yous_on_my_day(user)[: 2 * LIMIT]:
        if thanks.status == ThankYou.Status.OPEN:
            items.append(
                Item(
                    kind="thank_you",
                    kind_label="Thank-you to write",
                    id=str(thanks.public_id),
                    title=thanks.thank_whom,
                    detail="For a won referral",
                    url=reverse("referrals:thanks"),
                    rank=OPEN,
                    when=thanks.created_at,
                    actions=[Action("Write it", reverse("referrals:thanks"))],
                )
            )
            continue
        # A note someone (maybe a pro at another store) sent me: here until I read it.
        url = reverse("referrals:thank_you", kwargs={"thankyou_id": thanks.public_id})
        items.append(
            Item(
                kind="thank_you_received",
                kind_label="A thank-you for you",
                id=str(thanks.public_id),
                title=f"{thanks.done_by.display_name} ({thanks.dealership.name})",
                detail=f"For {thanks.referral.shared_name}: {thanks.referral.interest}"[:160],
                url=url,
                rank=OPEN,
                when=thanks.done_at,
                actions=[Action("Read it", url)],
            )
        )
    cases = (
        FailsCase.objects.visible_to(user)
        .filter(claimed_by=user, status=FailsCase.Status.CLAIMED)
        .select_related("customer")
        .order_by("claimed_at", "id")[:LIMIT]
    )
    items += [
        _customer_line(
            case,
            url=reverse("fails:case", kwargs={"case_id": case.public_id}),
            action="Work it",
            kind="fails_case",
            kind_label="Fails case you claimed",
            detail=case.reason,
            rank=OPEN,
            when=case.claimed_at,
        )
        for case in cases
    ]
    items += [
        _customer_line(
            opportunity,
            url=reverse("service:opportunity", kwargs={"opportunity_id": opportunity.public_id}),
            action="Open",
            kind="opportunity",
            kind_label="Service opportunity",
            detail=opportunity.reason,
            rank=OPEN,
            when=opportunity.created_at,
        )
        for opportunity in open_opportunities_for(user)[:LIMIT]
    ]
    tasks = (
        RecoveryTask.objects.visible_to(user)
        .filter(status=RecoveryTask.Status.OPEN)
        .filter(Q(manager=user) | Q(manager__isnull=True))
        .select_related("customer")
        .order_by("opened_at", "id")[:LIMIT]
    )
    items += [
        _customer_line(
            task,
            url=reverse("feedback:recovery_detail", kwargs={"task_id": task.public_id}),
            action="Work it",
            kind="recovery",
            kind_label="Unhappy customer to win back",
            detail=f"Scored {task.score}" + (f": “{task.comment[:120]}”" if task.comment else ""),
            rank=OVERDUE,
            when=task.opened_at,
            phone=task.customer.primary_phone,
        )
        for task in tasks
    ]
    return items


# --------------------------------------------------------------------------- replies
def _replies(user) -> list[Item]:
    """Texts from customers to me that I have not opened yet."""
    messages = (
        Message.objects.for_dealership(user.dealership_id)
        .filter(direction=Message.Direction.IN, recipient=user, read_at__isnull=True)
        .select_related("customer")
        .order_by("at", "id")[:LIMIT]
    )
    items = []
    for message in messages:
        url = reverse("messaging:conversation", kwargs={"customer_id": message.customer.public_id})
        items.append(
            _customer_line(
                message,
                url=url,
                action=Action("Reply", url + "#message"),
                kind="message",
                kind_label="Text from a customer",
                detail=message.body[:140],
                rank=OVERDUE,
                when=message.at,
                phone=message.from_address,
            )
        )
    return items


def my_day(user, *, now: datetime | None = None) -> Day:
    """Everything that is `user`'s to act on now, most urgent first."""
    now = now or timezone.now()
    start, end = _day_bounds(now, policy.store_zone(user.dealership))
    ack_hours = referral_actions.policy_for(user.dealership).ack_business_hours
    items = [
        *_floor(user, now, start, end),
        *_referrals(user, now, ack_hours),
        *_follow_ups(user, now, end),
        *_replies(user),
        *_open_work(user),
    ]
    for source in EXTRA_SOURCES:
        items += source(user, now)
    items.sort(key=lambda item: item.sort_key)
    return Day(items=items, now=now, ack_hours=ack_hours)
