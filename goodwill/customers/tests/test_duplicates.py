"""The entry-time check: same phone/email after normalisation, nicknames, typos, swapped
names, same VIN, same address, each with its reason; the panel on the customer form; the API."""

import pytest

from goodwill.api.testing import ApiClient
from goodwill.conftest import make_customer, make_staff
from goodwill.customers.actions import add_vehicle
from goodwill.customers.duplicates import find_likely_matches
from goodwill.customers.matching import THRESHOLD, Rec, compare, compare_street, name_gender
from goodwill.customers.models import Customer
from goodwill.dealerships.actions import update_store_settings

pytestmark = pytest.mark.django_db
GOOD_VIN = "1FTFW1E84MFA12345"


def _reasons(matches, customer):
    found = [m for m in matches if m.customer.pk == customer.pk]
    assert found, f"{customer} not among {[m.customer for m in matches]}"
    return " · ".join(found[0].reasons)


def test_same_phone_in_another_format_is_found_with_its_reason(store_a, customer):
    matches = find_likely_matches(store_a, first_name="Jane", phones=["512.555.0123"])
    assert "same phone" in _reasons(matches, customer)


def test_same_email_in_other_case_is_found(store_a, customer):
    matches = find_likely_matches(store_a, last_name="Smith", emails=["  Bob.K@Example.com "])
    assert "same email" in _reasons(matches, customer)


def test_nickname_typo_and_swapped_names_are_found(store_a, customer):
    no_contact = {"phones": [], "emails": []}
    nickname = find_likely_matches(store_a, first_name="Bob", last_name="Kowalski", **no_contact)
    assert "nickname (bob / robert)" in _reasons(nickname, customer)
    typo = find_likely_matches(store_a, first_name="Robert", last_name="Kowalsky", **no_contact)
    assert "last name spelled alike" in _reasons(typo, customer)
    swapped = find_likely_matches(store_a, first_name="Kowalski", last_name="Robert")
    assert "first and last name swapped" in _reasons(swapped, customer)


def test_same_vin_and_same_address_are_found(store_a, alice, customer):
    add_vehicle(customer, acting_user=alice, vin=GOOD_VIN)
    by_vin = find_likely_matches(store_a, first_name="Anyone", vin=GOOD_VIN.lower())
    assert "same VIN" in _reasons(by_vin, customer)
    other = make_customer(
        store_a, alice, first_name="Zed", last_name="Quinn", phones={}, street="12 Oak St"
    )
    by_address = find_likely_matches(store_a, first_name="Amy", street="12 oak st")
    assert "same street address" in _reasons(by_address, other)


def test_household_member_is_shown_as_unlikely_with_the_reason(store_a, alice, customer):
    matches = find_likely_matches(
        store_a, first_name="Maria", last_name="Kowalski", phones=["(512) 555-0123"]
    )
    match = next(m for m in matches if m.customer == customer)
    assert "household member" in " ".join(match.reasons)
    assert match.score < 50 and not match.likely


def test_another_stores_customers_are_never_matched(store_a, outsider_customer):
    assert (
        find_likely_matches(
            store_a, first_name="Olivia", last_name="Outsider", phones=["(737) 555-0177"]
        )
        == []
    )


def test_an_unrelated_person_is_not_proposed(store_a, customer):
    assert find_likely_matches(store_a, first_name="Quentin", last_name="Abernathy") == []


def test_scorer_vetoes_household_and_keeps_nicknames():
    robert = Rec.build(
        1,
        first_name="Robert",
        last_name="Kowalski",
        phones=["+15125550123"],
        street="12 Oak St",
        postal_code="78701",
    )
    maria = Rec.build(
        2,
        first_name="Maria",
        last_name="Kowalski",
        phones=["+15125550123"],
        street="12 Oak Street",
        postal_code="78701",
    )
    bob = Rec.build(
        3,
        first_name="Bob",
        last_name="Kowalski",
        phones=["+15125550123"],
        street="12 Oak Street",
        postal_code="78701",
    )
    assert compare(robert, maria).vetoed
    assert compare(robert, maria).probability < 0.5
    assert compare(robert, bob).probability > 0.99


def test_form_panel_shows_matches_as_the_user_types(client_for, alice, customer):
    client = client_for(alice)
    form = client.get("/customers/new/").text
    assert 'hx-get="/duplicates/check/"' in form
    panel = client.get("/duplicates/check/", {"first_name": "Bob", "last_name": "Kowalski"})
    assert panel.status_code == 200
    assert "Robert Kowalski" in panel.text and "nickname (bob / robert)" in panel.text
    assert f"/customers/{customer.public_id}/" in panel.text
    assert client.get("/duplicates/check/", {"first_name": "Zzz"}).text.strip() == ""


