"""`goodwill simulate`: a small network, checked the way the app reads it."""

from collections import Counter
from io import StringIO

import phonenumbers
import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection

from goodwill.core.contact import format_phone, normalise_email
from goodwill.customers.models import (
    Assignment,
    Consent,
    Customer,
    CustomerEmail,
    CustomerEvent,
    CustomerPhone,
    Vehicle,
)
from goodwill.customers.search import filter_customers
from goodwill.customers.vin import decode_vin
from goodwill.dealerships.models import Dealership, StaffEvent, User
from goodwill.devdata import simulate as sim

pytestmark = pytest.mark.django_db

SHARED_WMIS = {"1C4", "1C6", "3C6", "5XY", "5N1", "KND"}


def simulate(**options):
    out = StringIO()
    options = {"dealerships": 3, "customers": 300, "seed": 1, "stdout": out, **options}
    call_command("simulate", **options)
    return out.getvalue()


def test_simulate_fills_a_small_network_that_search_can_find():
    output = simulate()

    stores = list(Dealership.objects.all())
    assert len(stores) == 3
    assert Customer.objects.count() == 300
    assert "300" in output and "customers" in output
    for store in stores:
        staff = User.objects.filter(dealership=store)
        assert 4 <= staff.count() <= 10
        assert {"sales", "sales_mgr", "advisor", "admin"} <= set(
            staff.values_list("role", flat=True)
        )
        assert 1 <= len(store.makes) <= 4
        assert store.latitude and store.longitude
    assert StaffEvent.objects.filter(verb="joined").count() == User.objects.count()
    # The history it writes uses only declared verbs, as the actions must.
    assert set(CustomerEvent.objects.values_list("verb", flat=True)) <= set(
        CustomerEvent.Verb.values
    )

    # People and fleets, each with a phone, most with an email; denormalised fields filled.
    kinds = Counter(Customer.objects.values_list("kind", flat=True))
    assert kinds["person"] > kinds["business"] > 0
    for c in Customer.objects.prefetch_related("phones", "emails"):
        phones = list(c.phones.all())
        assert 1 <= len(phones) <= 2
        assert c.primary_phone == phones[0].number
        assert c.primary_email == (c.emails.all()[0].address if c.emails.all() else "")
        assert (
            c.search_name
            == " ".join(p for p in (c.first_name, c.last_name, c.company_name) if p).lower()
        )
        assert c.public_id.version == 4
        assert c.created_at <= c.updated_at
    assert 0.7 < CustomerEmail.objects.count() / 300 < 0.97
    for number in CustomerPhone.objects.values_list("number", flat=True):
        assert phonenumbers.is_valid_number(phonenumbers.parse(number)), number
    for address, lower in CustomerEmail.objects.values_list("address", "address_lower"):
        assert normalise_email(address) == address and lower == address.lower()

    # Every customer has its `created` event and an assignment; consents have their events.
    created = CustomerEvent.objects.filter(verb="created")
    assert created.count() == 300
    assert set(created.values_list("customer_id", flat=True)) == set(
        Customer.objects.values_list("id", flat=True)
    )
    assert set(Assignment.objects.values_list("customer_id", flat=True)) == set(
        Customer.objects.values_list("id", flat=True)
    )
    assert Consent.objects.exists()
    assert (
        CustomerEvent.objects.filter(verb__startswith="consent_").count() >= Consent.objects.count()
    )
    assert CustomerEvent.objects.filter(verb="vehicle_added").count() == Vehicle.objects.count()

    # VINs: unique per store, and real ones as far as the decoder can tell.

    vins = list(Vehicle.objects.values_list("dealership_id", "vin", "make", "year"))
    assert vins
    assert len({(d, v) for d, v, _, _ in vins}) == len(vins)
    for _, vin, make, year in vins:
        decoded = decode_vin(vin)
        assert decoded.validated and decoded.vin == vin and decoded.make
        assert decoded.year in (year, None), (vin, decoded)
        # Codes several brands share name the brand only through vPIC patterns that
        # random descriptor letters rarely match (1C4: Jeep, Chrysler or Dodge).
        assert decoded.make == make or vin[:3] in SHARED_WMIS, (vin, make, decoded)

    # The customer list's search finds a customer by a phone typed the human way.
    customer = Customer.objects.order_by("id")[123]
    store = customer.dealership
    typed = format_phone(customer.primary_phone)
    assert typed.startswith("(") and ") 555-" in typed
    found = filter_customers(Customer.objects.filter(dealership=store), typed, dealership=store)
    assert customer in found
    # …and by a piece of the surname.
    fragment = customer.last_name[:4]
    assert customer in filter_customers(
        Customer.objects.filter(dealership=store), fragment, dealership=store
    )


def test_the_same_seed_gives_the_same_names():
    simulate(dealerships=2, customers=120, seed=7)
    first = list(
        Customer.objects.order_by("id").values_list("first_name", "last_name", "company_name")
    )
    stores = list(Dealership.objects.order_by("id").values_list("name", "makes"))
    vins = list(Vehicle.objects.order_by("id").values_list("vin", flat=True))
    simulate(dealerships=2, customers=120, seed=7)  # adds a second copy, never wipes
    assert Customer.objects.count() == 240
    second = list(
        Customer.objects.order_by("id").values_list("first_name", "last_name", "company_name")
    )[120:]
    assert second == first
    assert list(Dealership.objects.order_by("id").values_list("name", "makes"))[2:] == stores
    assert list(Vehicle.objects.order_by("id").values_list("vin", flat=True))[len(vins) :] == vins
    # New stores get their own slugs and staff their own usernames.
    assert Dealership.objects.values("slug").distinct().count() == 4

    simulate(dealerships=2, customers=120, seed=8)
    other = list(
        Customer.objects.order_by("id").values_list("first_name", "last_name", "company_name")
    )[240:]
    assert other != first


def test_staff_per_store_and_batches_are_honoured():
    simulate(dealerships=2, customers=50, seed=3, staff_per_store=5, batch=7, no_progress=True)
    assert Customer.objects.count() == 50
    assert User.objects.count() == 10
    assert CustomerEvent.objects.filter(verb="created").count() == 50


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY path: PostgreSQL only")
def test_a_batch_pointing_at_a_missing_row_is_rolled_back():

    plan = sim.create_stores(sim.plan_stores(1, seed=5))
    entry = plan[0]
    with connection.cursor() as cur:
        cur.execute(
            "SELECT nextval(pg_get_serial_sequence('customers_customer', 'id')) "
            "FROM generate_series(1, 20)"
        )
        ids = sorted(row[0] for row in cur.fetchall())
    chunk = sim.make_chunk(entry, 0, 20, ids, seed=5, anchor=1_700_000_000, dialect=sim.POSTGRESQL)
    chunk.set_based_fk_checks = True
    result = sim.generate_chunk(chunk)
    # A staff member who does not exist, as a generator bug would write it.
    ghost = User.objects.order_by("-id").first().id + 1000
    result.text["events"] = result.text["events"].replace(
        f"\t{entry['sellers'][0][0]}\t".encode(), f"\t{ghost}\t".encode(), 1
    )
    with pytest.raises(IntegrityError):
        sim.copy_chunk(chunk, result, sim.copy_statements())
    assert not Customer.objects.filter(id__in=ids).exists()
    # The same batch, intact, loads.
    sim.copy_chunk(chunk, sim.generate_chunk(chunk), sim.copy_statements())
    assert Customer.objects.filter(id__in=ids).count() == 20
