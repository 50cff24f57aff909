"""See delight: the Net Promoter score of a store by month, department and staff member,
detractors recovered, and whether promoters refer more than everyone else. Read only; each
figure is computed from the answers (one grouped query per table), and the pages drill down
to the answers behind it."""

from collections import defaultdict
from datetime import timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from goodwill.feedback.models import Department, RecoveryTask, SurveyResponse
from goodwill.referrals.models import Referral

CATEGORIES = ("promoter", "passive", "detractor")


def nps(promoters: int, detractors: int, answers: int) -> int | None:
    """% promoters − % detractors, rounded; None without answers."""
    if not answers:
        return None
    return round(100 * (promoters - detractors) / answers)


def _row(counts: dict) -> dict:
    answers = sum(counts.get(c, 0) for c in CATEGORIES)
    return {
        "answers": answers,
        **{c: counts.get(c, 0) for c in CATEGORIES},
        "nps": nps(counts.get("promoter", 0), counts.get("detractor", 0), answers),
    }


def _zone(dealership):
    return getattr(dealership, "zone", None)


def answers_since(dealership, months: int = 12):
    since = timezone.now() - timedelta(days=31 * months)
    return SurveyResponse.objects.for_dealership(dealership).filter(answered_at__gte=since)


def by_month(dealership, months: int = 12, department: str = "") -> list[dict]:
    """One row per month (store time), oldest first: answers, categories, NPS."""
    rows = answers_since(dealership, months)
    if department:
        rows = rows.filter(department=department)
    grouped = defaultdict(dict)
    for month, category, n in (
        rows.annotate(month=TruncMonth("answered_at", tzinfo=_zone(dealership)))
        .values_list("month", "category")
        .annotate(n=Count("id"))
        .order_by()
    ):
        grouped[month.date() if hasattr(month, "date") else month][category] = n
    return [{"month": month, **_row(grouped[month])} for month in sorted(grouped)]


def by_department(dealership, months: int = 12) -> list[dict]:
    grouped = defaultdict(dict)
    for department, category, n in (
        answers_since(dealership, months)
        .values_list("department", "category")
        .annotate(n=Count("id"))
        .order_by()
    ):
        grouped[department][category] = n
    return [
        {"department": d, "label": Department(d).label, **_row(grouped[d])}
        for d in Department.values
        if d in grouped
    ]


def by_staff(dealership, months: int = 12) -> list[dict]:
    """Per staff member the surveys named: answers, NPS, and the earned referrals sent in
    their name in the same period (a promoter's friends arrive in their name)."""
    since = timezone.now() - timedelta(days=31 * months)
    grouped = defaultdict(dict)
    names = {}
    for staff_id, public_id, first, last, username, category, n in (
        answers_since(dealership, months)
        .exclude(staff=None)
        .values_list(
            "staff_id",
            "staff__public_id",
            "staff__first_name",
            "staff__last_name",
            "staff__username",
            "category",
        )
        .annotate(n=Count("id"))
        .order_by()
    ):
        grouped[staff_id][category] = n
        names[staff_id] = (public_id, f"{first} {last}".strip() or username)
    earned = dict(
        Referral.objects.filter(
            from_dealership=dealership, sent_at__gte=since, source__in=Referral.EARNED
        )
        .values_list("sent_by_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    out = [
        {
            "staff_id": names[pk][0],
            "name": names[pk][1],
            **_row(grouped[pk]),
            "earned": earned.get(pk, 0),
        }
        for pk in grouped
    ]
    return sorted(out, key=lambda r: (-r["answers"], r["name"]))


def recovery(dealership, months: int = 12) -> dict:
    since = timezone.now() - timedelta(days=31 * months)
    tasks = RecoveryTask.objects.for_dealership(dealership).filter(opened_at__gte=since)
    return tasks.aggregate(
        opened=Count("id"),
        still_open=Count("id", filter=Q(status=RecoveryTask.Status.OPEN)),
        recovered=Count("id", filter=Q(won_back=True)),
        not_recovered=Count("id", filter=Q(won_back=False)),
    )


def answered_groups(dealership, months: int = 12) -> tuple[set, set]:
    """(promoters, everyone else): ids of the customers who answered in the period, a
    customer with any 9–10 answer counted a promoter."""
    answered = answers_since(dealership, months)
    promoters = set(answered.filter(category="promoter").values_list("customer_id", flat=True))
    return promoters, set(answered.values_list("customer_id", flat=True)) - promoters


def referral_rate(dealership, months: int = 12) -> dict:
    """Of the customers who answered, how many referred someone since (any referral that
    names them as its referrer): promoters against everyone else."""
    referrers = set(
        Referral.objects.filter(from_dealership=dealership)
        .exclude(referrer_customer=None)
        .values_list("referrer_customer_id", flat=True)
    )
    promoters, others = answered_groups(dealership, months)

    def rate(group):
        referred = len(group & referrers)
        return {
            "customers": len(group),
            "referred": referred,
            "rate": round(100 * referred / len(group)) if group else None,
        }

    return {"promoters": rate(promoters), "others": rate(others)}
