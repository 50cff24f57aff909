"""Rival offers' pages: record one on a customer or partner, read one, the managers' report
by rival store and make with the list behind each figure, and both as CSV."""

import csv

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from goodwill.core.spreadsheet import safe_cell
from goodwill.core.tenancy import get_visible_or_404, manager_required, staff_required
from goodwill.customers.models import Customer
from goodwill.dealerships.places import MAKES
from goodwill.floor.models import Deal
from goodwill.rivals import actions, reports
from goodwill.rivals.forms import OfferForm
from goodwill.rivals.models import RivalOffer

LIST_SIZE = 100


def _safe_next(request) -> str:
    """Where to go back to (the Fails case the button was on), never another site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _rival_names(store) -> list[str]:
    # The rivals this store names most often first: the likeliest suggestion leads.
    return [
        row["rival_store"]
        for row in RivalOffer.objects.for_dealership(store)
        .values("rival_store")
        .annotate(n=Count("id"))
        .order_by("-n", "rival_store")[:200]
    ]


@staff_required
def record(request, customer_id):
    """Record a rival's offer on a customer or partner whoever may open their page."""
    customer = get_visible_or_404(Customer.objects.visible_to(request.user), public_id=customer_id)
    deals = list(
        Deal.objects.for_dealership(customer.dealership_id)
        .filter(customer=customer)
        .order_by("-opened_at", "-id")[:10]
    )
    initial = {"offered_on": request.dealership.local_now().date()}
    wanted = request.GET.get("deal", "")
    if any(str(d.public_id) == wanted for d in deals):
        initial["deal"] = wanted
    form = OfferForm(request.POST or None, deals=deals, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            deal = data.pop("deal")
            try:
                actions.record_offer(customer, by=request.user, deal=deal, **data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"Rival's offer recorded on {customer.display_name}.")
                return redirect(
                    _safe_next(request) or reverse("customers:detail", args=[customer.public_id])
                )
        status = 422
    context = {
        "nav": "customers",
        "customer": customer,
        "form": form,
        "next": _safe_next(request),
        "rival_names": _rival_names(request.dealership),
        "makes": MAKES,
    }
    return render(request, "rivals/record.html", context, status=status)


@staff_required
def detail(request, offer_id):
    offer = get_visible_or_404(
        RivalOffer.objects.visible_to(request.user).select_related(
            "customer", "deal", "recorded_by"
        ),
        public_id=offer_id,
    )
    return render(request, "rivals/detail.html", {"nav": "rivals", "offer": offer})


def _days(request) -> int:
    try:
        days = int(request.GET.get("days", reports.DEFAULT_DAYS))
    except ValueError:
        return reports.DEFAULT_DAYS
    return days if days in reports.PERIODS else reports.DEFAULT_DAYS


def _csv(name: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return response


def _money(value) -> str:
    return "" if value is None else f"{value:.2f}"


def _number(value) -> str:
    return "" if value is None else str(value)


@manager_required
def report(request):
    """Recent offers by rival store and make (last 30, 90 or 365 days); each row opens the
    offers behind it; the table downloads as CSV."""
    store = request.dealership
    days = _days(request)
    rows = reports.by_store_and_make(store, days)
    if request.GET.get("csv") == "groups":
        return _csv(
            f"rival-offers-by-store-and-make-{days}d",
            ["rival store", "make", "offers", "customers", "lowest price", "average price"]
            + ["lowest payment", "average payment", "best apr", "latest"],
            (
                [r["rival_store"], r["make"], r["offers"], r["customers"]]
                + [_money(r["low_price"]), _money(r["avg_price"]), _money(r["low_payment"])]
                + [_money(r["avg_payment"]), _number(r["best_apr"])]
                + [r["latest"].isoformat()]
                for r in rows
            ),
        )
    latest = list(
        reports.recent(store, days)
        .select_related("customer", "recorded_by")
        .order_by("-offered_on", "-id")[:20]
    )
    context = {
        "nav": "rivals",
        "days": days,
        "periods": reports.PERIODS,
        "rows": rows,
        "stores": reports.by_store(rows),
        "latest": latest,
    }
    return render(request, "rivals/report.html", context)


@manager_required
def offer_list(request):
    """The offers behind a figure of the report: one rival store, one make, or both."""
    store = request.dealership
    days = _days(request)
    offers = reports.recent(store, days).select_related("customer", "deal", "recorded_by")
    rival = request.GET.get("store", "")[:120]
    make = request.GET.get("make", "")[:40]
    if rival:
        offers = offers.filter(rival_store=rival)
    if make:
        offers = offers.filter(make=make)
    offers = offers.order_by("-offered_on", "-id")
    if request.GET.get("csv") == "offers":
        return _csv(
            f"rival-offers-{days}d",
            ["offered on", "rival store", "make", "vehicle", "price", "monthly payment"]
            + ["months", "apr", "customer", "relationship", "source", "who or where"]
            + ["notes", "recorded by", "recorded at"],
            (
                [o.offered_on.isoformat(), o.rival_store, o.make, o.vehicle, _money(o.price)]
                + [_money(o.monthly_payment), o.term_months or "", _number(o.apr)]
                + [o.customer.display_name, o.customer.get_relationship_display()]
                + [o.get_source_display(), o.source_detail, o.notes]
                + [o.recorded_by.display_name, o.recorded_at.isoformat()]
                for o in offers[:5000]
            ),
        )
    context = {
        "nav": "rivals",
        "days": days,
        "rival": rival,
        "make": make,
        "offers": offers[:LIST_SIZE],
    }
    return render(request, "rivals/list.html", context)
