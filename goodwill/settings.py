"""Settings, read from the environment through small typed helpers (no file to copy).

Defaults give the embedded demo: SQLite in ./goodwill-data, console email, DEBUG off.
Production sets DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS and GOODWILL_SECURE=1.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp import constants as csp
from django.core.exceptions import ImproperlyConfigured


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env("GOODWILL_DATA_DIR", "goodwill-data")).resolve()

DEBUG = env_bool("DEBUG")
SECURE = env_bool("GOODWILL_SECURE")

# The key that signs sessions, password-reset and invitation links. There is no public
# default: without SECRET_KEY the installation makes its own random key once and keeps it in
# the data folder (the demo, a single server). A production start (GOODWILL_SECURE=1) must
# set SECRET_KEY itself, and the key that older versions shipped is refused everywhere.
PUBLIC_DEMO_KEYS = frozenset({"goodwill-demo-only-not-secret-set-SECRET_KEY-in-production"})


def _installation_secret_key() -> str:
    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            pass
        else:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


def _secret_key() -> str:
    key = env("SECRET_KEY")
    if key in PUBLIC_DEMO_KEYS:
        raise ImproperlyConfigured(
            "SECRET_KEY is the public demo key printed in Goodwill's source: anyone could sign "
            "sessions with it. Set SECRET_KEY to a long random value, e.g. the output of "
            "`python3 -c 'import secrets; print(secrets.token_urlsafe(50))'`."
        )
    if not key and SECURE:
        raise ImproperlyConfigured(
            "GOODWILL_SECURE=1 needs SECRET_KEY in the environment (a long random value, e.g. "
            "`python3 -c 'import secrets; print(secrets.token_urlsafe(50))'`), the same on "
            "every server of the installation."
        )
    return key or _installation_secret_key()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Production hardening (`manage.py check --deploy` is clean with GOODWILL_SECURE=1).
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE else None
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy on every answer (django-csp): scripts only from our static files
# (htmx and goodwill/app.js; no inline <script>, no on…= attributes, no eval), stylesheets
# only from our static files. `style="…"` attributes stay allowed (style-src-attr): they carry
# no script, and a <style> element still needs a stylesheet of ours.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF],
        "style-src-attr": [csp.UNSAFE_INLINE],
        "img-src": [csp.SELF, "data:"],
        "object-src": [csp.NONE],
        "base-uri": [csp.NONE],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    },
}

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "ninja",  # serves the API docs (Swagger UI) from local static files, not a CDN
    "django_q",
    "goodwill.core",
    "goodwill.dealerships",
    "goodwill.accounts",
    "goodwill.audit",
    "goodwill.jobs",
    "goodwill.customers",
    "goodwill.outreach",
    "goodwill.dedupe",
    "goodwill.network",
    "goodwill.referrals",
    "goodwill.partners",
    "goodwill.imports",
    "goodwill.floor",
    "goodwill.rivals",
    "goodwill.fails",
    "goodwill.service",
    "goodwill.messaging",
    "goodwill.myday",
    "goodwill.feedback",
    "goodwill.outside",
    "goodwill.api",
    "goodwill.devdata",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "goodwill.core.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "goodwill.audit.middleware.AuditMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "goodwill.core.middleware.PagesOnlyMiddleware",  # PAGES_ONLY_MIDDLEWARE, for pages only
    "goodwill.core.middleware.DealershipMiddleware",
    "goodwill.accounts.middleware.AccountMiddleware",
]
# What a person's browser needs and the API does not (its token authenticates each request,
# its views are CSRF-exempt): run in this order inside `PagesOnlyMiddleware`, where
# MIDDLEWARE names it. Axes's lockout check wraps the store's middleware from here instead
# of inside them: it only replaces the answer of a locked-out sign-in.
PAGES_ONLY_MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "goodwill.core.middleware.MethodNotAllowedPageMiddleware",
    "goodwill.core.middleware.PagesLoginRequiredMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "goodwill.urls"
WSGI_APPLICATION = "goodwill.wsgi.application"
AUTH_USER_MODEL = "dealerships.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sign-in: django-axes counts failed passwords (and failed MFA codes, see accounts/views.py)
# per account; `accounts.throttle` adds a wider limit per address (a showroom shares one).
AUTHENTICATION_BACKENDS = [
    "goodwill.accounts.throttle.ThrottledBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("GOODWILL_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("GOODWILL_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "goodwill.accounts.throttle.locked_out_response"
AXES_CLIENT_IP_CALLABLE = "goodwill.accounts.throttle.client_ip"
AXES_VERBOSE = False
GOODWILL_ADDRESS_FAILURE_LIMIT = env_int("GOODWILL_ADDRESS_FAILURE_LIMIT", 30)
# Requests one address may make to customers' private links (surveys, referral links) in
# 10 minutes; past it the pages answer 429 (feedback/links.py).
GOODWILL_PUBLIC_LINK_LIMIT = env_int("GOODWILL_PUBLIC_LINK_LIMIT", 60)
# axes.W006 asks for 'ip_address' among the lockout parameters: the address has its own,
# wider limit in `accounts/throttle.py` (one lock for both would shut a showroom out).
# security.W003 and axes.W002 look for CSRF and axes in MIDDLEWARE only; they run inside
# PagesOnlyMiddleware (PAGES_ONLY_MIDDLEWARE), and goodwill.E004/E005 check them there.
SILENCED_SYSTEM_CHECKS = ["axes.W006", "security.W003", "axes.W002"]
OTP_TOTP_ISSUER = "Goodwill"
PASSWORD_RESET_TIMEOUT = 2 * 3600  # a "forgot password" link works for two hours
GOODWILL_INVITATION_DAYS = env_int("GOODWILL_INVITATION_DAYS", 7)

# Every absolute link in emails and ADF leads starts here (no request to take it from):
# e.g. https://crm.example-motors.com. `goodwill demo` sets it from its own address.
GOODWILL_SITE_URL = env("GOODWILL_SITE_URL").rstrip("/")

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "goodwill.core.navigation.nav",
            ],
            "builtins": ["goodwill.core.templatetags.goodwill"],
        },
    }
]

# SQLite by default (WAL, busy timeout, IMMEDIATE transactions so concurrent writers queue
# instead of failing with "database is locked"); PostgreSQL through DATABASE_URL.
SQLITE_PATH = DATA_DIR / "goodwill.sqlite3"
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    DATABASES["default"]["TEST"] = {"NAME": env("GOODWILL_TEST_DB_NAME") or None}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend, bulk writes cut to the 65,535 parameters a statement carries
        # when they are bound by the server (below): `goodwill.core.postgresql`.
        DATABASES["default"]["ENGINE"] = "goodwill.core.postgresql"
        # Statements the server plans once per connection: parameters bound by the server
        # and psycopg preparing a statement from its fifth use. Planning was most of the
        # database's CPU for a request (a customer's read: 0.22 ms of planning, 0.05 of
        # execution); backend CPU of an API GET 1.1-1.6 ms -> 0.5-0.6 (issue 10's closing
        # note, session (f)). Behind PgBouncer this needs its prepared-statement support.
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=env_int("GOODWILL_PREPARE_THRESHOLD", 5)
        )
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": {
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", "America/Chicago")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env("STATIC_ROOT") or None  # set for collectstatic in production
# The demo serves static files straight from the apps (no collectstatic step needed).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Goodwill <goodwill@localhost>")

# Texts to customers (goodwill/messaging/sms.py): the console backend prints them (demo);
# `goodwill.messaging.sms.TwilioBackend` sends them through Twilio. Each store sets its own
# texting number; GOODWILL_SMS_FROM is the installation's number for stores without one.
# Twilio's inbound webhook is /api/v1/messages/inbound/twilio (signed with the auth token).
GOODWILL_SMS_BACKEND = env("GOODWILL_SMS_BACKEND", "goodwill.messaging.sms.ConsoleBackend")
GOODWILL_SMS_FILE_PATH = env("GOODWILL_SMS_FILE_PATH")
GOODWILL_SMS_FROM = env("GOODWILL_SMS_FROM")
GOODWILL_TWILIO_ACCOUNT_SID = env("GOODWILL_TWILIO_ACCOUNT_SID")
GOODWILL_TWILIO_AUTH_TOKEN = env("GOODWILL_TWILIO_AUTH_TOKEN")
GOODWILL_TWILIO_API_BASE = env("GOODWILL_TWILIO_API_BASE")

# Background jobs (goodwill/jobs, docs/ARCHITECTURE.md "Background jobs"): django-q2 on the
# ORM broker, so the queue lives in the same database (SQLite or PostgreSQL). `timeout` is the
# ceiling of one job (each kind sets its own below it); a message not acknowledged within
# `retry` seconds (its worker died) is delivered again, and `goodwill.jobs.queue` makes that
# run the work once. Failures are acknowledged: our runner decides about retries.
GOODWILL_JOB_TIMEOUT = env_int("GOODWILL_JOB_TIMEOUT", 3600)
Q_CLUSTER = {
    "name": "goodwill",
    "orm": "default",
    "workers": env_int("GOODWILL_WORKERS", 2),
    "timeout": GOODWILL_JOB_TIMEOUT,
    "retry": GOODWILL_JOB_TIMEOUT + 300,
    "ack_failures": True,
    "max_attempts": 3,
    "catch_up": False,
    "poll": 1.0,
    "queue_limit": 2,
    "recycle": 200,
    "save_limit": 500,
    "label": "Background jobs",
}
# Tests set this: a job runs in-process right after its transaction commits.
GOODWILL_JOBS_EAGER = env_bool("GOODWILL_JOBS_EAGER")

# Default phone region when a dealership has none (phone numbers are stored as E.164).
GOODWILL_DEFAULT_PHONE_REGION = env("GOODWILL_DEFAULT_PHONE_REGION", "US")
GOODWILL_PAGE_SIZE = env_int("GOODWILL_PAGE_SIZE", 50)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}
