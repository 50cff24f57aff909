"""Length and character rules in one place (issue 11, point 5): every string the API
accepts is bounded and states its text rule in the OpenAPI document; the rule is enforced
for bodies, query strings and the pages' forms alike."""

import importlib

import pytest
from django import forms
from django.utils.module_loading import autodiscover_modules
from ninja import Schema

from goodwill.api.schemas import In
from goodwill.api.testing import ApiClient, openapi
from goodwill.conftest import make_staff
from goodwill.core.forms import TextRules
from goodwill.core.text import FREE_TEXT, ONE_LINE
from goodwill.referrals.models import ReferralPolicy

STRING_RULES = {"maxLength", "pattern"}


def _strings(schema, components, where, seen=()):
    """(where, string schema) for every string a request may carry."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        if name not in seen:
            yield from _strings(components[name], components, f"{where}→{name}", (*seen, name))
        return
    branches = schema.get("anyOf", [])
    if any(b.get("type") == "number" for b in branches):
        return  # a decimal, as a number or a string: bounded by its digits
    for branch in branches:
        yield from _strings(branch, components, where, seen)
    if schema.get("type") == "string" and not {"enum", "format"} & set(schema):
        yield where, schema
    for name, prop in schema.get("properties", {}).items():
        yield from _strings(prop, components, f"{where}.{name}", seen)
    if isinstance(schema.get("items"), dict):
        yield from _strings(schema["items"], components, f"{where}[]", seen)
    if isinstance(schema.get("additionalProperties"), dict):
        yield from _strings(schema["additionalProperties"], components, f"{where}{{}}", seen)


def _parsed(schema) -> bool:
    """A string with a pattern of its own (a decimal, a time, a choice) is bounded by what
    it parses to; the length rule is for text."""
    return "pattern" in schema and schema["pattern"] not in (ONE_LINE, FREE_TEXT)


def test_every_string_a_request_carries_is_bounded_and_states_its_text_rule():
    document = openapi()
    components = document["components"]["schemas"]
    loose = []
    for path, operations in document["paths"].items():
        for method, op in operations.items():
            found = [
                (f"{method.upper()} {path} ?{p['name']}", p["schema"])
                for p in op.get("parameters", [])
                if p["in"] == "query"
            ]
            for content in op.get("requestBody", {}).get("content", {}).values():
                found.append((f"{method.upper()} {path} body", content["schema"]))
            for where, schema in found:
                loose += [
                    f"{w}: lacks {sorted(STRING_RULES - set(s))}"
                    for w, s in _strings(schema, components, where)
                    if not set(s) >= STRING_RULES and not _parsed(s)
                ]
    assert not loose, "\n".join(loose)


@pytest.mark.django_db
def test_control_characters_are_refused_in_bodies_and_queries(mike):
    api = ApiClient(mike)
    for body in (
        {"first_name": "Ann\x00", "last_name": "Lee"},
        {"first_name": "Ann", "last_name": "Lee\x1b[31m"},
        {"first_name": "Ann\nLee"},  # a name is one line
        {"first_name": "Ann", "notes": "bell\x07"},
    ):
        answer = api.post("/customers", body)
        assert answer.status_code == 422, body
    notes = api.post("/customers", {"first_name": "Ann", "notes": "line one\r\n\tline two"})
    assert notes.status_code == 201
    assert api.get("/customers?q=Ann%00").status_code == 422
    assert api.get("/suggestions?q=%1b").status_code == 422


@pytest.mark.django_db
def test_unknown_fields_are_refused(mike):
    answer = ApiClient(mike).post("/customers", {"first_name": "Ann", "frist_name": "Ann"})
    assert answer.status_code == 422 and "frist_name" in str(answer.json())


@pytest.mark.django_db
def test_paging_numbers_are_bounded(mike):
    api = ApiClient(mike)
    for path in (
        "/customers?offset=99999999999999999999",
        "/customers?offset=10000001",
        "/customers?limit=99999999999999999999",
        "/referrals?offset=99999999999999999999",
        "/duplicates/clusters?offset=99999999999999999999",
        "/fails?limit=99999999999999999999",
    ):
        assert api.get(path).status_code == 422, path


@pytest.mark.django_db
def test_pages_with_huge_page_and_user_numbers_answer(client_for, dana):
    client = client_for(dana)
    for path in (
        "/customers/?page=99999999999999999999",
        "/customers/?page=²",
        "/referrals/?page=99999999999999999999",
        "/duplicates/?page=99999999999999999999",
        "/floor/report/?show=sold&user=99999999999999999999",
        "/floor/report/?show=fails_specialist&key=99999999999999999999",
        "/service/report/?drill=advisor&key=99999999999999999999",
        "/service/report/?drill=booker&key=abc",
        "/service/report/?drill=downtime&key=abcdefg",
    ):
        assert client.get(path).status_code == 200, path


@pytest.mark.django_db
def test_referral_settings_refuse_null_and_offset_times(store_a):
    boss = make_staff(store_a, "hank", "sales_mgr")
    api = ApiClient(boss)
    for body in (
        {"open_days": None},
        {"open_days": [7]},
        {"ack_business_hours": None},
        {"opens_at": "09:00+05:00"},
        {"opens_at": "09:00:00Z"},
        {"closes_at": 32400},
    ):
        assert api.patch("/referral-settings", body).status_code == 422, body
    ok = api.patch("/referral-settings", {"opens_at": "09:30", "open_days": [0, 2, 4]})
    assert ok.status_code == 200 and ok.json()["opens_at"] == "09:30:00"
    assert ReferralPolicy.objects.get(dealership=store_a).open_days == [0, 2, 4]


@pytest.mark.django_db
def test_forms_refuse_control_characters_with_a_message(client_for, mike):
    page = client_for(mike).post(
        "/customers/new/", {"kind": "person", "first_name": "Ann\x00", "last_name": "Lee\x1b"}
    )
    assert page.status_code == 200 and "control character" in page.text


def test_every_form_carries_the_text_rules():
    """Every form class in goodwill derives from `core.forms` (the one text rule)."""
    autodiscover_modules("forms", "views")
    found = []

    def walk(cls):
        for sub in cls.__subclasses__():
            found.append(sub)
            walk(sub)

    walk(forms.BaseForm)
    ours = [
        c for c in found if c.__module__.startswith("goodwill.") and "tests" not in c.__module__
    ]
    assert len(ours) > 30
    assert [c.__qualname__ for c in ours if not issubclass(c, TextRules)] == []


def test_every_request_body_derives_from_in():
    """`In` carries the rules (unknown fields, JSON types, control characters)."""
    bodies = {
        content["schema"]["$ref"].rsplit("/", 1)[1]
        for operations in openapi()["paths"].values()
        for op in operations.values()
        for content in op.get("requestBody", {}).get("content", {}).values()
        if "$ref" in content["schema"]
    }

    def walk(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from walk(sub)

    loose = [f"{c.__module__}.{c.__name__}" for c in walk(Schema) if c.__name__ in bodies]
    assert [n for n in loose if not issubclass(_by_name(n), In)] == []


def _by_name(dotted):
    module, name = dotted.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


@pytest.mark.django_db
@pytest.mark.parametrize("offset", ["%2B16:15", "-17:58", "%2B14:30"])
def test_a_time_zone_offset_off_the_earth_is_a_422_not_a_500(mike, offset):
    """PostgreSQL refuses offsets past ±15:59 with an error; they are refused first."""
    api = ApiClient(mike)
    answer = api.get(f"/survey-responses?since=2026-10-05T07:40:09{offset}")
    assert answer.status_code == 422
    assert api.get("/survey-responses?since=2026-10-05T07:40:09-05:00").status_code == 200
    body = {"customer_id": "a9919603-a862-45f2-b559-25917981a3a0"}
    body["scheduled_for"] = "2026-12-01T09:00:00" + offset.replace("%2B", "+")
    assert api.post("/service-visits", body).status_code == 422
