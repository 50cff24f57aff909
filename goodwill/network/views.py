"""Pages of the pro network: my pros, the directory, suggestions, cards and partnerships."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from goodwill.core.tenancy import get_visible_or_404, staff_required
from goodwill.network import actions
from goodwill.network.cards import (
    card_pdf,
    card_pdf_filename,
    print_lines,
    pro_vcard,
    qr_svg,
    vcard_filename,
)
from goodwill.network.forms import CardForm, PartnershipForm, ProForm, ReasonForm
from goodwill.network.models import CardPhoto, Partnership, Pro
from goodwill.network.suggest import suggest

OPEN = [Partnership.Status.PROPOSED, Partnership.Status.AGREED]


def get_pro_for_user(request, pro_id) -> Pro:
    return get_visible_or_404(Pro.objects.visible_to(request.user), public_id=pro_id)


def get_partnership_for_user(request, partnership_id) -> Partnership:
    return get_visible_or_404(
        Partnership.objects.read_by(request.user),
        public_id=partnership_id,
    )


def _open_partnerships():
    return Prefetch(
        "partnerships",
        queryset=Partnership.objects.filter(status__in=OPEN),
        to_attr="open_partnerships",
    )


@staff_required
def pro_list(request):
    query = request.GET.get("q", "").strip()
    pros = (
        Pro.objects.visible_to(request.user)
        .filter(is_active=True, listed=False)
        .prefetch_related(_open_partnerships())
    )
    wish, suggestions = (None, [])
    if query:
        wish, suggestions = suggest(request.dealership, text=query)
    incoming = Partnership.objects.filter(
        partner_store=request.dealership, status=Partnership.Status.PROPOSED
    ).select_related("dealership", "proposed_by")
    context = {
        "nav": "network",
        "pros": pros,
        "incoming": incoming,
        "query": query,
        "wish": wish,
        "suggestions": suggestions,
        "my_card": Pro.objects.filter(user=request.user, listed=True).first(),
    }
    template = "network/list.html"
    if request.htmx and request.htmx.target == "suggestions":
        template += "#suggestions"
    return render(request, template, context)


@staff_required
def pro_create(request):
    form = ProForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pro = actions.record_pro(
                request.dealership, acting_user=request.user, **form.pro_fields
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{pro.name} added to your network.")
            return redirect("network:detail", pro_id=pro.public_id)
    return render(request, "network/form.html", {"nav": "network", "form": form})


@require_POST
@staff_required
def add_from_directory(request, card_id):
    card = get_visible_or_404(
        Pro.objects.directory().exclude(store=request.dealership).select_related("store"),
        public_id=card_id,
    )
    existing = Pro.objects.visible_to(request.user).filter(user_id=card.user_id).first()
    if existing:
        return redirect("network:detail", pro_id=existing.public_id)
    try:
        pro = actions.record_pro(request.dealership, acting_user=request.user, linked_to=card)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("network:list")
    messages.success(request, f"{pro.name} ({pro.store_name}) is in your network.")
    return redirect("network:detail", pro_id=pro.public_id)


@staff_required
def pro_detail(request, pro_id):
    pro = get_pro_for_user(request, pro_id)
    partnership = pro.partnerships.filter(status__in=OPEN).first()
    referrals = pro.referrals.visible_to(request.user).select_related("to_user")[:20]
    # Customers a pro not on Goodwill sent us, logged for them (issue 14, point 6).
    brought = pro.referrals_brought.visible_to(request.user).select_related("to_user")[:20]
    return render(
        request,
        "network/detail.html",
        {
            "nav": "network",
            "pro": pro,
            "qr": qr_svg(pro_vcard(pro)),
            "partnership": partnership,
            "partnership_form": PartnershipForm(),
            "referrals": referrals,
            "brought": brought,
            "events": pro.events.select_related("actor")[:50],
        },
    )


@staff_required
def pro_edit(request, pro_id):
    pro = get_pro_for_user(request, pro_id)
    form = ProForm(request.POST or None, pro=pro)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_pro(pro, acting_user=request.user, **form.pro_fields)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Saved.")
            return redirect("network:detail", pro_id=pro.public_id)
    return render(request, "network/form.html", {"nav": "network", "form": form, "pro": pro})


@staff_required
def pro_vcard_download(request, pro_id):
    pro = get_pro_for_user(request, pro_id)
    response = HttpResponse(pro_vcard(pro), content_type="text/vcard; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{vcard_filename(pro)}"'
    return response


@staff_required
def pro_print(request, pro_id):
    """A print-ready card to hand a customer on the showroom floor."""
    pro = get_pro_for_user(request, pro_id)
    return render(
        request,
        "network/print.html",
        {"pro": pro, "lines": print_lines(pro), "qr": qr_svg(pro_vcard(pro))},
    )


@require_POST
@staff_required
def partnership_propose(request, pro_id):
    pro = get_pro_for_user(request, pro_id)
    form = PartnershipForm(request.POST)
    if form.is_valid():
        try:
            actions.propose_partnership(
                pro, acting_user=request.user, terms=form.cleaned_data["terms"]
            )
            messages.success(
                request,
                "Proposal sent: it is mutual once they accept."
                if pro.on_goodwill
                else "Proposal recorded: mark it agreed once they say yes.",
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return redirect("network:detail", pro_id=pro.public_id)


@require_POST
@staff_required
def partnership_answer(request, partnership_id, decision):
    partnership = get_partnership_for_user(request, partnership_id)
    form = ReasonForm(request.POST)
    form.is_valid()
    reason = form.cleaned_data.get("reason", "")
    try:
        if decision == "accept":
            actions.answer_partnership(
                partnership, acting_user=request.user, accept=True, reason=reason
            )
        elif decision == "decline":
            actions.answer_partnership(
                partnership, acting_user=request.user, accept=False, reason=reason
            )
        elif decision == "agreed":
            actions.mark_agreed(partnership, acting_user=request.user, reason=reason)
        else:
            actions.end_partnership(partnership, acting_user=request.user, reason=reason)
        messages.success(request, "Partnership updated.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    if partnership.dealership_id == request.dealership.id:
        return redirect("network:detail", pro_id=partnership.pro.public_id)
    return redirect("network:list")


def _photo(pro) -> bytes:
    if not pro.photo_version:
        return b""
    return bytes(CardPhoto.objects.filter(pro=pro).values_list("jpeg", flat=True).first() or b"")


@staff_required
def pro_photo(request, pro_id):
    pro = get_pro_for_user(request, pro_id)
    jpeg = _photo(pro)
    if not jpeg:
        raise Http404("No photo on this card.")
    response = HttpResponse(jpeg, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=86400"  # the link carries the version
    return response


@staff_required
def pro_card_pdf(request, pro_id):
    """The card as a one-page 3.5 × 2 in PDF, drawn in the request (fpdf2, no browser)."""
    pro = get_pro_for_user(request, pro_id)
    response = HttpResponse(card_pdf(pro, _photo(pro)), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{card_pdf_filename(pro)}"'
    return response


@staff_required
def my_card(request):
    """The member's own card: publish it, then edit what it says (history on each save)."""
    card = Pro.objects.filter(user=request.user, listed=True).first()
    if request.method == "POST" and card is None:
        card = actions.publish_card(request.user)
        messages.success(request, "Your card is published in the Goodwill directory.")
        return redirect("network:my_card")
    form = CardForm(request.POST or None, request.FILES or None, card=card)
    if request.method == "POST" and form.is_valid():
        try:
            changes = actions.edit_card(card, acting_user=request.user, **form.card_fields)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Your card is saved." if changes else "Nothing changed.")
            return redirect("network:my_card")
    return render(
        request,
        "network/my_card.html",
        {
            "nav": "network",
            "card": card,
            "form": form,
            "qr": qr_svg(pro_vcard(card)) if card else "",
            "events": card.events.select_related("actor")[:10] if card else [],
        },
        status=422 if form.errors else 200,
    )
