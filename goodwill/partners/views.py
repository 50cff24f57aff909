"""Partner pages: every referral partner of the store, and one partner's page (the people
they referred and what came of it, thank-yous, rewards, when they became a customer)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from goodwill.core.paging import page_number
from goodwill.core.tenancy import get_visible_or_404, staff_required
from goodwill.partners import actions, ledger
from goodwill.partners.forms import AddPartnerForm, EditPartnerForm
from goodwill.partners.models import Partner

PAGE_SIZE = 50


def get_partner_for_user(request, partner_id) -> Partner:
    return get_visible_or_404(
        Partner.objects.visible_to(request.user).select_related("customer", "pro", "pro__user"),
        public_id=partner_id,
    )


@staff_required
def partner_list(request):
    show = request.GET.get("show", "active")
    kind = request.GET.get("kind", "")
    rows = Partner.objects.visible_to(request.user).select_related("customer", "pro")
    if show == "customers":
        rows = rows.filter(
            Q(became_customer_at__isnull=False) | Q(customer__relationship="customer")
        )
    elif show != "all":
        show = "active"
        rows = rows.filter(is_active=True)
    if kind in Partner.Kind.values:
        rows = rows.filter(kind=kind)
    page = page_number(request)
    found = list(rows.order_by("-since", "-id")[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    partners = found[:PAGE_SIZE]
    counts = ledger.counts_for(partners)
    since = actions.customers_since(
        p.customer_id for p in partners if p.became_customer_at is None and p.is_customer
    )
    for partner in partners:
        partner.counts = counts[partner.pk]
        partner.customer_since = partner.became_customer_at or since.get(partner.customer_id)
    return render(
        request,
        "partners/list.html",
        {
            "nav": "referrals",
            "partners": partners,
            "has_next": len(found) > PAGE_SIZE,
            "page": page,
            "show": show,
            "kind": kind,
            "kinds": Partner.Kind.choices,
        },
    )


@staff_required
def partner_create(request):
    initial = {k: request.GET[k] for k in ("customer", "pro") if request.GET.get(k)}
    form = AddPartnerForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            partner = actions.add_partner(
                request.dealership,
                acting_user=request.user,
                customer=data["customer"],
                pro=data["pro"],
                kind=data["kind"],
                note=data["note"],
            )
        except ValidationError as exc:
            # The action names API fields (customer_id, pro_id): one message above the form.
            form.add_error(None, exc.messages)
        else:
            messages.success(request, f"{partner.display_name} is a referral partner.")
            return redirect("partners:detail", partner_id=partner.public_id)
    return render(request, "partners/form.html", {"nav": "referrals", "form": form})


@staff_required
def partner_detail(request, partner_id):
    partner = get_partner_for_user(request, partner_id)
    partner.customer_since = partner.became_customer_at or (
        actions.customer_since(partner.customer) if partner.customer_id else None
    )
    return render(
        request,
        "partners/detail.html",
        {
            "nav": "referrals",
            "p": partner,
            "ledger": ledger.ledger_of(partner, request.user),
            "events": partner.events.select_related("actor")[:50],
            "form": EditPartnerForm(
                initial={"kind": partner.kind, "note": partner.note, "is_active": partner.is_active}
            ),
        },
    )


@require_POST
@staff_required
def partner_edit(request, partner_id):
    partner = get_partner_for_user(request, partner_id)
    form = EditPartnerForm(request.POST)
    if form.is_valid():
        actions.update_partner(partner, acting_user=request.user, **form.cleaned_data)
        messages.success(request, "Partner saved.")
    else:
        messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
    return redirect("partners:detail", partner_id=partner.public_id)
