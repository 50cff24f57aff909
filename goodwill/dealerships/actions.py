"""Changes to stores and their staff. Deactivating someone reassigns their customers:
the customers are the dealership's and are never lost with the person.

Setting up a store, its profile and sign-in rules, and inviting staff are here too
(issue 12); every change writes its `StaffEvent` in the same transaction."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django_otp import devices_for_user

from goodwill.core import storewall
from goodwill.core.links import site_url
from goodwill.dealerships import signals
from goodwill.dealerships.models import (
    DealerGroup,
    Dealership,
    Invitation,
    StaffEvent,
    User,
    validate_time_zone,
)
from goodwill.dealerships.places import clean_list, clean_makes, lookup_zip


def _free_slug(name: str) -> str:
    base = slugify(name)[:54] or "store"
    slug, n = base, 1
    while Dealership.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def create_dealership(*, name: str, slug: str = "", **fields) -> Dealership:
    dealership = Dealership(name=name, slug=slug or _free_slug(name), **fields)
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
def _audited(actor, verb: str, obj=None, *, dealership, **detail) -> None:
    """An entry in the audit log (`goodwill.audit`, a layer above: it receives the signal
    inside this transaction)."""
    signals.audited.send(
        sender=Dealership, actor=actor, verb=verb, obj=obj, dealership=dealership, detail=detail
    )


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
    _audited(
        acting_user,
        "staff_changed",
        user,
        dealership=user.dealership_id,
        change="joined",
        role=role,
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
    _audited(
        acting_user,
        "staff_changed",
        user,
        dealership=user.dealership_id,
        change="role",
        role=[old, role],
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
    # A new epoch re-signs the user's sessions: every cookie issued before stays invalid,
    # also after a reactivation. The rows go too, so nothing of them is left to reuse.
    user.session_epoch = F("session_epoch") + 1
    user.save(update_fields=["is_active", "deactivated_at", "session_epoch"])
    user.refresh_from_db(fields=["session_epoch"])
    end_sessions(user)
    StaffEvent.objects.create(
        dealership_id=user.dealership_id,
        user=user,
        actor=acting_user,
        verb="deactivated",
        changes={"active": ["True", "False"], "customers_reassigned": ["", str(moved)]},
        reason=why,
    )
    _audited(
        acting_user, "staff_changed", user, dealership=user.dealership_id, change="deactivated"
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
    _audited(
        acting_user, "staff_changed", user, dealership=user.dealership_id, change="reactivated"
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
    _audited(
        acting_user,
        "settings_changed",
        dealership=dealership,
        settings="visibility",
        changes={"salespeople_see_all": [not salespeople_see_all, salespeople_see_all]},
    )


@transaction.atomic
def reset_second_factor(user: User, *, acting_user) -> int:
    """Remove the authenticator app and recovery codes: the person themself, or a dealer
    admin when a phone is lost (they set it up again at their next sign-in if required).
    Their current sessions end too: a session verified with the lost phone is not trusted."""
    if acting_user != user:
        _require_admin(acting_user, user.dealership)
    removed = 0
    for device in devices_for_user(user, confirmed=None):
        device.delete()
        removed += 1
    StaffEvent.objects.create(
        dealership_id=user.dealership_id,
        user=user,
        actor=acting_user,
        verb="mfa_removed",
        changes={"mfa": ["on", "off"]},
    )
    _audited(
        acting_user,
        "staff_changed",
        user,
        dealership=user.dealership_id,
        change="second factor removed",
    )
    if acting_user != user:
        User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
        end_sessions(user)
    return removed


def end_sessions(user: User) -> int:
    """Delete every stored session of `user` (database sessions; other engines are still
    ended by the epoch). Sessions do not index their user, so this reads the live ones:
    fine for a store's few hundred, and deactivation is rare."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        data = session.get_decoded()
        if str(data.get("_auth_user_id")) == str(user.pk):
            session.delete()
            ended += 1
    return ended


# --------------------------------------------------------------------------- set up a store
def _place_errors(postal_code: str, errors: dict):
    place = lookup_zip(postal_code or "")
    if place is None:
        errors["postal_code"] = [
            "Enter the store's 5-digit US ZIP code."
            if not (postal_code or "").strip()
            else f"“{postal_code}” is not a US ZIP code we know."
        ]
    return place


