"""`{% rival_offers_panel customer %}`: the customer page's "What rivals offered" card
(the customers app's template loads it; customers imports nothing from here)."""

from django import template

register = template.Library()

SHOWN = 5


@register.inclusion_tag("rivals/_customer_panel.html")
def rival_offers_panel(customer):
    offers = list(customer.rival_offers.order_by("-offered_on", "-id")[:SHOWN])
    return {"customer": customer, "offers": offers}
