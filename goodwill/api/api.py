"""The JSON API at /api/v1/ (OpenAPI at /api/v1/openapi.json). Each app adds its router."""

import sys

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.module_loading import autodiscover_modules
from ninja import NinjaAPI
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from goodwill.api.auth import TokenAuth
from goodwill.core.text import control_character_message


class TextRulesParser(Parser):
    """Query strings and form fields under the text rule of bodies (`schemas.In`): a NUL or
    another control character in `?q=` is a 422 for every operation, declared or not."""

    def parse_querydict(self, data, list_fields, request):
        result = super().parse_querydict(data, list_fields, request)
        errors = [
            {"loc": ["query", key], "msg": message, "type": "value_error"}
            for key, values in result.items()
            for value in (values if isinstance(values, list) else [values])
            if isinstance(value, str)
            and (message := control_character_message(key + value, multiline=True))
        ]
        if errors:
            raise NinjaValidationError(errors)
        return result


# Answers the framework gives on its own, documented on every operation they can come from,
# so a client (and schemathesis) finds each status it can receive in the document.
FRAMEWORK_ANSWERS = {
    "400": "The body is not JSON",
    "401": "No valid `Authorization: Bearer` token",
    "403": "The token's user may not do this (their role, or not theirs)",
    "404": "Nothing of the store's with this id (another store's ids are the same 404)",
    "422": "Invalid input: one entry per field (`loc`, `msg`, `type`)",
    "414": "The request line (path and query string) is over 4,094 bytes: the server "
    "(gunicorn) refuses it before Goodwill reads it",
}


SERVER_PAGE = {"text/html": {"schema": {"type": "string"}}}


class GoodwillAPI(NinjaAPI):
    def get_openapi_schema(self, **kw):
        schema = super().get_openapi_schema(**kw)
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for path, operations in schema["paths"].items():
            for operation in operations.values():
                operation["responses"] = {str(k): v for k, v in operation["responses"].items()}
                answers = {"400": bool(operation.get("requestBody"))}
                answers["401"] = answers["403"] = bool(operation.get("security"))
                # An id in the path, the body or the query that is not the store's.
                answers["404"] = "{" in path or bool(
                    operation.get("requestBody") or operation.get("parameters")
                )
                answers["422"] = bool(operation.get("parameters") or operation.get("requestBody"))
                # Only a parameter can make the request line long (the fuzzer's repeated
                # `?limit=` once did); gunicorn answers 414 before Django sees the request.
                answers["414"] = bool(operation.get("parameters"))
                for status, applies in answers.items():
                    if applies and status not in operation["responses"]:
                        operation["responses"][status] = {
                            "description": FRAMEWORK_ANSWERS[status],
                            # gunicorn's own page: Goodwill never saw the request.
                            "content": SERVER_PAGE if status == "414" else error,
                        }
        return schema


api = GoodwillAPI(
    title="Goodwill API",
    version="1",
    description="Referral network and relationship CRM for car dealerships. "
    "Authenticate with `Authorization: Bearer <token>` (`goodwill token USERNAME`). "
    "Creates accept an `Idempotency-Key` header.",
    auth=TokenAuth(),
    urls_namespace="api",
    parser=TextRulesParser(),
)


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc: PermissionDenied):
    """An action's refusal for the user's role: 403 with its sentence."""
    return api.create_response(request, {"detail": str(exc) or "Not allowed."}, status=403)


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
