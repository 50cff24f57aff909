from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from goodwill.core.forms import apply_form
from goodwill.core.tenancy import dealer_admin_required, get_visible_or_404, staff_required
from goodwill.dealerships import actions
from goodwill.dealerships.forms import (
    AcceptInvitationForm,
    DeactivateForm,
    InviteForm,
    RoleForm,
    SignInRulesForm,
    StaffForm,
    StoreProfileForm,
    StoreSettingsForm,
)
from goodwill.dealerships.models import Invitation, StaffEvent, User
from goodwill.dealerships.places import MAKES


def get_staff_for_user(request, user_id) -> User:
    return get_visible_or_404(User.objects.filter(dealership=request.dealership), public_id=user_id)


@staff_required
def staff_list(request):
    staff = (
        User.objects.filter(dealership=request.dealership)
        .annotate(customer_count=Count("sales_customers", distinct=True))
        .order_by("-is_active", "first_name", "last_name", "id")
    )
    return render(
        request,
        "dealerships/staff.html",
        {
            "nav": "staff",
            "staff": staff,
            "settings_form": StoreSettingsForm(
                initial={"salespeople_see_all": request.dealership.salespeople_see_all}
            ),
            "can_manage": request.user.is_dealer_admin,
            "invitations": Invitation.objects.filter(
                dealership=request.dealership, accepted_at__isnull=True, cancelled_at__isnull=True
            ).select_related("invited_by")
            if request.user.is_dealer_admin
            else [],
        },
    )


