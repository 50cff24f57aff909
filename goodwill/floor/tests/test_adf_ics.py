from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from icalendar import Calendar

from goodwill.conftest import make_customer
from goodwill.floor import actions, adf, ics
from goodwill.floor.models import Up

pytestmark = pytest.mark.django_db
SAMPLE = Path("/work/shared/data/adf/sample-lead-internet.xml")
if not SAMPLE.exists():  # a checkout without the shared data: the same sample, kept beside us
    SAMPLE = Path(__file__).parent / "sample-lead-internet.xml"


def test_the_sample_lead_becomes_an_internet_up_with_its_details(store_a, alice):
    result = adf.import_leads(store_a, SAMPLE.read_bytes(), acting_user=alice)
    [up] = result.created
    assert up.source == Up.Source.INTERNET
    assert up.external_id == "Lakeside Motors Web:WEB-2026-000417"
    assert up.customer.display_name == "Dana Whitlock"
    assert up.customer.primary_phone == "+15125550147"
    assert up.customer.primary_email == "dana.whitlock@example.com"
    assert up.interest == "new 2026 Ford F-350 Super Duty XL Chassis Cab"
    assert "Trade-in: 2017 Ram 2500, 148200 mi" in up.notes
    assert "Whitlock Plumbing LLC" in up.notes


def test_a_resent_lead_is_skipped_and_a_known_phone_reuses_the_customer(store_a, alice):
    existing = make_customer(store_a, alice, first_name="Dana", phones={"mobile": "512-555-0147"})
    first = adf.import_leads(store_a, SAMPLE.read_bytes(), acting_user=alice)
    assert first.created[0].customer == existing
    again = adf.import_leads(store_a, SAMPLE.read_bytes(), acting_user=alice)
    assert again.created == [] and "already logged" in again.skipped[0]
    assert Up.objects.count() == 1


def test_lenient_reading_upper_case_tags_no_declaration_and_full_names(store_a, alice):
    xml = b"""<?ADF VERSION "1.0"?><ADF><PROSPECT><ID source="x">9</ID>
      <VEHICLE interest="buy"><YEAR>2025</YEAR><MAKE>Ford</MAKE><MODEL>Ranger</MODEL></VEHICLE>
      <CUSTOMER><CONTACT><NAME part="full">Lee Ann Park</NAME><PHONE>not a phone</PHONE>
      </CONTACT></CUSTOMER><vendorthing>ignored</vendorthing></PROSPECT></ADF>"""
    [up] = adf.import_leads(store_a, xml, acting_user=alice).created
    assert (up.customer.first_name, up.customer.last_name) == ("Lee", "Ann Park")
    assert "Unreadable phone in the lead: not a phone" in up.notes


@pytest.mark.parametrize(
    "xml, message",
    [
        (b"<adf><prospect>", "Not readable XML"),
        (b"<lead/>", "root element must be <adf>"),
        (b"<adf/>", "no <prospect>"),
        (
            b'<?xml version="1.0"?><!DOCTYPE adf [<!ENTITY x "boom">]><adf>&x;</adf>',
            "Refused XML",
        ),
    ],
)
def test_bad_files_are_refused_with_a_reason(store_a, alice, xml, message):
    with pytest.raises(ValidationError) as exc:
        adf.import_leads(store_a, xml, acting_user=alice)
    assert message in exc.value.message_dict["file"][0]
    assert not Up.objects.exists()


def test_the_ics_invite_parses_back_with_the_appointment(store_a, alice, customer):
    starts = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    appointment = actions.set_appointment(
        customer,
        salesperson=alice,
        acting_user=alice,
        starts_at=starts,
        minutes=45,
        purpose="Test drive the Bronco",
    )

    cal = Calendar.from_ical(ics.invite(appointment))
    [event] = cal.walk("VEVENT")
    assert str(event["uid"]) == f"{appointment.public_id}@goodwill"
    assert event.decoded("dtstart") == starts
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(minutes=45)
    assert "Capital City Ford" in str(event["summary"])
    assert "Test drive the Bronco" in str(event["description"])
    assert str(event["attendee"]) == "mailto:bob.k@example.com"
    assert str(cal["method"]) == "REQUEST"
    actions.set_appointment_status(appointment, "cancelled", acting_user=alice)
    appointment.refresh_from_db()
    cancelled = Calendar.from_ical(ics.invite(appointment))
    assert str(cancelled["method"]) == "CANCEL"
    assert cancelled.walk("VEVENT")[0]["sequence"] == 1