@transaction.atomic
def setup_store(
    *,
    name: str,
    makes,
    postal_code: str,
    admin_username: str,
    admin_email: str,
    admin_password: str,
    street: str = "",
    phone: str = "",
    time_zone: str = "",
    specialties=(),
    departments=None,
    admin_first_name: str = "",
    admin_last_name: str = "",
    acting_user=None,
    via: str = "cli",
) -> tuple[Dealership, User]:
    """A new store and its first dealer admin, checked whole first: a message per field and
    nothing created when anything is wrong. City, state, coordinates and (unless chosen)
    the time zone come from the ZIP code."""
    errors: dict[str, list[str]] = {}
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = ["Enter the store's name."]
    makes = clean_makes(makes or [])
    if not makes:
        errors["makes"] = ["Pick at least one make the store sells."]
    place = _place_errors(postal_code, errors)
    time_zone = (time_zone or "").strip() or (place.time_zone if place else "")
    if time_zone:
        try:
            validate_time_zone(time_zone)
        except ValidationError as exc:
            errors["time_zone"] = exc.messages
    elif place is not None:
        errors["time_zone"] = ["Pick the store's time zone."]
    admin_username = (admin_username or "").strip()
    if not admin_username:
        errors["admin_username"] = ["Pick a username for the first admin."]
    elif User.objects.filter(username__iexact=admin_username).exists():
        errors["admin_username"] = ["That username is taken."]
    admin_email = (admin_email or "").strip().lower()
    try:
        validate_email(admin_email)
    except ValidationError:
        errors["admin_email"] = ["Enter the admin's email address (for password resets)."]
    try:
        validate_password(
            admin_password or "",
            User(username=admin_username, email=admin_email, first_name=admin_first_name),
        )
    except ValidationError as exc:
        errors["admin_password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    # A store that does not exist yet is nobody's scope: its first rows are written across
    # stores (core/storewall.py), whoever asks (the first-run page, `goodwill setup`, a pro).
    with storewall.across_stores("a new store and its first admin are set up"):
        store = create_dealership(
            name=name,
            makes=makes,
            specialties=clean_list(specialties or []),
            departments=list(departments)
            if departments is not None
            else ["sales", "service", "parts", "fails"],
            street=street.strip(),
            phone=phone.strip(),
            postal_code=place.postal_code,
            city=place.city,
            region=place.region,
            latitude=place.latitude,
            longitude=place.longitude,
            time_zone=time_zone,
        )
        admin = create_staff(
            store,
            username=admin_username,
            role=User.Role.DEALER_ADMIN,
            password=admin_password,
            email=admin_email,
            first_name=admin_first_name.strip(),
            last_name=admin_last_name.strip(),
        )
        StaffEvent.objects.create(
            dealership=store,
            user=admin,
            actor=acting_user or admin,
            verb="store_created",
            changes={
                "name": ["", name],
                "makes": ["", ", ".join(makes)],
                "postal_code": ["", place.postal_code],
                "time_zone": ["", time_zone],
                "via": ["", via],
            },
        )
        return store, admin


# --------------------------------------------------------------------------- store profile
PROFILE_FIELDS = (
    "name",
    "makes",
    "specialties",
    "departments",
    "street",
    "postal_code",
    "phone",
    "website",
    "hours",
    "time_zone",
)


@transaction.atomic
def update_store_profile(dealership: Dealership, *, acting_user, **fields) -> Dealership:
    """A dealer admin keeps the store's profile true; coordinates follow the ZIP code. Each
    changed field is in the staff history as old → new."""
    _require_admin(acting_user, dealership)
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"unknown store profile fields: {sorted(unknown)}")
    store = Dealership.objects.select_for_update().get(pk=dealership.pk)
    errors: dict[str, list[str]] = {}
    if "name" in fields:
        fields["name"] = " ".join((fields["name"] or "").split())
        if not fields["name"]:
            errors["name"] = ["Enter the store's name."]
    if "makes" in fields:
        fields["makes"] = clean_makes(fields["makes"] or [])
        if not fields["makes"]:
            errors["makes"] = ["Pick at least one make the store sells."]
    for name in ("specialties", "departments"):
        if name in fields:
            fields[name] = clean_list(fields[name] or [])
    if "departments" in fields:
        bad = set(fields["departments"]) - set(Dealership.Department.values)
        if bad:
            errors["departments"] = [f"Unknown department: {', '.join(sorted(bad))}."]
    if "postal_code" in fields:
        place = _place_errors(fields["postal_code"], errors)
        if place is not None:
            fields.update(
                postal_code=place.postal_code,
                city=place.city,
                region=place.region,
                latitude=place.latitude,
                longitude=place.longitude,
            )
    if errors:
        raise ValidationError(errors)
    changes = {}
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        old = getattr(store, name)
        if old != value:
            changes[name] = [_shown(old), _shown(value)]
            setattr(store, name, value)
    if changes:
        store.full_clean()
        store.save(update_fields=list(changes))
        StaffEvent.objects.create(
            dealership=store,
            user=acting_user,
            actor=acting_user,
            verb="profile_changed",
            changes=changes,
        )
        _audited(
            acting_user,
            "settings_changed",
            dealership=store,
            settings="store profile",
            changes=changes,
        )
    for name in changes:
        setattr(dealership, name, getattr(store, name))
    return store


