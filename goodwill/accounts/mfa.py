"""The second factor, through django-otp: a TOTP device (any authenticator app: Google
Authenticator, Microsoft Authenticator, 1Password, Authy …) and ten single-use recovery codes
(django-otp's static device). Enrolment, change and removal are in the staff history."""

from base64 import b32encode

import segno
from django.db import transaction
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from goodwill.dealerships import actions
from goodwill.dealerships.models import StaffEvent

APP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"
RECOVERY_COUNT = 10


def has_mfa(user) -> bool:
    return user_has_device(user, confirmed=True)


def pending_totp(user) -> TOTPDevice:
    """The unconfirmed device being enrolled (one per user, kept across page loads)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=APP_NAME, confirmed=False)


def secret_of(device: TOTPDevice) -> str:
    """The key as an authenticator app's "enter a setup key" wants it (base32, grouped)."""
    raw = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def qr_svg(device: TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_inline(scale=5, border=2)


def _event(user, verb, changes=None, actor=None) -> None:
    StaffEvent.objects.create(
        dealership_id=user.dealership_id,
        user=user,
        actor=actor or user,
        verb=verb,
        changes=changes or {},
    )


def new_recovery_codes(user) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


@transaction.atomic
def confirm_totp(user, device: TOTPDevice, code: str) -> list[str] | None:
    """Check the first code from the app; on success the device is confirmed, any older app
    replaced, and fresh recovery codes returned (shown once)."""
    if not device.verify_token((code or "").replace(" ", "")):
        return None
    TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = new_recovery_codes(user)
    _event(user, "mfa_enrolled", {"mfa": ["", APP_NAME]})
    return codes


@transaction.atomic
def regenerate_recovery_codes(user) -> list[str]:
    codes = new_recovery_codes(user)
    _event(user, "mfa_recovery_codes_renewed")
    return codes


def remove_mfa(user, *, actor=None) -> None:
    """Removes the app and the recovery codes (the user, or a dealer admin for a lost phone)."""
    actions.reset_second_factor(user, acting_user=actor or user)


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__name=RECOVERY_NAME).count()
