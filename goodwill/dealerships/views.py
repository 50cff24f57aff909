from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from goodwill.core.tenancy import dealer_admin_required, get_visible_or_404, staff_required
from goodwill.dealerships import actions
from goodwill.dealerships.forms import DeactivateForm, RoleForm, StaffForm, StoreSettingsForm
from goodwill.dealerships.models import User


def get_staff_for_user(request, user_id) -> User:
    return get_visible_or_404(User.objects.filter(dealership=request.dealership), public_id=user_id)


@staff_required
def staff_list(request):
    staff = (
        User.objects.filter(dealership=request.dealership)
        .annotate(customer_count=Count("sales_customers", distinct=True))
        .order_by("-is_active", "first_name", "last_name")
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


@require_POST
@dealer_admin_required
def store_settings(request):
    form = StoreSettingsForm(request.POST)
    form.is_valid()
    actions.update_store_settings(
        request.dealership,
        acting_user=request.user,
        salespeople_see_all=form.cleaned_data.get("salespeople_see_all", False),
    )
    messages.success(request, "Store settings saved.")
    return redirect("dealerships:staff")
