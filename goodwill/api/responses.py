"""Answers sent as they are, without ninja validating them again.

An endpoint declares its response schema (so the OpenAPI document says what it returns)
and normally returns a dict that ninja validates against that schema before rendering it.
Where the dict is built by an `*_out` function from values the ORM already typed (UUIDs,
datetimes, strings of bounded length), that second pass checks nothing new; on a list of
50 customers it was about half the request's time. `json_answer` renders such a dict
straight to JSON with ninja's own encoder, so the bytes are what ninja would have sent.
The API tests still check every answer against the OpenAPI document
(`goodwill.api.testing.ApiClient`), which is where a mismatch is caught.

Measured with `bench/bench_http.py` (1,000,000 customers, PostgreSQL; the figures are in
the docstrings of the endpoints that use it)."""

import json

from django.http import HttpResponse
from ninja.responses import NinjaJSONEncoder

CONTENT_TYPE = "application/json; charset=utf-8"


def render(payload) -> str:
    return json.dumps(payload, cls=NinjaJSONEncoder)


def json_answer(payload, *, status: int = 200) -> HttpResponse:
    """`payload` as JSON, exactly as ninja renders a validated answer."""
    return HttpResponse(render(payload), status=status, content_type=CONTENT_TYPE)
