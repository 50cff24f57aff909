"""Ask pages: the store's ask log and settings (managers), the "do not ask" hold and the
"may I ask?" check on a customer's page."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from goodwill.core.forms import settings_page
from goodwill.core.tenancy import get_visible_or_404, manager_required, staff_required
from goodwill.customers.models import Customer
from goodwill.outreach import actions, policy
from goodwill.outreach.forms import CheckForm, EndHoldForm, HoldForm, SettingsForm
from goodwill.outreach.models import Ask, AskHold

PAGE_SIZE = 100


@manager_required
def ask_log(request):
    """Every ask of the store, newest first, filtered by kind or channel."""
    asks = Ask.objects.for_dealership(request.dealership).select_related("customer", "by")
    kind = request.GET.get("kind", "")
    if kind in Ask.Kind.values:
        asks = asks.filter(kind=kind)
    channel = request.GET.get("channel", "")
    if channel in Ask.Channel.values:
        asks = asks.filter(channel=channel)
    context = {
        "nav": "outreach",
        "asks": asks[:PAGE_SIZE],
        "kinds": Ask.Kind.choices,
        "channels": Ask.Channel.choices,
        "kind": kind,
        "channel": channel,
        "rules": policy.settings_for(request.dealership),
        "holds": AskHold.objects.for_dealership(request.dealership)
        .filter(ended_at__isnull=True)
        .select_related("customer")[:50],
    }
    return render(request, "outreach/log.html", context)


@staff_required
def ask_settings(request):
    """Managers change the caps and quiet hours; everyone else reads them."""
    rules = policy.settings_for(request.dealership)
    if request.method == "POST" and not request.user.is_manager:
        raise PermissionDenied("Only a manager can change how often customers are asked.")
    return settings_page(
        request,
        SettingsForm(request.POST or None, instance=rules),
        actions,
        saved="Ask settings saved.",
        to="outreach:settings",
        template="outreach/settings.html",
        context={"nav": "outreach", "rules": rules, "zone": policy.store_zone(request.dealership)},
    )


def _customer(request, customer_id) -> Customer:
    return get_visible_or_404(Customer.objects.visible_to(request.user), public_id=customer_id)


@staff_required
def check(request, customer_id):
    """May I ask? A dry run of the decision, on the customer's page (htmx) or alone."""
    customer = _customer(request, customer_id)
    form = CheckForm(request.GET or None)
    decision = None
    if form.is_valid():
        decision = policy.may_ask(customer, form.cleaned_data["kind"], form.cleaned_data["channel"])
    context = {"customer": customer, "check_form": form, "decision": decision}
    if request.htmx:
        return render(request, "outreach/_check_result.html", context)
    return render(request, "outreach/check.html", {"nav": "customers", **context})


@require_POST
@staff_required
def hold(request, customer_id):
    """Staff record that the customer asked not to be asked (anyone may; ending is a manager's)."""
    customer = _customer(request, customer_id)
    form = HoldForm(request.POST)
    if form.is_valid():
        actions.hold_asks(
            customer, form.cleaned_data["reason"], by=request.user, note=form.cleaned_data["note"]
        )
        messages.success(
            request,
            f"{customer.display_name} will not be asked anything until a manager ends the hold.",
        )
    else:
        messages.error(request, "Pick a reason for the hold.")
    return redirect("customers:detail", customer_id=customer.public_id)


@require_POST
@manager_required
def end_hold(request, hold_id):
    held = get_visible_or_404(
        AskHold.objects.visible_to(request.user).select_related("customer"), public_id=hold_id
    )
    form = EndHoldForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    actions.end_hold(held, by=request.user, note=note)
    messages.success(request, "Asks may go to this customer again (caps and consent still apply).")
    return redirect("customers:detail", customer_id=held.customer.public_id)
