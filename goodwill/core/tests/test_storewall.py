"""The second wall between stores (issue 11, point 7): row-level security on PostgreSQL.

The suite runs on PostgreSQL as `goodwill_app` (conftest: not superuser, not BYPASSRLS, not
the tables' owner), so these tests read what the application's role reads. Each builds the
request the way production does — `DealershipMiddleware` around the view, the API's token —
and then deliberately asks without any store filter. Carol's card and pro come from
`network/tests/personas.py` (through this folder's conftest)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from goodwill.api.auth import TokenAuth
from goodwill.api.models import ApiToken
from goodwill.audit.actions import Verb, record
from goodwill.core import storewall
from goodwill.core.middleware import DealershipMiddleware
from goodwill.customers.models import Customer
from goodwill.network import actions as network_actions
from goodwill.network.models import Partnership, Pro
from goodwill.referrals import actions as referral_actions
from goodwill.referrals.models import Referral, ReferralEvent

postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row-level security is PostgreSQL's"
)


def in_request(user, view, path="/customers/"):
    """Run `view(request)` inside a page request of `user` (None: anonymous), through the
    real middleware that sets the store."""
    request = RequestFactory().get(path)
    request.user = user if user is not None else AnonymousUser()
    return DealershipMiddleware(view)(request)


def unscoped_customers(request):
    return set(Customer.objects.all().values_list("dealership_id", flat=True))


@postgresql
def test_an_unscoped_query_inside_a_stores_page_request_sees_only_that_store(
    customer, outsider_customer, alice, bob
):
    assert in_request(alice, unscoped_customers) == {alice.dealership_id}
    assert in_request(bob, unscoped_customers) == {bob.dealership_id}
    # The suite's own setup acts for every store: the wall is the request's.
    assert Customer.objects.count() == 2


@postgresql
def test_an_unscoped_query_inside_an_api_request_sees_only_the_tokens_store(
    customer, outsider_customer, alice
):
    _, token = ApiToken.issue(alice, name="sync")

    def view(request):
        assert TokenAuth().authenticate(request, token) == alice
        return unscoped_customers(request)

    assert in_request(None, view, path="/api/v1/customers") == {alice.dealership_id}


@postgresql
def test_an_anonymous_request_sees_no_stores_rows_and_a_bad_token_opens_none(
    customer, outsider_customer
):
    assert in_request(None, unscoped_customers) == set()

    def view(request):
        assert TokenAuth().authenticate(request, "gw_not-a-token") is None
        return unscoped_customers(request)

    assert in_request(None, view, path="/api/v1/customers") == set()


@postgresql
def test_a_public_link_finds_its_row_across_stores_then_acts_for_that_store_only(
    customer, outsider_customer
):
    """What a survey, promoter or invitation link does: nobody is signed in, the token's
    row names the store."""

    def view(request):
        before = unscoped_customers(request)
        row = storewall.opened_by_token(
            lambda: Customer.objects.filter(pk=outsider_customer.pk).first(), "a test link"
        )
        return before, row, unscoped_customers(request)

    before, row, after = in_request(None, view, path="/s/token/")
    assert (before, row, after) == (set(), outsider_customer, {outsider_customer.dealership_id})


@postgresql
def test_a_request_cannot_write_into_another_store(alice, outsider_customer, store_b):
    def view(request):
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            Customer.objects.create(dealership=store_b, first_name="Planted", last_name="Row")
        changed = Customer.objects.filter(pk=outsider_customer.pk).update(first_name="Changed")
        deleted, _ = Customer.objects.filter(pk=outsider_customer.pk).delete()
        return changed, deleted

    assert in_request(alice, view) == (0, 0)
    outsider_customer.refresh_from_db()
    assert outsider_customer.first_name == "Olivia"


@postgresql
def test_a_referral_and_its_events_are_the_senders_and_the_receivers_only(
    customer, alice, bob, carol, carol_pro
):
    referral = referral_actions.send_referral(
        customer, acting_user=alice, pro=carol_pro, interest="a Honda Civic"
    )

    def seen(request):
        return (
            set(Referral.objects.values_list("pk", flat=True)),
            set(ReferralEvent.objects.values_list("referral_id", flat=True)),
        )

    both = ({referral.pk}, {referral.pk})
    assert in_request(alice, seen) == both  # the sender
    assert in_request(carol, seen) == both  # the receiver
    assert in_request(bob, seen) == (set(), set())  # a third store


@postgresql
def test_a_partnership_is_both_stores_and_the_directory_everyones_to_read_only(
    alice, bob, carol, carol_card, carol_pro
):
    network_actions.propose_partnership(carol_pro, acting_user=alice)

    def partnerships(request):
        return Partnership.objects.count()

    assert (in_request(alice, partnerships), in_request(carol, partnerships)) == (1, 1)
    assert in_request(bob, partnerships) == 0

    def directory(request):
        readable = Pro.objects.filter(pk=carol_card.pk).exists()
        updated = Pro.objects.filter(pk=carol_card.pk).update(title="Hijacked")
        return readable, updated

    assert in_request(bob, directory) == (True, 0)  # listed: read by all, written by its own
    assert in_request(carol, directory) == (True, 1)


@postgresql
def test_a_streamed_csv_still_reads_its_stores_rows_after_the_middleware(dana, client_for):
    record(dana, Verb.SIGNED_IN, user=dana)
    response = client_for(dana).get("/audit/audit.csv")
    body = b"".join(response.streaming_content).decode()
    assert "dana" in body


@postgresql
def test_every_store_table_is_walled_and_the_suite_is_not_above_the_wall(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, rolbypassrls, current_user FROM pg_roles WHERE rolname = current_user"
        )
        assert cursor.fetchone() == (False, False, "goodwill_app")
        for model in storewall.walled_models():
            cursor.execute(
                "SELECT relrowsecurity, relforcerowsecurity, pg_get_userbyid(relowner) "
                "FROM pg_class WHERE oid = %s::regclass",
                [model._meta.db_table],
            )
            enabled, forced, owner = cursor.fetchone()
            assert (enabled, forced) == (True, True), model._meta.db_table
            assert owner != "goodwill_app"
    tables = {m._meta.db_table for m in storewall.walled_models()}
    assert {"customers_customer", "referrals_referral", "api_apitoken", "jobs_job"} <= tables
    assert "dealerships_user" not in tables  # sign-in reads it before a store is known


@postgresql
def test_the_name_lookups_keep_their_indexes_under_the_wall(customer, alice):
    """LEAKPROOF marks (made by the installer as a superuser): without them the policy's
    condition comes first and the Soundex and trigram lookups read the whole store."""

    def plan(request):
        with transaction.atomic(), connection.cursor() as cursor:
            # A test's table is tiny, and the planner may rather read another index and
            # sort: with no scan of the table and no sort, only the Soundex index (which
            # holds the order) answers, and its condition shows whether the name's codes
            # are the index's condition (LEAKPROOF) or a filter after the policy's.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute(
                "EXPLAIN SELECT id FROM customers_customer WHERE dealership_id = %s AND "
                "soundex(last_name) = soundex(%s) AND soundex(first_name) = ANY(%s) "
                "ORDER BY soundex(first_name), id LIMIT 20",
                [alice.dealership_id, "Kowalski", ["R163"]],
            )
            return "\n".join(row[0] for row in cursor.fetchall())

    text = in_request(alice, plan)
    assert "dedupe_cust_name_sound" in text
    cond = next(line for line in text.splitlines() if "Index Cond" in line)
    assert "soundex(" in cond  # the name's codes are the index's condition, not a filter
    with connection.cursor() as cursor:
        cursor.execute("SELECT proleakproof FROM pg_proc WHERE oid = 'soundex(text)'::regprocedure")
        assert cursor.fetchone() == (True,)


def test_sqlite_keeps_the_queryset_wall_only(db):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite limit")
    assert storewall.install() == 0
    assert storewall.row_security_active("customers_customer") is False
    with storewall.acting_for(1):
        assert storewall.acting_store() == (1, False)
    assert storewall.acting_store() is None


def test_scopes_stack_and_put_back_what_was_there(db):
    with storewall.acting_for(3):
        with storewall.across_stores("a test"):
            assert storewall.acting_store() == (None, True)
        assert storewall.acting_store() == (3, False)
        storewall.switch_to(4)
        assert storewall.acting_store() == (4, False)
    assert storewall.acting_store() is None
    storewall.switch_to(5)  # outside any scope: nothing to narrow
    assert storewall.acting_store() is None
    with storewall.across_stores("an action writing both stores' rows"):
        storewall.switch_to(6)  # a link looked up again inside it: stays across
        assert storewall.acting_store() == (None, True)
    assert storewall.acting_store() is None
    with pytest.raises(ValueError, match="reason"):
        storewall.across_stores("")
