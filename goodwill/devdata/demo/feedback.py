"""Demo surveys: a year of "how did we do?" at every store, through the real actions — sent
under the ask policy (customers without email consent are not surveyed), answered with a
Net Promoter score that climbs over the year, promoters invited and a few of their friends
introduced, detractors' recovery tasks mostly closed (some won back). Nobody is emailed."""

from collections import Counter
from datetime import datetime, timedelta

from django.utils import timezone

from goodwill.customers.models import Customer
from goodwill.dealerships.actions import set_group
from goodwill.dealerships.models import User
from goodwill.feedback import actions
from goodwill.feedback.models import RecoveryTask, Survey
from goodwill.outreach.actions import end_hold
from goodwill.outreach.models import AskHold

MONTHS = 12
GROUP_NAME, GROUP_STORES = "Capital Auto Group", ("ford", "chevy", "cdjr")
# Surveys per month: the Ford store (the docs' personas) gets the fullest history; the
# others enough for their charts. ~350 surveys in all keeps the demo's seeding quick.
PER_MONTH = {"ford": 12}
OTHER_STORES_PER_MONTH = 2
ANSWERED = 0.65  # of those sent

COMMENTS = {
    "promoter": [
        "Easy from start to finish — no pressure at all.",
        "{staff} knew the truck inside out and never rushed us.",
        "Car was ready when promised and they washed it.",
        "Best buying experience I have had. Telling my brother.",
        "",
    ],
    "passive": [
        "Fine, but the paperwork took a while.",
        "Good service, waiting room coffee was cold.",
        "OK overall. Price was fair.",
        "",
    ],
    "detractor": [
        "Waited two hours for finance.",
        "Nobody called me back about my plates.",
        "Car came back with the same noise.",
        "Felt pushed into the extended warranty.",
        "The loaner was not ready and nobody said so.",
    ],
}
ACTIONS_TAKEN = [
    "Called, apologised, and had the finance manager walk through the paperwork again.",
    "Brought the car back in, fixed the noise at no charge, detail on the house.",
    "Sent the plates by courier and a gift card for the trouble.",
    "Left two messages; no answer.",
    "Refunded the warranty as asked.",
]


def _score(rng, progress: float) -> int:
    """A year that gets better: promoters ~38 % → ~66 %, detractors ~32 % → ~12 %."""
    promoter, detractor = 0.38 + 0.28 * progress, 0.32 - 0.20 * progress
    roll = rng.random()
    if roll < promoter:
        return rng.choice([9, 10, 10])
    if roll < promoter + detractor:
        return rng.choice([2, 3, 4, 5, 5, 6, 6, 6])
    return rng.choice([7, 8, 8])


def _daytime(rng, store, when) -> datetime:
    """Store time between 10 AM and 5 PM (the ask policy's quiet hours are at night)."""
    local = timezone.localtime(when, store.zone)
    return local.replace(hour=rng.randint(10, 16), minute=rng.randint(0, 59), second=0)


def seed(*, rng, stores) -> str:
    now = timezone.now()
    totals = Counter()
    for store in stores:
        staff = list(User.objects.filter(dealership=store, is_active=True).order_by("id"))
        sellers = [u for u in staff if u.role in User.SALES_ROLES] or staff
        advisors = [u for u in staff if u.role in User.SERVICE_ROLES]
        customers = list(
            Customer.objects.for_dealership(store)
            .filter(kind="person", consents__channel="email", consents__granted=True)
            .exclude(primary_email="")
            .order_by("id")
        )
        without = list(
            Customer.objects.for_dealership(store)
            .exclude(consents__channel="email", consents__granted=True)
            .order_by("id")[:20]
        )
        if not customers:
            continue
        for month in range(MONTHS, 0, -1):
            progress = (MONTHS - month) / (MONTHS - 1)
            for n in range(PER_MONTH.get(store.slug, OTHER_STORES_PER_MONTH)):
                days = 30 * month - rng.uniform(0, 28)
                at = _daytime(rng, store, now - timedelta(days=max(days, 6)))
                service = advisors and rng.random() < 0.4
                staff_member = rng.choice(advisors if service else sellers)
                pool = without if without and rng.random() < 0.06 else customers
                survey = actions.schedule_survey(
                    rng.choice(pool),
                    department="service" if service else "sales",
                    key=f"demo:{store.slug}:{month}:{n}",
                    staff=staff_member,
                    at=at,
                    subject="your service visit" if service else "",
                    queue=False,
                )
                actions.send_survey(survey.pk, now=survey.due_at, notify=False, retry=False)
                survey.refresh_from_db()
                totals[survey.status] += 1
                if survey.status != Survey.Status.SENT or rng.random() > ANSWERED:
                    continue
                score = _score(rng, progress)
                kind = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
                comment = rng.choice(COMMENTS[kind]).format(staff=staff_member.first_name)
                answered = survey.sent_at + timedelta(hours=rng.uniform(1, 60))
                response = actions.answer_survey(survey, score=score, comment=comment, now=answered)
                totals[kind] += 1
                if response.is_promoter and rng.random() < 0.2:
                    link = actions.invitation_for(survey)
                    if link is not None:
                        _introduce(rng, link, at=answered + timedelta(hours=2))
                        totals["friends"] += 1
            # The month's managers work their recovery tasks.
            _recover(rng, now - timedelta(days=30 * (month - 1)))
    recovered = RecoveryTask.objects.filter(won_back=True).count()
    # One owner's three stores: their dealer admins (dana.ford) see the group's NPS.
    for store in stores:
        if store.slug in GROUP_STORES:
            set_group(store, GROUP_NAME)
    return (
        f"feedback: {totals['sent']} surveys sent ({totals['not_sent']} not sent), "
        f"{totals['promoter']} promoters, {totals['passive']} passives, "
        f"{totals['detractor']} detractors ({recovered} won back), "
        f"{totals['friends']} friends introduced"
    )


FRIENDS = [("Maria", "Lopez"), ("Dev", "Patel"), ("Jo", "Nguyen"), ("Sam", "Okafor")]


def _introduce(rng, link, *, at) -> None:
    first, last = rng.choice(FRIENDS)
    tag = rng.randrange(1000, 9999)
    actions.refer_friend(
        link,
        first_name=first,
        last_name=last,
        email=f"{first.lower()}.{last.lower()}{tag}@example.com",
        interest=rng.choice(["a family SUV", "a first car for my son", "a work truck"]),
        consent=True,
        consent_wording="My friend agreed that the store may contact them (demo).",
        by_promoter=True,
        at=at,
        notify=False,
    )


def _recover(rng, now) -> None:
    """Managers close most recovery tasks older than ten days; about half win the customer
    back."""
    for task in RecoveryTask.objects.filter(
        status=RecoveryTask.Status.OPEN, opened_at__lt=now - timedelta(days=10), closed_at=None
    ).select_related("manager"):
        if task.manager is None or rng.random() > 0.8:
            continue
        action = rng.choice(ACTIONS_TAKEN)
        won_back = "no answer" not in action and rng.random() < 0.6
        actions.close_recovery(
            task,
            acting_user=task.manager,
            action_taken=action,
            won_back=won_back,
            at=task.opened_at + timedelta(days=rng.uniform(0.5, 5)),
        )
        if won_back:
            # Closing keeps the customer out of the asks; a manager who won them back may
            # end the hold by hand (the other way out is a later answer of 7 or more).
            for hold in AskHold.objects.filter(
                customer_id=task.customer_id, reason="detractor", ended_at__isnull=True
            ):
                end_hold(hold, by=task.manager, note="Won back: " + action[:200])
