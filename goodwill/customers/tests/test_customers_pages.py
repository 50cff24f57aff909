import pytest
from django.urls import reverse

from goodwill.conftest import make_customer
from goodwill.customers.actions import add_vehicle
from goodwill.customers.models import Customer, CustomerEvent
from goodwill.dealerships.actions import update_store_settings

pytestmark = pytest.mark.django_db

GOOD_VIN = "1FTFW1E84MFA12345"  # a Ford with a correct check digit
BAD_CHECK_VIN = "1FTFW1E81MFA12345"  # the same with a wrong one


def test_a_salesperson_sees_only_their_own_stores_customers(
    client_for, alice, customer, outsider_customer
):
    page = client_for(alice).get(reverse("customers:list"))
    assert page.status_code == 200
    assert "Robert Kowalski" in page.text
    assert "Olivia Outsider" not in page.text


def test_the_other_store_sees_its_own_customers(client_for, bob, customer, outsider_customer):
    page = client_for(bob).get(reverse("customers:list"))
    assert "Olivia Outsider" in page.text
    assert "Robert Kowalski" not in page.text


def test_a_salesperson_sees_only_own_and_unassigned_when_the_store_says_so(
    client_for, store_a, alice, mike, dana
):

    ben = make_customer(store_a, mike, first_name="Ben", last_name="Mine", salesperson=alice)
    make_customer(store_a, mike, first_name="Cara", last_name="Theirs", salesperson=mike)
    make_customer(store_a, mike, first_name="Dora", last_name="Nobody")
    update_store_settings(store_a, acting_user=dana, salespeople_see_all=False)
    alice.refresh_from_db()
    page = client_for(alice).get(reverse("customers:list"))
    assert "Ben Mine" in page.text and "Dora Nobody" in page.text
    assert "Cara Theirs" not in page.text
    theirs = Customer.objects.get(first_name="Cara")
    assert (
        client_for(alice).get(reverse("customers:detail", args=[theirs.public_id])).status_code
        == 404
    )
    # Managers always see everyone.
    assert "Cara Theirs" in client_for(mike).get(reverse("customers:list")).text
    assert ben.public_id


@pytest.mark.parametrize(
    "typed",
    ["5125550123", "(512) 555-0123", "512.555.0123", "+1 512 555 0123", "1-512-555-0123"],
)
def test_search_finds_a_customer_by_a_phone_typed_in_any_format(client_for, alice, customer, typed):
    page = client_for(alice).get(reverse("customers:list"), {"q": typed})
    assert "Robert Kowalski" in page.text


@pytest.mark.parametrize(
    "typed", ["kowal", "ROB", "obert kow", "bob.k@example.com", "BOB.K@EXAMPLE.COM"]
)
def test_search_finds_a_customer_by_name_fragment_or_email(client_for, alice, customer, typed):
    page = client_for(alice).get(reverse("customers:list"), {"q": typed})
    assert "Robert Kowalski" in page.text


def test_search_by_vin_finds_the_owner(client_for, alice, customer):

    add_vehicle(customer, acting_user=alice, vin=GOOD_VIN)
    page = client_for(alice).get(reverse("customers:list"), {"q": GOOD_VIN.lower()})
    assert "Robert Kowalski" in page.text


def test_search_by_the_last_digits_of_a_vin_or_phone_finds_the_owner(
    client_for, alice, customer, outsider_customer
):

    add_vehicle(customer, acting_user=alice, vin=GOOD_VIN)
    # The same VIN in another store must not leak into this store's results.
    add_vehicle(outsider_customer, acting_user=outsider_customer.created_by, vin=GOOD_VIN)
    for typed in (GOOD_VIN[-8:], GOOD_VIN[-6:].lower()):
        page = client_for(alice).get(reverse("customers:list"), {"q": typed})
        assert "Robert Kowalski" in page.text, typed
        assert "Olivia" not in page.text
    page = client_for(alice).get(reverse("customers:list"), {"q": "no match 0000"})
    assert "Robert Kowalski" not in page.text


def test_search_does_not_find_other_stores_customers(
    client_for, alice, customer, outsider_customer
):
    page = client_for(alice).get(reverse("customers:list"), {"q": "(737) 555-0177"})
    assert "Olivia" not in page.text
    assert "No customer matches" in page.text


def test_htmx_search_renders_only_the_results_block(client_for, alice, customer):
    page = client_for(alice).get(
        reverse("customers:list"),
        {"q": "kowal"},
        headers={"HX-Request": "true", "HX-Target": "results"},
    )
    assert page.text.lstrip().startswith('<div id="results">')
    assert "<html" not in page.text


def test_creating_a_customer_with_a_vehicle_records_history(client_for, alice, store_a):
    response = client_for(alice).post(
        reverse("customers:create"),
        {
            "kind": "person",
            "relationship": "prospect",
            "first_name": "Maria",
            "last_name": "Lopez",
            "phone_mobile": "512 555 0142",
            "email_personal": "maria@example.com",
            "consent_text": "1",
            "consent_method": "in_person",
            "vehicle-vin": GOOD_VIN,
        },
    )
    assert response.status_code == 302
    maria = Customer.objects.get(first_name="Maria")
    assert maria.dealership == store_a and maria.salesperson == alice
    assert maria.primary_phone == "+15125550142"
    vehicle = maria.vehicles.get()
    assert vehicle.make == "Ford" and vehicle.vin_validated
    assert maria.consents.get(channel="text").granted
    verbs = set(CustomerEvent.objects.filter(customer=maria).values_list("verb", flat=True))
    assert {"created", "vehicle_added", "consent_granted", "assigned"} <= verbs
    detail = client_for(alice).get(reverse("customers:detail", args=[maria.public_id]))
    assert "Vehicle added" in detail.text and "Consent given" in detail.text