def _shown(value) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


SIGN_IN_LIMITS = {"session_idle_minutes": (5, 24 * 60), "session_max_hours": (1, 24 * 30)}


@transaction.atomic
def update_sign_in_settings(
    dealership: Dealership,
    *,
    acting_user,
    mfa_required_roles=None,
    session_idle_minutes: int | None = None,
    session_max_hours: int | None = None,
) -> Dealership:
    """Which roles need a second factor and how long sessions live; in the staff history."""
    _require_admin(acting_user, dealership)
    store = Dealership.objects.select_for_update().get(pk=dealership.pk)
    errors: dict[str, list[str]] = {}
    new: dict = {}
    if mfa_required_roles is not None:
        roles = [r for r in User.Role.values if r in set(mfa_required_roles)]
        bad = set(mfa_required_roles) - set(User.Role.values)
        if bad:
            errors["mfa_required_roles"] = [f"Unknown role: {', '.join(sorted(bad))}."]
        new["mfa_required_roles"] = roles
    for name, value in (
        ("session_idle_minutes", session_idle_minutes),
        ("session_max_hours", session_max_hours),
    ):
        if value is None:
            continue
        low, high = SIGN_IN_LIMITS[name]
        if not low <= int(value) <= high:
            errors[name] = [f"Between {low} and {high}."]
        new[name] = int(value)
    if errors:
        raise ValidationError(errors)
    changes = {
        name: [_shown(getattr(store, name)), _shown(value)]
        for name, value in new.items()
        if getattr(store, name) != value
    }
    if changes:
        for name in changes:
            setattr(store, name, new[name])
            setattr(dealership, name, new[name])
        store.save(update_fields=list(changes))
        StaffEvent.objects.create(
            dealership=store,
            user=acting_user,
            actor=acting_user,
            verb="sign_in_rules_changed",
            changes=changes,
        )
        _audited(
            acting_user, "settings_changed", dealership=store, settings="sign-in", changes=changes
        )
    return store


# --------------------------------------------------------------------------- invitations
def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_link(token: str) -> str:
    return site_url(reverse("accept_invitation", args=[token]))


def _send_invitation(invitation_pk: int, token: str) -> None:
    invitation = Invitation.objects.select_related("dealership", "invited_by").get(pk=invitation_pk)
    context = {
        "invitation": invitation,
        "link": invitation_link(token),
        "days": settings.GOODWILL_INVITATION_DAYS,
    }
    send_mail(
        f"{invitation.invited_by.display_name} invites you to {invitation.dealership.name} "
        "on Goodwill",
        render_to_string("dealerships/emails/invitation.txt", context),
        None,
        [invitation.email],
    )


def _open_invitation_for(dealership, email):
    return Invitation.objects.filter(
        dealership=dealership,
        email__iexact=email,
        accepted_at__isnull=True,
        cancelled_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).first()


@transaction.atomic
def invite_staff(
    dealership, *, acting_user, email: str, role: str, first_name: str = "", last_name: str = ""
) -> tuple[Invitation, str]:
    """An invitation by email with a role; the link (shown once, only its hash is stored)
    leaves on commit. Returns the invitation and the one-time token."""
    _require_admin(acting_user, dealership)
    email = (email or "").strip().lower()
    errors: dict[str, list[str]] = {}
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = ["Enter an email address."]
    else:
        if User.objects.filter(dealership=dealership, email__iexact=email, is_active=True).exists():
            errors["email"] = ["Someone of this store already signs in with that email."]
        elif _open_invitation_for(dealership, email):
            errors["email"] = ["That address already has an open invitation: resend it instead."]
    if role not in User.Role.values:
        errors["role"] = [f"Unknown role “{role}”."]
    if errors:
        raise ValidationError(errors)
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation = Invitation.objects.create(
        dealership=dealership,
        email=email,
        role=role,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        invited_by=acting_user,
        token_hash=_token_hash(token),
        sent_at=now,
        expires_at=now + timedelta(days=settings.GOODWILL_INVITATION_DAYS),
    )
    _invitation_event(
        invitation, acting_user, "invited", {"email": ["", email], "role": ["", role]}
    )
    transaction.on_commit(lambda: _send_invitation(invitation.pk, token), robust=True)
    return invitation, token


def _invitation_event(invitation, actor, verb, changes) -> None:
    StaffEvent.objects.create(
        dealership_id=invitation.dealership_id, user=actor, actor=actor, verb=verb, changes=changes
    )


