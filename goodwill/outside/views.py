"""Pages for people outside Goodwill and for the staff who deal with them.

Staff: log a referral from outside (`/outside/new/`), the list of what came from outside
and what we sent to pros not on Goodwill (`/outside/`), a new link for such a pro, and
inviting a pro of our network to join. The pro's side opens without a login: the token in
the link is the key, it opens one referral's report page (or one invitation) and nothing
else, and every request counts against the address's rate limit (`feedback.links`)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from goodwill.core.forms import apply_form, errors_to_form
from goodwill.core.tenancy import get_visible_or_404, staff_required
from goodwill.customers import duplicates as duplicate_rule
from goodwill.customers.duplicates import LikelyDuplicate
from goodwill.feedback import links
from goodwill.network.models import Pro
from goodwill.outside import actions
from goodwill.outside.forms import (
    InviteForm,
    JoinForm,
    OutsideReferralForm,
    ProReportForm,
    steps_open,
)
from goodwill.outside.models import ProInvitation, ProLink
from goodwill.referrals.actions import ACTION_LABELS
from goodwill.referrals.models import Referral

LIST_SIZE = 50


@staff_required
def outside_list(request):
    """What came to us from outside Goodwill, and the referrals we sent to pros not on it
    with their link's state."""
    mine = Referral.objects.visible_to(request.user).filter(from_dealership=request.dealership)
    came = list(
        mine.filter(from_outside=True)
        .select_related("referrer_pro", "referrer_customer", "to_user", "sent_by")
        .order_by("-sent_at", "-id")[:LIST_SIZE]
    )
    went = list(
        mine.filter(kind=Referral.Kind.PARTNER, to_dealership__isnull=True)
        .select_related("pro")
        .order_by("-sent_at", "-id")[:LIST_SIZE]
    )
    current = {
        link.referral_id: link
        for link in ProLink.objects.filter(referral__in=went, replaced_at__isnull=True)
    }
    for r in went:
        r.link = current.get(r.pk)
    return render(request, "outside/list.html", {"came": came, "went": went, "nav": "referrals"})


@staff_required
@require_http_methods(["GET", "POST"])
def log_referral(request):
    """Log a referral someone outside Goodwill sent us: it goes on the ledger as theirs,
    and (when the customer is here) straight onto the floor as an up."""
    initial = {}
    if pro_id := request.GET.get("pro"):
        pro = actions_pro(request, pro_id)
        initial["pro"] = pro.public_id if pro else None
    form = OutsideReferralForm(
        request.POST if request.method == "POST" else None, user=request.user, initial=initial
    )
    matches = []
    if request.method == "POST" and form.is_valid():
        try:
            referral = actions.log_outside_referral(
                request.dealership,
                acting_user=request.user,
                duplicates=duplicate_rule.LIKELY,
                **form.action_arguments(),
            )
        except LikelyDuplicate as exc:
            matches = exc.matches
            form.add_error(None, exc)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(
                request,
                f"Logged: {referral.shared_name}, sent by "
                f"{referral.referrer_pro or referral.referrer_customer}."
                + (" The up is on the floor." if form.cleaned_data["arrived"] else ""),
            )
            return redirect("referrals:detail", referral_id=referral.public_id)
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "likely_matches": matches, "nav": "referrals"}
    return render(request, "outside/log.html", context, status=status)


def actions_pro(request, pro_id) -> Pro | None:
    """A pro of my network by its public id from a query string (None when not one)."""
    try:
        return Pro.objects.visible_to(request.user).filter(public_id=pro_id).first()
    except ValidationError:
        return None


@staff_required
@require_POST
def new_link(request, referral_id):
    """A fresh link for the pro of a referral we sent (shown once, to copy into a text)."""
    referral = get_visible_or_404(
        Referral.objects.visible_to(request.user)
        .filter(from_dealership=request.dealership)
        .select_related("pro"),
        public_id=referral_id,
    )
    try:
        link, token = actions.new_pro_link(referral, created_by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("outside:list")
    context = {"referral": referral, "link": link, "url": actions.pro_link_url(token)}
    return render(request, "outside/link_made.html", context | {"nav": "referrals"})


@staff_required
@require_http_methods(["GET", "POST"])
def invite_pro(request, pro_id):
    """Invite a pro of our network to join Goodwill (an email with a join link)."""
    pro = get_visible_or_404(Pro.objects.visible_to(request.user), public_id=pro_id)
    form = InviteForm(request.POST if request.method == "POST" else None)

    def invite(note):
        actions.invite_pro(pro, acting_user=request.user, note=note)

    if request.method == "POST" and apply_form(form, invite):
        messages.success(request, f"Invitation emailed to {pro.email}.")
        return redirect("network:detail", pro_id=pro.public_id)
    invitations = ProInvitation.objects.visible_to(request.user).filter(pro=pro)
    context = {
        "pro": pro,
        "form": form,
        "invitations": invitations.select_related("invited_by"),
        "now": timezone.now(),
        "nav": "network",
    }
    return render(request, "outside/invite.html", context, status=422 if form.errors else 200)


# --------------------------------------------------------------------------- public pages
def _problem(request, problem: str, status: int):
    return render(request, "outside/link_problem.html", {"problem": problem}, status=status)


def _throttled(request):
    if links.throttled(request):
        return _problem(
            request, "Too many requests from your connection; please try again shortly.", 429
        )
    return None


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def pro_report(request, token):
    """The outside pro's page for one referral: what was shared, and one tap per step
    (contacted, appointment, won, lost). No login; the token opens this referral only."""
    if refusal := _throttled(request):
        return refusal
    link = actions.link_for_token(token)
    problem = actions.link_problem(link)
    if problem:
        return _problem(request, problem, 404 if link is None else 410)
    form = ProReportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.report_through_link(
                link, data["action"], note=data["note"], value=data["value"], reason=data["reason"]
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            return redirect(request.path + "?reported=" + data["action"])
    referral = Referral.objects.select_related("sent_by", "from_dealership").get(
        pk=link.referral_id
    )
    reported = request.GET.get("reported", "")
    context = {
        "link": link,
        "r": referral,
        "pro": link.pro,
        "store": referral.from_dealership,
        "form": form,
        "steps": [(a, ACTION_LABELS[a]) for a in steps_open(referral)],
        "reported": ACTION_LABELS.get(reported, ""),
    }
    return render(request, "outside/report.html", context, status=422 if form.errors else 200)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def pro_join(request, token):
    """The invited pro sets up their own store (and sign-in) on Goodwill, or says no."""
    if refusal := _throttled(request):
        return refusal
    invitation = actions.invitation_for_token(token)
    problem = actions.invitation_problem(invitation)
    if problem:
        return _problem(request, problem, 404 if invitation is None else 410)
    pro = invitation.pro
    if request.method == "POST" and request.POST.get("decision") == "no":
        actions.decline_pro_invitation(token)
        return render(request, "outside/join_done.html", {"declined": True, "pro": pro})
    initial = {
        "name": pro.store_name,
        "makes": ", ".join(pro.makes),
        "postal_code": pro.postal_code,
        "street": pro.street,
        "phone": pro.phone,
    }
    form = JoinForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            store, admin = actions.accept_pro_invitation(token, **form.store_fields())
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            context = {"store": store, "admin": admin, "pro": pro}
            return render(request, "outside/join_done.html", context)
    context = {"invitation": invitation, "pro": pro, "form": form}
    return render(request, "outside/join.html", context, status=422 if form.errors else 200)
