"""Sign-in and account pages. Thin: the store and its staff change through
`dealerships.actions`, the second factor through `accounts.mfa`."""

import os
import time

import django_otp
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.crypto import constant_time_compare
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from goodwill.accounts import mfa, throttle
from goodwill.accounts.forms import CodeForm
from goodwill.core.forms import errors_to_form
from goodwill.core.links import SETUP_TOKEN_ENV, site_url
from goodwill.core.tenancy import staff_required, store_free
from goodwill.dealerships import actions as store_actions
from goodwill.dealerships.forms import SetupForm
from goodwill.dealerships.models import Dealership, User
from goodwill.dealerships.places import MAKES

PENDING = "gw_mfa_pending"
PENDING_SECONDS = 300


def _next_url(request, fallback: str = "") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback or reverse(settings.LOGIN_REDIRECT_URL)


# --------------------------------------------------------------------------- first run
def _setup_allowed(request) -> bool:
    """The first-run page answers the machine itself, or whoever holds the one-time token
    `goodwill serve` printed (kept in the session once shown)."""
    expected = os.environ.get(SETUP_TOKEN_ENV, "")
    given = request.GET.get("setup") or request.session.get("gw_setup_token", "")
    if expected and given and constant_time_compare(given, expected):
        request.session["gw_setup_token"] = given
        return True
    return throttle.is_loopback(request)


@login_not_required
@store_free
def home(request):
    """`/`: the first-run page while the installation has no store; the start page after."""
    if Dealership.objects.exists():
        if not request.user.is_authenticated:
            return redirect("login")
        return redirect("myday:home")
    if not _setup_allowed(request):
        return render(request, "accounts/setup_closed.html", status=403)
    form = SetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _, admin = store_actions.setup_store(**form.cleaned_data, via="first-run page")
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            request.session.pop("gw_setup_token", None)
            login(request, admin, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                f"{admin.dealership.name} is set up. Invite your staff from the Staff page.",
            )
            return redirect("dealerships:staff")
    return render(request, "accounts/setup.html", {"form": form, "makes": MAKES})


# --------------------------------------------------------------------------- sign in
@login_not_required
def sign_in(request):
    """Step one: username and password (axes counts failures). With a second factor set
    up, step two asks for a code before the session is signed in."""
    if throttle.address_locked(request):
        return throttle.lockout_page(request, address=True)
    form = AuthenticationForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        if mfa.has_mfa(user):
            request.session[PENDING] = {
                "user": user.pk,
                "backend": user.backend,
                "at": int(time.time()),
                "next": _next_url(request),
            }
            return redirect("login_code")
        login(request, user)
        return redirect(_next_url(request))
    return render(
        request,
        "registration/login.html",
        {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")},
    )


@login_not_required
def sign_in_code(request):
    """Step two: a code from the authenticator app or a recovery code. A wrong code is a
    failed sign-in for axes: five of them lock the account like five wrong passwords."""
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        messages.info(request, "Sign in again: the code step waits five minutes at most.")
        return redirect("login")
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    if user is None:
        return redirect("login")
    credentials = {"username": user.get_username()}
    if throttle.address_locked(request) or not AxesProxyHandler.is_allowed(request, credentials):
        return throttle.lockout_page(request)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = django_otp.match_token(user, form.cleaned_data["code"])
        if device is not None:
            request.session.pop(PENDING, None)
            login(request, user, backend=pending["backend"])
            django_otp.login(request, device)
            if device.name == mfa.RECOVERY_NAME:
                left = mfa.recovery_codes_left(user)
                messages.warning(
                    request,
                    f"You used a recovery code; {left} left. Make new ones on your account page.",
                )
            return redirect(pending.get("next") or reverse(settings.LOGIN_REDIRECT_URL))
        user_login_failed.send(
            sender=__name__, credentials=credentials, request=request, reason="mfa_code"
        )
        form.add_error("code", "That code did not work. Codes change every 30 seconds.")
    return render(request, "accounts/sign_in_code.html", {"form": form})


# --------------------------------------------------------------------------- account
@staff_required
def account(request):
    user = request.user
    tokens = user.api_tokens.filter(revoked_at__isnull=True).count()
    return render(
        request,
        "accounts/account.html",
        {
            "nav": "account",
            "has_mfa": mfa.has_mfa(user),
            "mfa_required": bool(request.dealership and request.dealership.requires_mfa(user.role)),
            "recovery_left": mfa.recovery_codes_left(user),
            "tokens": tokens,
        },
    )


@staff_required
def mfa_page(request):
    """Set up the authenticator app (QR code, or the key typed in), or — with one already
    set up but this session not yet verified — enter a code."""
    user = request.user
    required = bool(request.dealership and request.dealership.requires_mfa(user.role))
    if mfa.has_mfa(user) and not user.is_verified():
        form = CodeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            device = django_otp.match_token(user, form.cleaned_data["code"])
            if device is not None:
                django_otp.login(request, device)
                return redirect("home")
            user_login_failed.send(
                sender=__name__,
                credentials={"username": user.get_username()},
                request=request,
                reason="mfa_code",
            )
            form.add_error("code", "That code did not work. Codes change every 30 seconds.")
        return render(request, "accounts/sign_in_code.html", {"form": form, "verify": True})
    if mfa.has_mfa(user):
        return render(
            request,
            "accounts/mfa_on.html",
            {
                "nav": "account",
                "required": required,
                "recovery_left": mfa.recovery_codes_left(user),
            },
        )
    device = mfa.pending_totp(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = mfa.confirm_totp(user, device, form.cleaned_data["code"])
        if codes is not None:
            django_otp.login(request, device)
            return render(
                request, "accounts/recovery_codes.html", {"codes": codes, "nav": "account"}
            )
        allowed, _ = device.verify_is_allowed()
        form.add_error(
            "code",
            "That code did not match. Check the time on your phone and try the next one."
            if allowed
            else "That code did not match. Wait a few seconds, then try the next one.",
        )
    return render(
        request,
        "accounts/mfa_setup.html",
        {
            "nav": "account",
            "form": form,
            "required": required,
            "qr": mfa.qr_svg(device),
            "secret": mfa.secret_of(device),
        },
    )


@require_POST
@staff_required
def mfa_recovery(request):
    if not (mfa.has_mfa(request.user) and request.user.is_verified()):
        raise PermissionDenied("Set up the authenticator app first.")
    codes = mfa.regenerate_recovery_codes(request.user)
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "nav": "account"})


@require_POST
@staff_required
def mfa_remove(request):
    user = request.user
    if request.dealership and request.dealership.requires_mfa(user.role):
        raise PermissionDenied(
            "Your store requires a second factor for your role: set up a new phone instead "
            "(your dealer admin can reset it if the old one is lost)."
        )
    mfa.remove_mfa(user)
    messages.success(request, "Two-step sign-in is off.")
    return redirect("accounts:account")


# --------------------------------------------------------------------------- passwords
class PasswordChange(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:account")
    extra_context = {"nav": "account"}

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "Password changed. Your other sessions were signed out.")
        return response


class PasswordReset(auth_views.PasswordResetView):
    """ "Forgot password": the email's link starts at GOODWILL_SITE_URL like every other."""

    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/emails/password_reset.txt"
    subject_template_name = "accounts/emails/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        self.extra_email_context = {"site_url": site_url("").rstrip("/")}
        return super().form_valid(form)


password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_done.html"
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="accounts/password_reset_confirm.html",
    success_url=reverse_lazy("password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)