def test_submitting_a_likely_duplicate_asks_first_and_keeps_what_was_typed(
    client_for, alice, customer
):
    """The user picks the existing customer or confirms a new record: nothing is created
    until they do, and nothing they typed is lost."""

    client = client_for(alice)
    typed = {
        "kind": "person",
        "relationship": "customer",
        "first_name": "Bob",
        "last_name": "Kowalski",
        "phone_mobile": "512.555.0123",
        "notes": "Wants a Maverick",
    }
    asked = client.post("/customers/new/", typed)
    assert asked.status_code == 200
    assert Customer.objects.count() == 1
    page = asked.text
    assert 'data-testid="confirm-new"' in page and "Add as a new customer" in page
    assert "Robert Kowalski" in page and "same phone" in page
    assert f"/customers/{customer.public_id}/" in page
    assert 'value="Bob"' in page and "Wants a Maverick" in page

    confirmed = client.post("/customers/new/", {**typed, "confirm_new": "1"})
    assert confirmed.status_code == 302
    assert Customer.objects.filter(first_name="Bob", notes="Wants a Maverick").count() == 1


def test_a_household_member_is_added_without_a_question(client_for, alice, customer):

    response = client_for(alice).post(
        "/customers/new/",
        {
            "kind": "person",
            "relationship": "customer",
            "first_name": "Maria",
            "last_name": "Kowalski",
            "phone_mobile": "(512) 555-0123",
        },
    )
    assert response.status_code == 302
    assert Customer.objects.filter(first_name="Maria").exists()


def test_the_floor_boards_log_an_up_form_warns_of_duplicates_too(client_for, alice, customer):
    """The board's up form has one phone and one email field: the panel reads those too."""
    client = client_for(alice)
    board = client.get("/floor/").text
    assert 'hx-get="/duplicates/check/"' in board
    panel = client.get("/duplicates/check/", {"first_name": "Rob", "phone": "512.555.0123"})
    assert "Robert Kowalski" in panel.text and "same phone" in panel.text
    panel = client.get("/duplicates/check/", {"email": "BOB.K@example.com"})
    assert "Robert Kowalski" in panel.text


def test_the_referral_forms_new_customer_fields_warn_of_duplicates_too(client_for, alice, customer):
    client = client_for(alice)
    form = client.get("/referrals/new/").text
    assert 'hx-get="/duplicates/check/"' in form
    panel = client.get(
        "/duplicates/check/", {"new_first_name": "Bob", "new_last_name": "Kowalski"}
    ).text
    assert "Robert Kowalski" in panel and "nickname (bob / robert)" in panel
    panel = client.get("/duplicates/check/", {"new_phone": "(512) 555-0123"}).text
    assert "Robert Kowalski" in panel and "same phone" in panel


def test_panel_hides_the_link_to_a_colleagues_customer(client_for, store_a, alice, dana, customer):

    update_store_settings(store_a, acting_user=dana, salespeople_see_all=False)
    ben = make_staff(store_a, "ben", "sales")
    panel = client_for(ben).get("/duplicates/check/", {"phone_mobile": "512-555-0123"}).text
    # Only that a match exists and who holds it: no name, phone or email of theirs.
    assert "A customer of Alice Test" in panel and "Ask Alice Test or your manager" in panel
    assert f"/customers/{customer.public_id}/" not in panel
    for private in ("Kowalski", "Robert", "555-0123", "bob.k@example.com"):
        assert private not in panel


def test_api_match_check(alice, customer, outsider_customer):
    api = ApiClient(alice)
    response = api.post(
        "/duplicates/match-check",
        {"first_name": "Bob", "last_name": "Kowalski", "phones": ["+1 512 555 0123"]},
    )
    assert response.status_code == 200
    [match] = response.json()
    assert match["customer_id"] == str(customer.public_id)
    assert match["likely"] and "same phone" in match["reasons"]
    bad = api.post("/duplicates/match-check", {"first_name": "x" * 81})
    assert bad.status_code == 422


def test_check_stays_within_a_few_queries(store_a, alice, customer, django_assert_max_num_queries):
    for i in range(9):
        make_customer(store_a, alice, first_name=f"Rob{i}", phones={"mobile": f"512555010{i}"})
    # PostgreSQL adds a savepoint and the trigram threshold: still a constant.
    with django_assert_max_num_queries(13):
        find_likely_matches(
            store_a,
            first_name="Robert",
            last_name="Kowalski",
            phones=["5125550123"],
            emails=["bob.k@example.com"],
            vin=GOOD_VIN,
            street="12 Oak St",
        )


