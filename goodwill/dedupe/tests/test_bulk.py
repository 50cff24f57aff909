"""The bulk pass: clusters with score and explanation, the command with its progress bar,
the review screen, dismissals that stick."""

import io

import pytest
from django.core.management import call_command

from goodwill.api.testing import ApiClient
from goodwill.conftest import make_customer
from goodwill.dedupe import actions
from goodwill.dedupe.models import DismissedPair, DuplicateCluster
from goodwill.jobs.models import Job
from goodwill.jobs.testing import run_jobs

pytestmark = pytest.mark.django_db


@pytest.fixture
def dupes(store_a, alice, customer):
    """Robert Kowalski (fixture) + 'Bob Kowalski' same phone (a duplicate) + Maria Kowalski
    same phone and address (his wife: a household member, not a duplicate)."""
    bob = make_customer(store_a, alice, first_name="Bob", phones={"mobile": "512 555 0123"})
    maria = make_customer(store_a, alice, first_name="Maria", phones={"home": "512-555-0123"})
    loner = make_customer(
        store_a, alice, first_name="Xavier", last_name="Lonely", phones={"mobile": "512 555 0188"}
    )
    return customer, bob, maria, loner


def test_run_proposes_the_duplicate_and_not_the_household_member(store_a, dana, dupes):
    robert, bob, maria, _ = dupes
    run = actions.run_dedupe(store_a, acting_user=dana)
    assert run.customers_scanned == 4 and run.clusters_found == 1
    cluster = DuplicateCluster.objects.get(dealership=store_a)
    members = set(cluster.members.values_list("customer_id", flat=True))
    assert members == {robert.pk, bob.pk}
    assert cluster.score > 90
    assert "nickname (robert / bob)" in cluster.reasons and "same phone" in cluster.reasons


def test_command_prints_progress_and_summary(store_a, dupes):
    out = io.StringIO()
    call_command("dedupe", "--dealership", store_a.slug, stdout=out)
    text = out.getvalue()
    assert "Compared" in text and "4 customers" in text and "1 duplicate groups" in text
    with pytest.raises(Exception, match="No dealership"):
        call_command("dedupe", "--dealership", "nope", stdout=io.StringIO())


def test_dismissed_pairs_are_not_proposed_again(store_a, dana, dupes):
    actions.run_dedupe(store_a, acting_user=dana)
    cluster = DuplicateCluster.objects.get(dealership=store_a)
    actions.dismiss_cluster(cluster, acting_user=dana)
    assert DismissedPair.objects.filter(dealership=store_a).count() == 1
    run = actions.run_dedupe(store_a, acting_user=dana)
    assert run.clusters_found == 0
    robert = dupes[0]
    assert robert.events.filter(verb="duplicate_dismissed").exists()


def test_review_screen_for_a_dealer_admin_only(
    client_for, store_a, dana, alice, dupes, django_assert_max_num_queries
):
    client = client_for(dana)
    job_page = client.post("/duplicates/run/", follow=True)
    assert "Duplicate search in" in job_page.text  # the job page, until the worker is done
    run_jobs()
    response = client.get(job_page.redirect_chain[-1][0], follow=True)
    assert response.redirect_chain[-1][0] == "/duplicates/"
    assert "1 possible duplicate groups" in response.text
    assert "Robert Kowalski · Bob Kowalski" in response.text
    for i in range(5):
        make_customer(
            store_a,
            alice,
            first_name="Twin",
            last_name=f"Pair{i}",
            phones={"mobile": f"51255502{i}0"},
        )
        make_customer(
            store_a,
            alice,
            first_name="Twin",
            last_name=f"Pair{i}",
            phones={"mobile": f"51255502{i}0"},
        )
    actions.run_dedupe(store_a, acting_user=dana)
    with django_assert_max_num_queries(12):
        page = client.get("/duplicates/")
    assert page.text.count("Twin Pair") == 10
    cluster = DuplicateCluster.objects.filter(dealership=store_a).first()
    detail = client.get(f"/duplicates/clusters/{cluster.public_id}/")
    assert "These are different people" in detail.text and "Merge" in detail.text
    client.force_login(alice)
    assert client.get("/duplicates/").status_code == 403
    assert client.post("/duplicates/run/").status_code == 403


def test_dismiss_from_the_page(client_for, store_a, dana, dupes):
    actions.run_dedupe(store_a, acting_user=dana)
    cluster = DuplicateCluster.objects.get(dealership=store_a)
    client = client_for(dana)
    response = client.post(f"/duplicates/clusters/{cluster.public_id}/dismiss/", follow=True)
    assert "will not be proposed again" in response.text
    cluster.refresh_from_db()
    assert cluster.status == "dismissed" and cluster.resolved_by == dana


