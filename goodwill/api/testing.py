"""Test helpers for the API: a token client and response validation against the OpenAPI
document, so every API test also proves the document tells the truth (zulip's habit)."""

import json
import re
from functools import cache

import jsonschema
from django.test import Client

from goodwill.api.api import api
from goodwill.api.models import ApiToken


class ApiClient:
    def __init__(self, user):
        _, token = ApiToken.issue(user)
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"}

    def request(self, method, path, body=None, *, headers=None, check_schema=True):
        kwargs = {"headers": {**self.headers, **(headers or {})}}
        if method != "GET":
            kwargs |= {"data": json.dumps(body or {}), "content_type": "application/json"}
        response = getattr(self.client, method.lower())("/api/v1" + path, **kwargs)
        if check_schema:
            assert_matches_openapi(method, path, response)
        return response

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body, **kw)


@cache
def openapi() -> dict:
    return api.get_openapi_schema()


def _operation(method, path):
    path = path.split("?")[0]
    for template, ops in openapi()["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template.removeprefix("/api/v1")) + "$"
        if re.match(pattern, path) and method.lower() in ops:
            return ops[method.lower()]
    raise AssertionError(f"{method} {path} is not in the OpenAPI document")


def assert_matches_openapi(method, path, response) -> None:
    operation = _operation(method, path)
    documented = {str(k): v for k, v in operation.get("responses", {}).items()}
    status = str(response.status_code)
    if status in ("401", "404") and response.status_code != 200:
        return  # framework answers, same shape everywhere
    assert status in documented, (
        f"{method} {path} answered {status}, documented: {sorted(documented)}"
    )
    content = documented[status].get("content", {}).get("application/json")
    if not content:
        return
    schema = {**content["schema"], "components": openapi().get("components", {})}
    jsonschema.validate(response.json(), schema, cls=jsonschema.Draft202012Validator)