def _at_one_address(first, **extra):
    """A record with only what a mailing list holds: name and address (FEBRL's fields)."""
    return Rec.build(
        first,
        first_name=first,
        last_name="Evison",
        street="18 Power St",
        city="Haigslea",
        region="WA",
        postal_code="2880",
        **extra,
    )


def test_names_of_different_genders_at_one_address_stay_apart_without_contact_points():
    """Husband and wife on a names-and-address list: nothing but the first names tells them
    apart, and those are a man's and a woman's."""
    benjamin, alessandra = _at_one_address("Benjamin"), _at_one_address("Alessandra")
    pair = compare(benjamin, alessandra)
    assert pair.vetoed == "different first names (household member?)"
    assert pair.score < THRESHOLD


def test_a_first_name_replaced_by_another_is_weighed_when_nothing_marks_a_second_person():
    """FEBRL's corruption: the first name swapped for another name (here one of no known
    gender), everything else the same and no contact point on either record. The conflict
    costs its weight instead of vetoing, and the reviewer is told why the match is weak."""
    thomas, monisue = _at_one_address("Thomas"), _at_one_address("Monisue")
    pair = compare(thomas, monisue)
    assert not pair.vetoed
    assert pair.levels["first_name"] == "different"
    assert pair.score >= THRESHOLD
    reasons = pair.reasons(thomas, monisue)
    assert "different first names, nothing but name and address to tell" in reasons
    # Weighed, not ignored: the same pair with the same first name scores higher.
    assert compare(thomas, _at_one_address("Thomas")).score > pair.score + 5


@pytest.mark.parametrize(
    "extra",
    [
        {"phones": ["+15125550123"]},  # a household's landline, or their own
        {"emails": ["t.evison@example.com"]},
        {"vins": ["1FTFW1E50NFA00001"]},
    ],
)
def test_a_contact_point_on_either_record_keeps_the_household_veto(extra):
    thomas, matthew = _at_one_address("Thomas", **extra), _at_one_address("Matthew")
    assert compare(thomas, matthew).vetoed
    assert compare(matthew, thomas).vetoed


def test_conflicting_birth_dates_keep_the_household_veto():
    """Two men at one address born 30 years apart: father and son."""
    thomas = _at_one_address("Thomas", dob="19550312")
    matthew = _at_one_address("Matthew", dob="19850907")
    assert compare(thomas, matthew).vetoed


def test_name_gender_reads_the_usual_gender_and_admits_ignorance():
    assert name_gender("benjamin") == "m" and name_gender("alessandra") == "f"
    assert name_gender("monisue") == "" and name_gender("") == "" and name_gender("j") == ""


def _person(first, last, street, **extra):
    return Rec.build(
        first + street,
        first_name=first,
        last_name=last,
        street=street,
        city="Craigmore",
        region="NSW",
        postal_code="2622",
        **extra,
    )


def test_a_street_number_typed_wrong_is_the_same_street_not_another_address():
    sophie = _person("Sophie", "Mason", "26 May Mills Close")
    again = _person("Sophie", "Mason", "62 May Mills Close")
    elsewhere = _person("Sophie", "Mason", "62 Barraclough Cres")
    assert compare_street(sophie, again) == "name"
    assert compare_street(sophie, elsewhere) == "different"
    assert compare(sophie, again).score > compare(sophie, elsewhere).score + 8
    assert "same street, another number" in compare(sophie, again).reasons(sophie, again)


def test_an_address_with_its_words_in_another_order_is_spelt_alike():
    assert (
        compare_street(
            _person("Tara", "Green", "25 Chisholm St Lashbrooke"),
            _person("Tara", "Green", "25 Lashbrooke Chisholm Street"),
        )
        == "typo"
    )


def test_neighbours_of_one_surname_on_one_street_stay_apart():
    """Two doors apart, one surname, different first names: a man and a woman with nothing
    else on record, or anyone with a phone of their own, are two people."""
    matthew = _person("Matthew", "Ryan", "12 Oak St")
    rebekah = _person("Rebekah", "Ryan", "14 Oak St")
    assert compare(matthew, rebekah).score < THRESHOLD
    thomas = _person("Thomas", "Ryan", "14 Oak St", phones=["+15125550188"])
    assert compare(matthew, thomas).score < THRESHOLD
