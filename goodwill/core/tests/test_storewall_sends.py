"""The second wall's round trips (core/storewall.py, `_send`): a scope already on the
connection is not sent again, a send inside a transaction is never trusted after it, and
the API token lookup crosses the wall inside its own SQL function only.

Outside the test's transaction, as requests run in production: only there is a setting
committed the moment it is sent (inside a transaction nothing is skipped)."""

from unittest import mock

import psycopg
import pytest
from django.db import connection, transaction
from django.test import RequestFactory

from goodwill.api.auth import TokenAuth, token_user
from goodwill.api.models import ApiToken
from goodwill.api.testing import ApiClient
from goodwill.conftest import make_customer
from goodwill.core import storewall
from goodwill.core.middleware import DealershipMiddleware
from goodwill.customers.models import Customer

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row-level security is PostgreSQL's"
    ),
]


def on_connection() -> tuple:
    """What the connection acts for right now, read from the server itself."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('goodwill.store', true), "
            "current_setting('goodwill.all_stores', true)"
        )
        return cursor.fetchone()


@pytest.fixture
def sends():
    """Every setting the wall sends over the driver, in order (store, across)."""
    sent = []
    execute = psycopg.Connection.execute

    def spy(self, query, params=None, **kwargs):
        if "set_config" in str(query):
            sent.append((params[1], params[3]))
        elif str(query).startswith("RESET goodwill"):
            sent.append("RESET")
        return execute(self, query, params, **kwargs)

    with mock.patch.object(psycopg.Connection, "execute", spy):
        yield sent


@pytest.fixture
def production_start_up():
    """From here, connections open as in production: the application's role acting for no
    store (the suite's connections start across stores, conftest)."""
    options = connection.settings_dict["OPTIONS"]
    before = options["options"]
    options["options"] = before.replace(" -c goodwill.all_stores=on", "")
    connection.close()
    yield
    options["options"] = before
    connection.close()


def test_a_scope_already_on_the_connection_is_not_sent_again(store_a, sends):
    connection.ensure_connection()
    with storewall.acting_for(store_a):
        with storewall.acting_for(store_a):  # the same store: nothing in, nothing out
            assert on_connection() == (str(store_a.pk), "off")
        storewall.switch_to(store_a)
        assert on_connection() == (str(store_a.pk), "off")
    assert sends == [(str(store_a.pk), "off"), "RESET"]
    # RESET put back the start-up values (every store, in this suite): an empty scope is
    # sent, as it differs from them.
    with storewall.acting_for(None):
        assert on_connection() == ("", "off")
    assert sends[2:] == [("", "off"), "RESET"]


def test_a_setting_sent_inside_a_rolled_back_transaction_is_sent_again(store_a, store_b, sends):
    """The rollback takes the setting back: what the wall believed was there is forgotten
    at the send, so the next scope is sent and the server agrees with it."""
    with storewall.acting_for(store_a):
        with pytest.raises(RuntimeError), transaction.atomic():
            storewall.switch_to(store_b)
            assert on_connection() == (str(store_b.pk), "off")
            raise RuntimeError
        assert on_connection() == (str(store_a.pk), "off")  # the rollback put A back
        storewall.switch_to(store_b)
        assert on_connection() == (str(store_b.pk), "off")
    assert sends.count((str(store_b.pk), "off")) == 2


def test_a_reopened_connection_is_not_trusted_with_the_old_ones_setting(store_a, sends):
    with storewall.acting_for(store_a):
        connection.close()
        assert on_connection() == (str(store_a.pk), "off")  # `_on_connect` sent it again
    assert sends == [(str(store_a.pk), "off"), (str(store_a.pk), "off"), "RESET"]


def test_an_api_request_sends_the_reset_only(store_a, alice, bob, request):
    """One round trip of the wall a request (RESET at the end), where there were five: the
    token lookup's own statement acts for the token's store. And the connection does act
    for that store in the view: an unscoped query sees its rows only."""
    mine = make_customer(store_a, alice, first_name="Nadia", last_name="Haddad")
    make_customer(bob.dealership, bob, first_name="Olivia", phones={"mobile": "(512) 555-0199"})
    _, token = ApiToken.issue(alice, name="sync")
    api = ApiClient(alice)
    assert api.get(f"/customers/{mine.public_id}").status_code == 200
    request.getfixturevalue("production_start_up")
    sends = request.getfixturevalue("sends")
    sends.clear()
    answer = api.get("/customers?limit=50")
    assert answer.status_code == 200
    assert [c["id"] for c in answer.json()["items"]] == [str(mine.public_id)]
    assert sends == ["RESET"]
    assert on_connection() == ("", "")  # the start-up values: no store

    def view(request):
        assert TokenAuth().authenticate(request, token) == alice
        return on_connection(), set(Customer.objects.values_list("dealership_id", flat=True))

    seen = DealershipMiddleware(view)(RequestFactory().get("/api/v1/customers"))
    assert seen == ((str(store_a.pk), "off"), {store_a.pk})
    assert sends == ["RESET", "RESET"]


def test_the_token_lookup_opens_the_wall_only_inside_its_function(store_a, alice):
    _, token = ApiToken.issue(alice, name="sync")
    revoked, gone = ApiToken.issue(alice, name="old")
    with storewall.acting_for(None):
        assert token_user(token) == alice
        assert on_connection() == ("", "off")  # the function's SET did not outlive it
        assert token_user(gone) == alice
    revoked.revoke()
    with storewall.acting_for(None):
        assert token_user(gone) is None
        assert token_user("gw_not-a-token") is None