@dealer_admin_required
def staff_add(request):
    form = StaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.create_staff(request.dealership, acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{form.cleaned_data['first_name']} can now sign in.")
            return redirect("dealerships:staff")
    return render(request, "dealerships/staff_form.html", {"nav": "staff", "form": form})


@dealer_admin_required
def staff_edit(request, user_id):
    member = get_staff_for_user(request, user_id)
    role_form = RoleForm(request.POST or None, initial={"role": member.role}, prefix="role")
    deactivate_form = DeactivateForm(request.POST or None, user=member, prefix="off")
    if request.method == "POST" and "role-role" in request.POST and role_form.is_valid():
        actions.change_role(member, acting_user=request.user, **role_form.cleaned_data)
        messages.success(request, f"{member.display_name} is now {member.get_role_display()}.")
        return redirect("dealerships:staff")
    if request.method == "POST" and "reset-mfa" in request.POST:
        actions.reset_second_factor(member, acting_user=request.user)
        messages.success(
            request, f"{member.display_name}'s authenticator app is removed; they were signed out."
        )
        return redirect("dealerships:staff_edit", user_id=member.public_id)
    if request.method == "POST" and "off-reason" in request.POST and deactivate_form.is_valid():
        try:
            moved = actions.deactivate_staff(
                member, acting_user=request.user, **deactivate_form.cleaned_data
            )
        except ValidationError as exc:
            deactivate_form.add_error(None, exc)
        else:
            messages.success(
                request,
                f"{member.display_name} deactivated; {moved} customer assignment(s) handed over.",
            )
            return redirect("dealerships:staff")
    held = member.sales_customers.count() + member.service_customers.count()
    return render(
        request,
        "dealerships/staff_edit.html",
        {
            "nav": "staff",
            "member": member,
            "role_form": role_form,
            "deactivate_form": deactivate_form,
            "held": held,
            "events": member.staff_events.select_related("actor")[:50],
        },
    )


@require_POST
@dealer_admin_required
def staff_reactivate(request, user_id):
    member = get_staff_for_user(request, user_id)
    actions.reactivate_staff(member, acting_user=request.user)
    messages.success(request, f"{member.display_name} can sign in again.")
    return redirect("dealerships:staff")


@dealer_admin_required
def store_settings(request):
    """The store page: profile (what the pro network finds), sign-in rules, visibility."""
    store = request.dealership
    which = request.POST.get("form", "visibility") if request.method == "POST" else ""
    profile = StoreProfileForm(
        request.POST if which == "profile" else None,
        initial=StoreProfileForm.initial_for(store),
        prefix="profile",
    )
    rules = SignInRulesForm(
        request.POST if which == "sign_in" else None,
        initial={
            "mfa_required_roles": store.mfa_required_roles,
            "session_idle_minutes": store.session_idle_minutes,
            "session_max_hours": store.session_max_hours,
        },
        prefix="rules",
    )
    if which == "profile" and apply_form(
        profile,
        lambda **data: actions.update_store_profile(store, acting_user=request.user, **data),
    ):
        messages.success(request, "Store profile saved.")
        return redirect("dealerships:settings")
    if which == "sign_in" and apply_form(
        rules,
        lambda **data: actions.update_sign_in_settings(store, acting_user=request.user, **data),
    ):
        messages.success(request, "Sign-in rules saved.")
        return redirect("dealerships:settings")
    if which == "visibility":
        form = StoreSettingsForm(request.POST)
        form.is_valid()
        actions.update_store_settings(
            store,
            acting_user=request.user,
            salespeople_see_all=form.cleaned_data.get("salespeople_see_all", False),
        )
        messages.success(request, "Store settings saved.")
        return redirect(
            request.POST.get("back") == "staff" and "dealerships:staff" or "dealerships:settings"
        )
    events = StaffEvent.objects.filter(
        dealership=store,
        verb__in=[
            "store_created",
            "profile_changed",
            "sign_in_rules_changed",
            "visibility_changed",
        ],
    ).select_related("actor")[:30]
    return render(
        request,
        "dealerships/store_settings.html",
        {
            "nav": "store",
            "store": store,
            "profile_form": profile,
            "rules_form": rules,
            "visibility_form": StoreSettingsForm(
                initial={"salespeople_see_all": store.salespeople_see_all}
            ),
            "makes": MAKES,
            "events": events,
        },
    )


# --------------------------------------------------------------------------- invitations
def _invitation(request, invitation_id) -> Invitation:
    return get_visible_or_404(
        Invitation.objects.filter(dealership=request.dealership), public_id=invitation_id
    )


@dealer_admin_required
def invite(request):
    form = InviteForm(request.POST or None)
    if request.method == "POST" and apply_form(
        form,
        lambda **data: actions.invite_staff(request.dealership, acting_user=request.user, **data),
    ):
        messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
        return redirect("dealerships:staff")
    return render(request, "dealerships/invite.html", {"nav": "staff", "form": form})


@require_POST
@dealer_admin_required
def invitation_resend(request, invitation_id):
    invitation = _invitation(request, invitation_id)
    try:
        actions.resend_invitation(invitation, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, f"A new link went to {invitation.email}; the old one no longer works."
        )
    return redirect("dealerships:staff")


@require_POST
@dealer_admin_required
def invitation_cancel(request, invitation_id):
    invitation = _invitation(request, invitation_id)
    try:
        actions.cancel_invitation(invitation, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Invitation to {invitation.email} cancelled.")
    return redirect("dealerships:staff")


@login_not_required
def accept_invitation(request, token):
    """The invitee's page: a one-time link that expires. Used, replaced, cancelled or
    expired, it says so (410) and asks nothing."""
    invitation = actions.invitation_for_token(token)
    problem = actions.invitation_problem(invitation)
    if problem:
        return render(request, "dealerships/invitation_gone.html", {"problem": problem}, status=410)
    form = AcceptInvitationForm(
        request.POST or None,
        initial={
            "first_name": invitation.first_name,
            "last_name": invitation.last_name,
            "username": invitation.email.split("@")[0],
        },
    )
    user = None

    def accept(**data):
        nonlocal user
        user = actions.accept_invitation(token, **data)

    if request.method == "POST" and apply_form(form, accept):
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome to {invitation.dealership.name}, {user.first_name}.")
        return redirect("home")
    return render(
        request, "dealerships/accept_invitation.html", {"form": form, "invitation": invitation}
    )
