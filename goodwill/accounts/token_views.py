"""API tokens on a page: each user sees, names, issues (shown once) and revokes their own;
a dealer admin also sees and revokes every token of the store."""

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from goodwill.accounts.forms import TokenForm
from goodwill.api.models import ApiToken
from goodwill.audit.actions import Verb, record
from goodwill.core.tenancy import get_visible_or_404, staff_required


def visible_tokens(user):
    """A user's own tokens; a dealer admin's: every token of the store."""
    tokens = ApiToken.objects.filter(dealership_id=user.dealership_id).select_related("user")
    return tokens if user.is_dealer_admin else tokens.filter(user=user)


def expiry(days) -> timezone.datetime | None:
    return timezone.now() + timedelta(days=int(days)) if days else None


@staff_required
def tokens(request):
    form = TokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        row, new_token = ApiToken.issue(
            request.user,
            name=form.cleaned_data["name"],
            expires_at=expiry(form.cleaned_data["expires_in_days"]),
        )
        record(request, Verb.TOKEN_CREATED, row, owner=request.user.username)
        form = TokenForm()
    own = visible_tokens(request.user).filter(user=request.user)
    store = (
        visible_tokens(request.user).exclude(user=request.user).filter(revoked_at__isnull=True)
        if request.user.is_dealer_admin
        else None
    )
    return render(
        request,
        "accounts/tokens.html",
        {"nav": "account", "form": form, "new_token": new_token, "own": own, "store": store},
    )


@require_POST
@staff_required
def revoke(request, token_id):
    token = get_visible_or_404(visible_tokens(request.user), public_id=token_id)
    if token.revoke(by=request.user):
        record(request, Verb.TOKEN_REVOKED, token, owner=token.user.username)
        messages.success(
            request, f"Token “{token.name or token.prefix}” revoked: it stops working now."
        )
    return redirect("accounts:tokens")
