"""The API's reads compiled once per shape (`goodwill.core.prepared`, `customers.reads`)
answer exactly what the ORM answers for the same queryset, whatever the values, the role
and the store, and a shape that cannot be prepared still answers through the ORM."""

import pytest

from goodwill.conftest import make_customer
from goodwill.core.prepared import Prepared
from goodwill.customers import actions, reads
from goodwill.customers.models import Customer
from goodwill.customers.search import filter_customers, plan_search
from goodwill.dealerships.models import User

pytestmark = pytest.mark.django_db

QUERIES = (
    "kowal",  # a name fragment
    "rob kowal",  # two tokens
    "ab",  # a token without a trigram
    "o_b",  # LIKE's wildcards are letters here
    "50%",
    "{t0}",
    "ana.sto@example.com",  # an exact address
    "ana.st",  # a prefix of one: a name search
    "ANA.STO@",  # an address's prefix (the store has no exact one)
    "(512) 555-0123",  # a whole phone
    "0177",  # a phone's last digits
    "1FTFW1E84MFA12345",  # a whole VIN
    "A12345",  # the last six of a VIN (not prepared: reads the vehicles first)
)


@pytest.fixture
def people(store_a, store_b, alice, bob, dana):
    rob = make_customer(store_a, alice, salesperson=alice, company_name="O_B Fleet")
    actions.add_vehicle(rob, acting_user=alice, vin="1FTFW1E84MFA12345")
    make_customer(
        store_a,
        dana,
        first_name="Ana",
        last_name="Sto",
        phones={"mobile": "(512) 555-0177"},
        emails={"personal": "Ana.Sto@Example.com"},
    )
    make_customer(store_a, dana, first_name="Oxb", last_name="Abbot 50x", phones={})
    make_customer(store_a, dana, first_name="Kim", last_name="Kowal", salesperson=dana)
    # Another store's customers match every query too, and never appear.
    make_customer(store_b, bob, first_name="Ana", last_name="Kowalski", phones={})
    return store_a


def _ids(rows):
    return sorted(r["public_id"] for r in rows)


@pytest.mark.parametrize("see_all", [True, False])
def test_every_kind_of_search_answers_as_the_orm_does(people, alice, dana, see_all):
    people.salespeople_see_all = see_all
    people.save(update_fields=["salespeople_see_all"])
    for user in (alice, dana):
        user = User.objects.select_related("dealership").get(pk=user.pk)
        for query in QUERIES:
            plan = plan_search(query, dealership=people)
            key = ("page", plan.shape, 50, 0)
            prepared = reads.read(user, key, prepare=plan.preparable, **plan.values)
            orm = reads.read(user, key, prepare=False, **plan.values)
            expected = filter_customers(Customer.objects.visible_to(user), query, dealership=people)
            assert prepared == orm, query
            assert _ids(prepared) == sorted(expected.values_list("public_id", flat=True)), query


def test_a_compiled_shape_is_run_with_each_requests_own_values(people, dana):
    user = User.objects.select_related("dealership").get(pk=dana.pk)
    shapes = len(reads._READS._shapes)
    first = reads.read(user, ("page", ("name", (True,)), 50, 0), t0="kowal")
    again = reads.read(user, ("page", ("name", (True,)), 50, 0), t0="sto")
    assert len(reads._READS._shapes) <= shapes + 1  # one shape, compiled once
    assert sorted(r["last_name"] for r in first) == ["Kowal", "Kowalski"]  # store a's only
    assert [r["last_name"] for r in again] == ["Sto"]
    one = Customer.objects.get(last_name="Sto")
    got = reads.read(user, ("get",), customer=one.public_id)
    assert [r["public_id"] for r in got] == [one.public_id]
    other = Customer.objects.get(last_name="Kowal")
    assert [r["public_id"] for r in reads.read(user, ("get",), customer=other.public_id)] == [
        other.public_id
    ]


def test_another_stores_customer_is_not_found_by_id(people, bob, dana):
    theirs = Customer.objects.get(dealership=bob.dealership)
    user = User.objects.select_related("dealership").get(pk=dana.pk)
    assert reads.read(user, ("get",), customer=theirs.public_id) == []


def test_a_salesperson_who_may_not_see_colleagues_customers_does_not_get_them(people, alice):
    people.salespeople_see_all = False
    people.save(update_fields=["salespeople_see_all"])
    user = User.objects.select_related("dealership").get(pk=alice.pk)
    kim = Customer.objects.get(last_name="Kowal")  # dana's
    assert reads.read(user, ("get",), customer=kim.public_id) == []
    names = {r["last_name"] for r in reads.read(user, ("page", None, 50, 0))}
    assert "Kowal" not in names and "Kowalski" in names


def test_a_shape_whose_sql_depends_on_a_value_runs_through_the_orm(people):
    # The LIMIT is written into the SQL: each value would be a shape of its own.
    limited = Prepared(lambda key, *, n: Customer.objects.order_by("pk").values("pk")[: abs(n)])
    assert limited.rows(("top",), {"n": 2}) == list(
        Customer.objects.order_by("pk").values("pk")[:2]
    )
    assert limited.rows(("top",), {"n": 3}) == list(
        Customer.objects.order_by("pk").values("pk")[:3]
    )
    assert list(limited._shapes.values()) == [None]  # remembered as not preparable
