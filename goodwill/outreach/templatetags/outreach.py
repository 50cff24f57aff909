"""`{% ask_panel customer %}`: the customer page's "Asks" card (included by the customers
app's template, which imports nothing from here)."""

from django import template

from goodwill.outreach.forms import CheckForm, HoldForm
from goodwill.outreach.models import AskHold

register = template.Library()


@register.inclusion_tag("outreach/_customer_panel.html", takes_context=True)
def ask_panel(context, customer):
    asks = list(customer.asks.select_related("by")[:10])
    holds = list(
        AskHold.objects.filter(customer=customer, ended_at__isnull=True).select_related(
            "started_by"
        )
    )
    return {
        "customer": customer,
        "asks": asks,
        "holds": holds,
        "check_form": CheckForm(),
        "hold_form": HoldForm(),
        "user": context.get("user"),
        "csrf_token": context.get("csrf_token"),
        "decision": None,
    }
