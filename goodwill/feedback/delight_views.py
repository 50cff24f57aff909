"""See delight, the managers' page: NPS by month as a chart, by department, staff member
and (for a dealer group's admins) store over time, detractors recovered, promoters who
referred, earned referrals per salesperson. Every figure opens the answers or referrals
behind it and every table downloads as CSV (formula-safe)."""

import csv
import uuid

from django.http import HttpResponse
from django.shortcuts import render

from goodwill.core.spreadsheet import safe_cell
from goodwill.core.tenancy import manager_required
from goodwill.feedback import delight, reports
from goodwill.referrals.models import Referral

PAGE_SIZE = 100


def _cell(value):
    """Text through `safe_cell` (a name may start with "="); a number as it is (an NPS of
    -20 is a number, not a formula)."""
    if value is None:
        return ""
    return value if isinstance(value, int | float) else safe_cell(value)


def _csv(name: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return response


def _grid_csv(name: str, what: str, series) -> HttpResponse:
    """One row per (series, month): answers, the three categories and the NPS."""
    return _csv(
        name,
        [what, "month", "answers", "promoters", "passives", "detractors", "nps"],
        (
            [s.label, c["month"].strftime("%Y-%m"), c["answers"], c["promoter"], c["passive"]]
            + [c["detractor"], c["nps"]]
            for s in series
            for c in s.cells
        ),
    )


def _download(kind: str, store, user, figures) -> HttpResponse | None:
    if kind == "months":
        return _csv(
            "nps-by-month",
            ["month", "answers", "promoters", "passives", "detractors", "nps"],
            (
                [m["month"].strftime("%Y-%m"), m["answers"], m["promoter"], m["passive"]]
                + [m["detractor"], m["nps"]]
                for m in figures["months"]
            ),
        )
    if kind == "staff":
        return _csv(
            "nps-by-staff",
            ["staff", "answers", "promoters", "passives", "detractors", "nps", "earned referrals"],
            (
                [s["name"], s["answers"], s["promoter"], s["passive"], s["detractor"], s["nps"]]
                + [s["earned"]]
                for s in reports.by_staff(store)
            ),
        )
    if kind == "departments":
        return _grid_csv("nps-by-department-and-month", "department", figures["departments"])
    if kind == "staff-months":
        return _grid_csv("nps-by-staff-and-month", "staff", figures["staff"])
    if kind == "stores":
        return _grid_csv("nps-by-store-and-month", "store", delight.stores_over_time(user))
    if kind == "promoters":
        return _csv(
            "promoters-who-referred",
            ["promoter", "score", "answered", "referrals", "earned", "won"],
            (
                [p["name"], p["score"], p["answered_at"].date().isoformat(), p["referrals"]]
                + [p["earned"], p["won"]]
                for p in figures["promoters"]
            ),
        )
    if kind == "earned":
        return _csv(
            "earned-referrals-by-salesperson",
            ["staff", "earned referrals", "won"],
            ([e["name"], e["earned"], e["won"]] for e in figures["earned"]),
        )
    if kind == "recovery":
        r = figures["recovery"]
        return _csv(
            "detractors-recovered",
            ["recovery tasks", "won back", "not won back", "still open"],
            [[r["opened"], r["recovered"], r["not_recovered"], r["still_open"]]],
        )
    if kind == "rates":
        rates = figures["rates"]
        return _csv(
            "referral-rate-promoters-vs-others",
            ["who", "customers who answered", "referred someone", "rate %"],
            [
                ["promoters", *(rates["promoters"][k] for k in ("customers", "referred", "rate"))],
                ["everyone else", *(rates["others"][k] for k in ("customers", "referred", "rate"))],
            ],
        )
    return None


@manager_required
def report(request):
    store = request.dealership
    starts = delight.month_starts(store)
    figures = {
        "starts": starts,
        "months": reports.by_month(store),
        "departments": delight.departments_over_time(store),
        "staff": delight.staff_over_time(store),
        "promoters": delight.promoters_who_referred(store),
        "earned": delight.earned_by_salesperson(store),
        "recovery": reports.recovery(store),
        "rates": reports.referral_rate(store),
    }
    download = _download(request.GET.get("csv", ""), store, request.user, figures)
    if download is not None:
        return download
    rates = figures["rates"]
    most = max(rates["promoters"]["rate"] or 0, rates["others"]["rate"] or 0, 1)
    recovery = figures["recovery"]
    context = {
        "nav": "feedback",
        **figures,
        "chart": delight.month_bars(figures["months"], starts),
        "group": store.group if request.user.sees_group else None,
        "stores": delight.stores_over_time(request.user),
        "rate_widths": {
            k: round(100 * (rates[k]["rate"] or 0) / most) for k in ("promoters", "others")
        },
        "recovery_widths": {
            k: round(100 * recovery[k] / recovery["opened"]) if recovery["opened"] else 0
            for k in ("recovered", "not_recovered", "still_open")
        },
    }
    return render(request, "feedback/report.html", context)


def _uuid(value: str):
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


@manager_required
def referrals(request):
    """The referrals behind a figure: one promoter's, one salesperson's earned ones, or the
    promoters' of the period."""
    store = request.dealership
    rows = (
        Referral.objects.visible_to(request.user)
        .filter(from_dealership=store)
        .select_related("customer", "referrer_customer", "sent_by", "to_user", "to_dealership")
        .order_by("-sent_at", "-id")
    )
    title = "Referrals"
    referrer = _uuid(request.GET.get("referrer", ""))
    if referrer is not None:
        rows = rows.filter(referrer_customer__public_id=referrer)
        title = "Referrals this promoter brought"
    staff = _uuid(request.GET.get("staff", ""))
    if staff is not None:
        # As the chart counts them: sent in the last 12 months.
        rows = rows.filter(sent_by__public_id=staff, sent_at__gte=delight.since(store))
        title = "Referrals sent in this staff member's name, last 12 months"
    if request.GET.get("earned") == "1":
        rows = rows.filter(source__in=Referral.EARNED)
        title += " · earned"
    if request.GET.get("promoters") == "1" or request.GET.get("others") == "1":
        # The referral rate's two groups, so the list holds what the bar counts.
        promoters, others = reports.answered_groups(store)
        if request.GET.get("promoters") == "1":
            rows = rows.filter(referrer_customer_id__in=promoters)
            title = "Referrals promoters brought"
        else:
            rows = rows.filter(referrer_customer_id__in=others)
            title = "Referrals brought by everyone else who answered"
    context = {"nav": "feedback", "referrals": rows[:PAGE_SIZE], "title": title}
    return render(request, "feedback/referrals.html", context)