def test_api_runs_lists_and_dismisses_clusters(
    store_a, dana, alice, dupes, django_capture_on_commit_callbacks
):
    api = ApiClient(dana)
    with django_capture_on_commit_callbacks(execute=True):
        run = api.post("/duplicates/runs", headers={"Idempotency-Key": "run-1"})
    assert run.status_code == 202 and run.json()["kind"] == "dedupe.run"
    again = api.post("/duplicates/runs", headers={"Idempotency-Key": "run-1"})
    assert again.json() == run.json()  # the same job, not a second run
    assert Job.objects.filter(kind="dedupe.run").count() == 1
    done = api.get(f"/jobs/{run.json()['id']}").json()
    assert done["status"] == "done"
    assert (done["result"]["clusters"], done["result"]["customers"]) == (1, 4)
    listed = api.get("/duplicates/clusters").json()
    [item] = listed["items"]
    assert {m["display_name"] for m in item["members"]} == {"Robert Kowalski", "Bob Kowalski"}
    one = api.get(f"/duplicates/clusters/{item['id']}")
    assert one.status_code == 200 and one.json()["score"] > 90
    dismissed = api.post(f"/duplicates/clusters/{item['id']}/dismiss")
    assert dismissed.status_code == 200 and dismissed.json()["status"] == "dismissed"
    twice = api.post(f"/duplicates/clusters/{item['id']}/dismiss")
    assert twice.status_code == 422
    assert ApiClient(alice).get("/duplicates/clusters").status_code == 403


def test_a_names_and_address_book_proposes_a_replaced_first_name_but_not_the_spouse(
    store_a, alice, dana
):
    """A store whose book came from a mailing list (no phone, no email): two records at one
    address with men's first names are proposed with the caution, a man and a woman at
    another are not (husband and wife)."""
    address = {"street": "32 Karuah St", "city": "Bundamba", "region": "ACT"}
    ned = make_customer(
        store_a,
        alice,
        first_name="Ned",
        last_name="Lodge",
        phones={},
        postal_code="2280",
        **address,
    )
    trent = make_customer(
        store_a,
        alice,
        first_name="Trent",
        last_name="Lodge",
        phones={},
        postal_code="2280",
        **address,
    )
    other = {"street": "1334 Barraclough Cres", "city": "Craigie", "region": "NSW"}
    matthew = make_customer(
        store_a,
        alice,
        first_name="Matthew",
        last_name="Ryan",
        phones={},
        postal_code="2575",
        **other,
    )
    rebekah = make_customer(
        store_a,
        alice,
        first_name="Rebekah",
        last_name="Ryan",
        phones={},
        postal_code="2575",
        **other,
    )
    run = actions.run_dedupe(store_a, acting_user=dana)
    assert run.clusters_found == 1
    cluster = DuplicateCluster.objects.get(dealership=store_a)
    assert set(cluster.members.values_list("customer_id", flat=True)) == {ned.pk, trent.pk}
    assert "different first names, nothing but name and address to tell" in cluster.reasons
    assert not cluster.members.filter(customer_id__in=[matthew.pk, rebekah.pk]).exists()


def test_a_swapped_misspelt_name_at_a_mistyped_number_is_found(store_a, alice, dana):
    """Names swapped and one misspelt, the street number typed wrong: no name key and no
    number key is shared, the street's own name with the postcode is."""
    place = {"city": "Cleveland", "region": "WA", "postal_code": "2100", "phones": {}}
    caitlin = make_customer(
        store_a,
        alice,
        first_name="Caitlin",
        last_name="Papanotis",
        street="1269 De Burgh St",
        **place,
    )
    swapped = make_customer(
        store_a,
        alice,
        first_name="Papanortis",
        last_name="Caitlin",
        street="25 De Burgh St",
        **place,
    )
    make_customer(
        store_a, alice, first_name="Ella", last_name="Ryan", street="25 De Burgh St", **place
    )
    run = actions.run_dedupe(store_a, acting_user=dana)
    assert run.clusters_found == 1
    cluster = DuplicateCluster.objects.get(dealership=store_a)
    assert set(cluster.members.values_list("customer_id", flat=True)) == {caitlin.pk, swapped.pk}
    assert "first and last name swapped" in cluster.reasons
    assert "same street, another number" in cluster.reasons
