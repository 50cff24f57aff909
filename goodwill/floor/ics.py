"""The customer's appointment invite as iCalendar (RFC 5545), written by `icalendar`.

The UID is the appointment's public id so a re-sent or changed invite updates the same
calendar entry; SEQUENCE grows with each change and a cancelled one says so."""

from datetime import timedelta

from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from goodwill.floor.models import Appointment


def invite(appointment: Appointment) -> bytes:
    store = appointment.dealership
    cal = Calendar()
    cal.add("prodid", "-//Goodwill//Showroom appointments//EN")
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if appointment.status == Appointment.Status.CANCELLED else "REQUEST")
    event = Event()
    event.add("uid", f"{appointment.public_id}@goodwill")
    event.add("sequence", appointment.sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", appointment.starts_at)
    event.add("dtend", appointment.starts_at + timedelta(minutes=appointment.minutes))
    salesperson = appointment.salesperson.display_name
    event.add("summary", f"Visit {store.name} with {salesperson}")
    where = ", ".join(p for p in (store.street, store.city, store.region, store.postal_code) if p)
    event.add("location", vText(where or store.name))
    lines = [appointment.purpose or "Your visit", f"You will meet {salesperson}."]
    if store.phone:
        lines.append(f"To change the time, call {store.phone}.")
    event.add("description", "\n".join(lines))
    event.add(
        "status", "CANCELLED" if appointment.status == Appointment.Status.CANCELLED else "CONFIRMED"
    )
    if appointment.salesperson.email:
        organizer = vCalAddress(f"mailto:{appointment.salesperson.email}")
        organizer.params["cn"] = vText(salesperson)
        event.add("organizer", organizer)
    if appointment.customer.primary_email:
        attendee = vCalAddress(f"mailto:{appointment.customer.primary_email}")
        attendee.params["cn"] = vText(appointment.customer.display_name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        event.add("attendee", attendee, encode=0)
    event.add("x-goodwill-store", store.name)
    cal.add_component(event)
    return cal.to_ical()
