"""The JSON API at /api/v1/ (OpenAPI at /api/v1/openapi.json). Each app adds its router."""

import sys

from django.apps import apps
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.module_loading import autodiscover_modules
from ninja import NinjaAPI

from goodwill.api.auth import TokenAuth

api = NinjaAPI(
    title="Goodwill API",
    version="1",
    description="Referral network and relationship CRM for car dealerships. "
    "Authenticate with `Authorization: Bearer <token>` (`goodwill token USERNAME`). "
    "Creates accept an `Idempotency-Key` header.",
    auth=TokenAuth(),
    urls_namespace="api",
)


@api.exception_handler(DjangoValidationError)
def django_validation_error(request, exc: DjangoValidationError):
    """Errors raised by actions: 422 with one entry per field, like request validation."""
    detail = []
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            loc = ["body"] if field == "__all__" else ["body", field]
            detail += [{"loc": loc, "msg": msg, "type": "value_error"} for msg in errors]
    else:
        detail = [{"loc": ["body"], "msg": msg, "type": "value_error"} for msg in exc.messages]
    return api.create_response(request, {"detail": detail}, status=422)


def _register_routers() -> None:
    """Every installed goodwill app with an `api.py` defining `router` joins the API, found
    with Django's own `autodiscover_modules` (as the admin finds `admin.py`), so this module
    imports no domain app."""
    autodiscover_modules("api")
    for config in apps.get_app_configs():
        if not config.name.startswith("goodwill.") or config.name == "goodwill.api":
            continue
        router = getattr(sys.modules.get(f"{config.name}.api"), "router", None)
        if router is not None:
            api.add_router("/", router)


_register_routers()