def test_bad_input_shows_the_form_again_with_what_was_typed_and_saves_nothing(client_for, alice):
    response = client_for(alice).post(
        reverse("customers:create"),
        {
            "kind": "person",
            "relationship": "prospect",
            "first_name": "<script>alert(1)</script>",
            "last_name": "Lopez",
            "phone_mobile": "555-01",
            "email_personal": "maria@@example",
            "vehicle-vin": BAD_CHECK_VIN,
        },
    )
    assert response.status_code == 200
    assert not Customer.objects.exists()
    assert "wrong number of digits" in response.text or "not a valid phone" in response.text
    assert "not a valid email address" in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text  # kept, escaped
    assert "<script>alert(1)</script>" not in response.text
    assert 'value="555-01"' in response.text


def test_a_wrong_north_american_check_digit_is_a_field_error_and_nothing_is_saved(
    client_for, alice
):
    response = client_for(alice).post(
        reverse("customers:create"),
        {
            "kind": "person",
            "relationship": "prospect",
            "first_name": "Maria",
            "last_name": "Lopez",
            "vehicle-vin": BAD_CHECK_VIN,
        },
    )
    assert response.status_code == 200
    assert "heck digit" in response.text
    assert not Customer.objects.exists()


def test_a_duplicate_vin_in_the_same_store_is_refused(client_for, alice, customer):

    add_vehicle(customer, acting_user=alice, vin=GOOD_VIN)
    other = make_customer(
        customer.dealership, alice, first_name="Ann", last_name="Other", phones={}
    )
    response = client_for(alice).post(
        reverse("customers:vehicle_add", args=[other.public_id]), {"vin": GOOD_VIN}
    )
    assert response.status_code == 200
    assert "already on" in response.text
    assert other.vehicles.count() == 0


def test_html_in_names_is_escaped_on_every_page(client_for, alice, store_a):
    evil = make_customer(
        store_a, alice, first_name="<b>Bold</b>", last_name="<img src=x onerror=alert(1)>"
    )
    for url in (reverse("customers:list"), reverse("customers:detail", args=[evil.public_id])):
        text = client_for(alice).get(url).text
        assert "<img src=x" not in text and "&lt;img src=x" in text


def test_the_customer_page_shows_its_history_once_and_a_plain_title(client_for, alice, customer):
    text = client_for(alice).get(reverse("customers:detail", args=[customer.public_id])).text
    title = text.split("<title>", 1)[1].split("</title>", 1)[0]
    assert title == "Robert Kowalski · Goodwill"
    assert text.count("<h2>History</h2>") == 1


def test_editing_a_customer_records_old_and_new_values(client_for, alice, customer):
    response = client_for(alice).post(
        reverse("customers:edit", args=[customer.public_id]),
        {
            "kind": "person",
            "relationship": "customer",
            "first_name": "Robert",
            "last_name": "Kowalski",
            "phone_mobile": "(512) 555-0124",
            "email_personal": "bob.k@example.com",
            "city": "Austin",
        },
    )
    assert response.status_code == 302
    event = CustomerEvent.objects.filter(customer=customer, verb="updated").get()
    assert event.actor == alice
    assert event.changes["relationship"] == ["prospect", "customer"]
    assert event.changes["mobile phone"] == ["+15125550123", "+15125550124"]


def test_consent_is_given_and_withdrawn_in_one_click_and_kept_in_history(
    client_for, alice, customer
):
    url = reverse("customers:consent", args=[customer.public_id])
    c = client_for(alice)
    c.post(url, {"channel": "email", "granted": "1", "method": "paper"})
    page = c.post(
        url, {"channel": "email", "granted": "0", "method": "paper"}, headers={"HX-Request": "true"}
    )
    assert page.status_code == 200 and 'id="consents"' in page.text and "<html" not in page.text
    consent = customer.consents.get(channel="email")
    assert consent.granted is False and consent.recorded_by == alice
    verbs = list(
        CustomerEvent.objects.filter(customer=customer, subject="Email")
        .order_by("at", "id")
        .values_list("verb", flat=True)
    )
    assert verbs == ["consent_granted", "consent_withdrawn"]


def test_customer_list_uses_a_fixed_number_of_queries(
    client_for, alice, store_a, django_assert_num_queries
):
    for i in range(30):
        make_customer(store_a, alice, first_name=f"N{i}", salesperson=alice, phones={})
    c = client_for(alice)
    c.get(reverse("customers:list"))  # warm the session
    # session, user, dealership, customers (+salesperson join)
    with django_assert_num_queries(4):
        assert c.get(reverse("customers:list")).status_code == 200


@pytest.mark.parametrize(
    "typed",
    ["a%b@", "@", "%@%", "o'brien@", "ann@exa\\", "é@x.com", "1FTFW1E84MFA1234%", "_" * 17 + "@"],
)
def test_an_odd_email_or_vin_search_is_an_answer_never_an_error(client_for, alice, customer, typed):
    page = client_for(alice).get(reverse("customers:list"), {"q": typed})
    assert page.status_code == 200
