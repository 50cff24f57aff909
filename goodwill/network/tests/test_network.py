"""Building the network: pros recorded (linked to an account or external), partnerships,
cards, and the pages that show them."""

import pytest
import vobject
from django.core.exceptions import PermissionDenied, ValidationError

from goodwill.conftest import make_staff
from goodwill.network import actions
from goodwill.network.models import NetworkEvent, Partnership, Pro, ProMake
from goodwill.network.suggest import suggest

pytestmark = pytest.mark.django_db


def test_an_external_pro_is_recorded_with_normalised_contact_and_history(kim, alice):
    assert not kim.on_goodwill and kim.store_id is None and kim.user_id is None
    assert kim.phone == "+15125550150"
    assert kim.makes == ["Kia"]
    assert list(ProMake.objects.filter(pro=kim).values_list("make", flat=True)) == ["kia"]
    event = NetworkEvent.objects.get(pro=kim)
    assert event.verb == "recorded" and event.actor == alice
    assert event.changes["makes"] == ["", "Kia"]


def test_a_pro_on_goodwill_is_linked_to_their_real_account(carol_pro, carol, store_a, store_c):
    assert carol_pro.dealership == store_a
    assert carol_pro.user == carol and carol_pro.store == store_c
    assert carol_pro.on_goodwill and not carol_pro.listed
    assert carol_pro.store_name == "Lone Star Honda" and carol_pro.makes == ["Honda"]
    assert carol_pro.notes == "Met at the Honda open house"
    assert "on Goodwill" in NetworkEvent.objects.get(pro=carol_pro, verb="recorded").changes


def test_a_pro_cannot_be_linked_twice_or_to_ones_own_store(carol_pro, carol_card, store_a, alice):
    with pytest.raises(ValidationError) as exc:
        actions.record_pro(store_a, acting_user=alice, linked_to=carol_card)
    assert "already in your network" in str(exc.value)
    own = actions.publish_card(make_staff(store_a, "ned", "sales"))
    with pytest.raises(ValidationError) as exc:
        actions.record_pro(store_a, acting_user=alice, linked_to=own)
    assert "another store" in str(exc.value)


def test_bad_contact_details_are_refused_per_field_and_nothing_is_saved(store_a, alice):
    with pytest.raises(ValidationError) as exc:
        actions.record_pro(
            store_a,
            acting_user=alice,
            store_name="X Motors",
            first_name="Xavier",
            phone="12",
            email="not-an-email",
            makes=[],
        )
    assert set(exc.value.message_dict) == {"phone", "email", "makes"}
    assert not Pro.objects.exists() and not NetworkEvent.objects.exists()


def test_a_partnership_with_a_pro_on_goodwill_is_mutual_once_they_accept(
    client_for, carol_pro, alice, carol
):
    partnership = actions.propose_partnership(carol_pro, acting_user=alice, terms="Civics to you")
    assert partnership.status == Partnership.Status.PROPOSED
    assert partnership.partner_store_id == carol.dealership_id
    with pytest.raises(PermissionDenied):
        actions.answer_partnership(partnership, acting_user=alice, accept=True)
    # Carol sees the proposal on her network page and accepts it there.
    client = client_for(carol)
    page = client.get("/network/")
    assert "Capital City Ford" in page.text and "Civics to you" in page.text
    response = client.post(f"/network/partnerships/{partnership.public_id}/accept/")
    assert response.status_code == 302
    partnership.refresh_from_db()
    assert partnership.status == Partnership.Status.AGREED
    assert partnership.answered_by == carol and partnership.agreed_at is not None
    verbs = list(NetworkEvent.objects.filter(pro=carol_pro).values_list("verb", flat=True))
    assert "partnership_proposed" in verbs and "partnership_agreed" in verbs


def test_an_external_partnership_is_agreed_when_the_proposer_marks_it(client_for, kim, alice):
    partnership = actions.propose_partnership(kim, acting_user=alice)
    with pytest.raises(ValidationError):
        actions.answer_partnership(partnership, acting_user=alice, accept=True)
    response = client_for(alice).post(f"/network/partnerships/{partnership.public_id}/agreed/")
    assert response.status_code == 302
    partnership.refresh_from_db()
    assert partnership.status == Partnership.Status.AGREED and partnership.answered_by == alice
    with pytest.raises(ValidationError):
        actions.propose_partnership(kim, acting_user=alice)  # one open partnership per pro


