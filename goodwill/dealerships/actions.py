"""Changes to stores and their staff. Deactivating someone reassigns their customers:
the customers are the dealership's and are never lost with the person."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from goodwill.dealerships import signals
from goodwill.dealerships.models import Dealership, StaffEvent, User


def create_dealership(*, name: str, slug: str = "", **fields) -> Dealership:
    dealership = Dealership(name=name, slug=slug or slugify(name)[:60], **fields)
    dealership.full_clean()
    dealership.save()
    return dealership


def _require_admin(acting_user, dealership) -> None:
    if acting_user is not None and not (
        acting_user.is_superuser
        or (acting_user.dealership_id == dealership.id and acting_user.is_dealer_admin)
    ):
        raise PermissionDenied("Only a dealer admin manages the staff of the store.")


@transaction.atomic
def create_staff(
    dealership,
    *,
    username: str,
    role: str,
    acting_user=None,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    phone: str = "",
    title: str = "",
) -> User:
    _require_admin(acting_user, dealership)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": ["That username is taken."]})
    user = User(
        dealership=dealership,
        username=username,
        role=role,
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone=phone,
        title=title,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    StaffEvent.objects.create(
        dealership=dealership,
        user=user,
        actor=acting_user,
        verb="joined",
        changes={"role": ["", role]},
    )
    return user


@transaction.atomic
def change_role(user: User, role: str, *, acting_user, reason: str = "") -> None:
    _require_admin(acting_user, user.dealership)
    if role not in User.Role.values:
        raise ValidationError({"role": [f"Unknown role “{role}”."]})
    if user.role == role:
        return
    old = user.role
    user.role = role
    user.save(update_fields=["role"])
    StaffEvent.objects.create(
        dealership_id=user.dealership_id,
        user=user,
        actor=acting_user,
        verb="role_changed",
        changes={"role": [old, role]},
        reason=reason,
    )


@transaction.atomic
def deactivate_staff(user: User, *, acting_user, reassign_to: User | None, reason: str = "") -> int:
    """Switch off a login and hand every customer they held to `reassign_to` (or leave them
    unassigned, visible to the whole store). Returns how many customers moved: the apps that
    hold records of a staff member hand them over in `staff_deactivating` receivers."""
    _require_admin(acting_user, user.dealership)
    if user == acting_user:
        raise ValidationError({"user": ["You cannot deactivate yourself."]})
    if reassign_to is not None and (
        reassign_to.dealership_id != user.dealership_id
        or not reassign_to.is_active
        or reassign_to == user
    ):
        raise ValidationError({"reassign_to": ["Pick another active staff member of this store."]})
    why = reason or f"{user.display_name} left the store"
    responses = signals.staff_deactivating.send(
        sender=User, user=user, acting_user=acting_user, reassign_to=reassign_to, reason=why
    )
    moved = sum(count for _, count in responses if count)
    user.is_active = False
    user.deactivated_at = timezone.now()
    user.save(update_fields=["is_active", "deactivated_at"])
    StaffEvent.objects.create(
        dealership_id=user.dealership_id,
        user=user,
        actor=acting_user,
        verb="deactivated",
        changes={"active": ["True", "False"], "customers_reassigned": ["", str(moved)]},
        reason=why,
    )
    return moved


@transaction.atomic
def reactivate_staff(user: User, *, acting_user) -> None:
    _require_admin(acting_user, user.dealership)
    user.is_active = True
    user.deactivated_at = None
    user.save(update_fields=["is_active", "deactivated_at"])
    StaffEvent.objects.create(
        dealership_id=user.dealership_id,
        user=user,
        actor=acting_user,
        verb="reactivated",
        changes={"active": ["False", "True"]},
    )


@transaction.atomic
def update_store_settings(dealership, *, acting_user, salespeople_see_all: bool) -> None:
    _require_admin(acting_user, dealership)
    if dealership.salespeople_see_all == salespeople_see_all:
        return
    dealership.salespeople_see_all = salespeople_see_all
    dealership.save(update_fields=["salespeople_see_all"])
    StaffEvent.objects.create(
        dealership=dealership,
        user=acting_user,
        actor=acting_user,
        verb="visibility_changed",
        changes={"salespeople_see_all": [str(not salespeople_see_all), str(salespeople_see_all)]},
    )
