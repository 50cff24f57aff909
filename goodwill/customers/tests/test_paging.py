"""Every list pages completely (issue 11, point 4): 3,000 customers of the same three names,
walked page by page through the API (offset and cursor) and the pages, each seen once.

Equal names are the trap: ordered by name alone, PostgreSQL may return equal rows in another
order for each page, so limit/offset pages overlap and leave gaps (18,520 rows walked gave
18,501 distinct customers). The order ends with a unique key now."""

import re
from pathlib import Path

import pytest
from django.apps import apps

from goodwill.api.testing import ApiClient
from goodwill.customers.models import Customer

pytestmark = pytest.mark.django_db

COUNT = 3000


@pytest.fixture
def namesakes(store_a, alice):
    """Bulk-inserted (the write path is not under test here; 3,000 creates would take
    minutes): three names, 1,000 customers each."""
    names = [("Smith", "John"), ("Smith", "Jane"), ("Garcia", "Maria")]
    Customer.objects.bulk_create(
        Customer(
            dealership=store_a,
            first_name=names[n % 3][1],
            last_name=names[n % 3][0],
            search_name=f"{names[n % 3][1]} {names[n % 3][0]}".lower(),
        )
        for n in range(COUNT)
    )
    return set(Customer.objects.filter(dealership=store_a).values_list("public_id", flat=True))


def test_walking_the_api_by_offset_sees_each_customer_once(namesakes, mike):
    api, seen, offset = ApiClient(mike), [], 0
    while True:
        page = api.get(f"/customers?limit=200&offset={offset}").json()
        seen += [item["id"] for item in page["items"]]
        offset += 200
        if not page["has_more"]:
            break
    assert len(seen) == COUNT and {str(i) for i in namesakes} == set(seen)


def test_walking_the_api_by_cursor_sees_each_customer_once(namesakes, mike):
    api, seen, cursor = ApiClient(mike), [], ""
    while True:
        page = api.get(f"/customers?limit=200&cursor={cursor}").json()
        seen += [item["id"] for item in page["items"]]
        if not page["has_more"]:
            assert page["next_cursor"] is None
            break
        cursor = page["next_cursor"]
    assert len(seen) == COUNT and {str(i) for i in namesakes} == set(seen)


def test_a_forged_cursor_is_a_422(mike):
    assert ApiClient(mike).get("/customers?cursor=abc").status_code == 422


def test_walking_the_customer_pages_sees_each_customer_once(namesakes, client_for, mike):
    client, seen, page = client_for(mike), [], 1
    while True:
        html = client.get(f"/customers/?page={page}").text
        found = re.findall(r'href="/customers/([0-9a-f-]{36})/"', html)
        seen += list(dict.fromkeys(found))
        if f"page={page + 1}" not in html:
            break
        page += 1
    assert len(seen) == COUNT and {str(i) for i in namesakes} == set(seen)


def test_every_model_ordering_ends_with_a_unique_key():
    loose = []
    for config in apps.get_app_configs():
        if not config.name.startswith("goodwill."):
            continue
        for model in config.get_models():
            ordering = model._meta.ordering
            if not ordering:
                continue
            last = ordering[-1].lstrip("-")
            field = model._meta.pk if last in ("pk", "id") else model._meta.get_field(last)
            if not (field.primary_key or field.unique):
                loose.append(f"{model._meta.label}: {ordering}")
    assert not loose, loose


# `.order_by("a", "b")` with plain field names; an aggregate's name (a count by group) is no
# row order, so its queries are left out.
ORDER_BY = re.compile(r'\.order_by\(((?:\s*"[-\w]+",?\s*)+)\)')
AGGREGATES = {"-n", "-sent", "-offers", "-referrals", "-earned"}


def test_every_order_by_in_the_code_ends_with_a_unique_key():
    root = Path(__file__).resolve().parents[2]
    loose = []
    for path in root.rglob("*.py"):
        if {"tests", "migrations", "devdata"} & set(path.parts):
            continue
        for match in ORDER_BY.finditer(path.read_text(encoding="utf-8")):
            names = [a.strip().strip('"') for a in match.group(1).split(",") if a.strip()]
            if AGGREGATES & set(names):
                continue
            if names[-1].lstrip("-") not in ("id", "pk", "public_id"):
                loose.append(f"{path.relative_to(root)}: {match.group(0)}")
    assert not loose, "end these orders with a unique key: " + "; ".join(loose)
