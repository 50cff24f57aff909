"""Settings of the bare reference app: Django's defaults that cost nothing per request,
the same database server and connection settings as Goodwill (`DATABASE_URL`,
`conn_max_age=60`). No sessions, no auth: the bare app is the floor, not a rival product."""

import os

import dj_database_url

SECRET_KEY = "bare-reference-app-for-benchmarks-only"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = ["bare"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "bare.urls"
WSGI_APPLICATION = "bare.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
    }
]
DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "America/Chicago"
# The one store the benchmark's requests are about (Goodwill takes it from the token).
BARE_DEALERSHIP_ID = int(os.environ.get("BARE_DEALERSHIP_ID", "0"))
