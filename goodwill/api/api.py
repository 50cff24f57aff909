"""The JSON API at /api/v1/ (OpenAPI at /api/v1/openapi.json). Each app adds its router."""

from django.core.exceptions import ValidationError as DjangoValidationError
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
    """Every installed goodwill app with an `api.py` defining `router` joins the API."""
    import importlib

    from django.apps import apps

    for config in apps.get_app_configs():
        if not config.name.startswith("goodwill.") or config.name == "goodwill.api":
            continue
        try:
            module = importlib.import_module(f"{config.name}.api")
        except ModuleNotFoundError as exc:
            if not f"{config.name}.api".startswith(exc.name or "-"):
                raise  # the module exists but something it imports is missing
            continue
        if hasattr(module, "router"):
            api.add_router("/", module.router)


_register_routers()