def _locked_invitation(invitation) -> Invitation:
    return Invitation.objects.select_for_update().get(pk=invitation.pk)


@transaction.atomic
def resend_invitation(invitation: Invitation, *, acting_user) -> str:
    """A fresh link (the old one stops working) with a fresh expiry."""
    _require_admin(acting_user, invitation.dealership)
    invitation = _locked_invitation(invitation)
    if invitation.accepted_at or invitation.cancelled_at:
        raise ValidationError({"__all__": [f"This invitation was {invitation.status}."]})
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation.token_hash = _token_hash(token)
    invitation.sent_at = now
    invitation.expires_at = now + timedelta(days=settings.GOODWILL_INVITATION_DAYS)
    invitation.save(update_fields=["token_hash", "sent_at", "expires_at"])
    _invitation_event(
        invitation, acting_user, "invitation_resent", {"email": ["", invitation.email]}
    )
    transaction.on_commit(lambda: _send_invitation(invitation.pk, token), robust=True)
    return token


@transaction.atomic
def cancel_invitation(invitation: Invitation, *, acting_user) -> None:
    _require_admin(acting_user, invitation.dealership)
    invitation = _locked_invitation(invitation)
    if invitation.accepted_at:
        raise ValidationError({"__all__": ["This invitation was already accepted."]})
    if invitation.cancelled_at:
        return
    invitation.cancelled_at = timezone.now()
    invitation.save(update_fields=["cancelled_at"])
    _invitation_event(
        invitation, acting_user, "invitation_cancelled", {"email": [invitation.email, ""]}
    )


def invitation_for_token(token: str) -> Invitation | None:
    return storewall.opened_by_token(
        lambda: (
            Invitation.objects.select_related("dealership", "invited_by")
            .filter(token_hash=_token_hash(token or ""))
            .first()
        ),
        "a staff invitation names its store by its token",
    )


def invitation_problem(invitation: Invitation | None) -> str:
    """Why a link cannot be used any more, in words for the person holding it; "" if it can."""
    if invitation is None:
        return (
            "This invitation link is not valid: it may have been replaced by a newer one. "
            "Ask your dealer admin to send it again."
        )
    if invitation.accepted_at:
        return "This invitation was already used. Sign in with the username you chose."
    if invitation.cancelled_at:
        return "This invitation was cancelled. Ask your dealer admin if you should still join."
    if invitation.expires_at <= timezone.now():
        return "This invitation link has expired. Ask your dealer admin to send a new one."
    return ""


@transaction.atomic
def accept_invitation(
    token: str, *, username: str, password: str, first_name: str = "", last_name: str = ""
) -> User:
    """The invitee picks a username and password; the link works once."""
    invitation = invitation_for_token(token)
    if invitation is not None:
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("dealership")
            .get(pk=invitation.pk)
        )
    problem = invitation_problem(invitation)
    if problem:
        raise ValidationError({"__all__": [problem]})
    errors: dict[str, list[str]] = {}
    username = (username or "").strip()
    if not username:
        errors["username"] = ["Pick a username."]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = ["That username is taken."]
    first_name = (first_name or invitation.first_name).strip()
    last_name = (last_name or invitation.last_name).strip()
    try:
        validate_password(
            password or "",
            User(username=username, email=invitation.email, first_name=first_name),
        )
    except ValidationError as exc:
        errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    user = create_staff(
        invitation.dealership,
        username=username,
        role=invitation.role,
        password=password,
        email=invitation.email,
        first_name=first_name,
        last_name=last_name,
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_user = user
    invitation.save(update_fields=["accepted_at", "accepted_user"])
    _invitation_event(
        invitation,
        user,
        "invitation_accepted",
        {"email": ["", invitation.email], "invited_by": ["", invitation.invited_by.display_name]},
    )
    return user


@transaction.atomic
def set_group(store: Dealership, name: str, *, acting_user=None) -> DealerGroup | None:
    """Put `store` in the dealer group called `name` (made on first use), or take it out
    with an empty name. The operator's act (`goodwill group`): a store in a group shows its
    NPS to the group's dealer admins. Logged in the store's audit log."""
    name = " ".join((name or "").split())
    if len(name) > DealerGroup._meta.get_field("name").max_length:
        raise ValidationError({"name": ["A group's name is at most 120 characters."]})
    store = Dealership.objects.select_for_update().get(pk=store.pk)
    old = store.group.name if store.group_id else ""
    group = DealerGroup.objects.get_or_create(name=name)[0] if name else None
    if old == name:
        return group
    store.group = group
    store.save(update_fields=["group"])
    _audited(acting_user, "settings_changed", store, dealership=store.pk, group=[old, name])
    return group