def test_a_pro_is_recorded_through_the_form(client_for, alice):
    client = client_for(alice)
    assert client.get("/network/new/").status_code == 200
    response = client.post(
        "/network/new/",
        {
            "store_name": "Hill Country Subaru",
            "first_name": "Sam",
            "makes": "Subaru",
            "specialties": "outdoor, used",
            "phone": "(512) 555-0199",
        },
    )
    pro = Pro.objects.get(first_name="Sam")
    assert response.status_code == 302 and response.url == f"/network/{pro.public_id}/"
    assert pro.specialties == ["outdoor", "used"] and pro.recorded_by == alice
    bad = client.post("/network/new/", {"store_name": "", "first_name": "", "makes": ""})
    assert bad.status_code == 200
    assert set(bad.context["form"].errors) >= {"store_name", "first_name", "makes"}


def test_the_vcard_download_imports_into_another_tool(client_for, alice, kim):
    response = client_for(alice).get(f"/network/{kim.public_id}/card.vcf")
    assert response["Content-Type"].startswith("text/vcard")
    card = vobject.readOne(response.content.decode())
    assert card.fn.value == "Kim Nguyen"
    assert card.n.value.given == "Kim" and card.n.value.family == "Nguyen"
    assert card.org.value == ["Round Rock Kia"]
    assert card.tel.value == "+15125550150"
    assert card.email.value == "kim@roundrockkia.example"
    assert card.adr.value.city == "Round Rock"


def test_the_printable_card_has_a_qr_code_phone_and_map_link(client_for, alice, kim):
    page = client_for(alice).get(f"/network/{kim.public_id}/print/").text
    assert "<svg" in page and "Kim Nguyen" in page
    assert "(512) 555-0150" in page and "openstreetmap.org" in page


def test_pro_pages_are_a_404_for_another_store(client_for, bob, kim):
    client = client_for(bob)
    for url in (f"/network/{kim.public_id}/", f"/network/{kim.public_id}/card.vcf"):
        assert client.get(url).status_code == 404
    assert "Kim" not in client.get("/network/").text


def test_the_network_list_shows_my_pros_without_n_plus_one(
    client_for, alice, kim, carol_pro, django_assert_max_num_queries
):
    actions.propose_partnership(kim, acting_user=alice)
    for i in range(5):
        actions.record_pro(
            alice.dealership,
            acting_user=alice,
            store_name=f"Store {i}",
            first_name=f"P{i}",
            makes=["Nissan"],
        )
    client = client_for(alice)
    client.get("/network/")
    with django_assert_max_num_queries(8):
        page = client.get("/network/")
    assert "Kim Nguyen" in page.text and "Carol Test" in page.text and "Proposed" in page.text


def test_suggestions_rank_the_pro_selling_the_wanted_make_and_say_why(
    client_for, alice, carol_pro, kim
):
    page = client_for(alice).get("/network/", {"q": "a Honda Civic for my daughter"})
    suggestions = page.context["suggestions"]
    assert suggestions[0].pro == carol_pro
    assert "Sells Honda" in suggestions[0].why
    assert all(s.pro != kim for s in suggestions)  # Kim sells Kia


def test_a_directory_card_of_another_store_can_be_added_to_my_network(
    client_for, alice, carol_card, carol
):
    client = client_for(alice)
    page = client.get("/network/", {"q": "Honda"})
    assert page.context["suggestions"][0].pro == carol_card
    assert "On Goodwill, not in your network yet" in page.context["suggestions"][0].why
    client.post(f"/network/directory/{carol_card.public_id}/add/")
    pro = Pro.objects.get(dealership=alice.dealership, user=carol)
    assert pro.store_id == carol.dealership_id and not pro.listed


def test_directory_suggestions_are_the_nearest_cards_inside_the_radius(store_a, store_c, carol):

    for store, lat, lon in ((store_a, 30.357, -97.731), (store_c, 30.508, -97.678)):
        store.latitude, store.longitude = lat, lon
        store.save(update_fields=["latitude", "longitude"])
    carol.dealership = store_c
    far = make_staff(store_c, "faye", "sales")
    near_card = actions.publish_card(carol)
    far_card = actions.publish_card(far)
    actions.update_pro(far_card, acting_user=far, latitude=32.7767, longitude=-96.797)  # Dallas
    _, items = suggest(store_a, make="Honda")
    assert [s.pro for s in items] == [near_card]
    assert any(w.endswith("mi away") for w in items[0].why)
    _, few = suggest(store_a, make="Honda", radius_miles=300, nearest=1)
    assert [s.pro for s in few] == [near_card]


def test_each_suggestion_says_what_its_score_means(client_for, alice, carol_pro, kim):
    page = client_for(alice).get("/network/", {"q": "a Honda Civic for my daughter"}).text
    score = page_score = page.split("Fit score ")[1].split("<")[0]
    assert page_score.isdigit(), score  # "Fit score 87", not a bare "86.8"
    assert "The fit score adds points for the make you asked for" in page
