"""The managers' pages: the both-ways report (charts that click down to the records, each
figure as CSV) and the store's service rules."""

import csv

from django.http import HttpResponse
from django.shortcuts import render

from goodwill.core.forms import settings_page as form_settings_page
from goodwill.core.tenancy import role_required
from goodwill.service import actions, reports
from goodwill.service.forms import SettingsForm

managers_only = role_required(
    lambda user: user.is_manager, "Only managers see the service and sales report."
)
FIGURES = {
    "rule": ("by_rule", "Opportunities by rule"),
    "advisor": ("by_advisor", "Opportunities by service advisor"),
    "seller": ("by_seller", "Opportunities by salesperson"),
    "booker": ("by_booker", "Sales-originated service visits by salesperson"),
    "downtime": ("downtime", "Fleet downtime cost by month ($)"),
}


@managers_only
def dashboard(request):
    period = request.GET.get("period", "90")
    period = period if period in reports.PERIODS else "90"
    data = reports.both_ways(request.dealership, period)
    figure = request.GET.get("csv", "")
    if figure in FIGURES:
        key, title = FIGURES[figure]
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="service-{figure}-{period}d.csv"'
        writer = csv.writer(response)
        writer.writerow([title, "value", "detail"])
        for bar in data[key]:
            writer.writerow([bar.label, bar.value, bar.detail])
        return response
    behind_kind, behind = "", None
    if request.GET.get("drill"):
        behind_kind, behind = reports.drill(
            request.dealership, period, request.GET["drill"], request.GET.get("key", "")
        )
    return render(
        request,
        "service/dashboard.html",
        {
            "nav": "service",
            "period": period,
            "periods": reports.PERIODS,
            "behind_kind": behind_kind,
            "behind": behind,
            "figures": FIGURES,
            **data,
        },
    )


@managers_only
def settings_page(request):
    return form_settings_page(
        request,
        SettingsForm(request.POST or None, instance=actions.service_settings(request.dealership)),
        actions,
        saved="Service rules saved. They apply from the next run.",
        to="service:settings",
        template="service/settings.html",
        context={"nav": "service"},
    )
