"""ADF/XML 1.0 (Auto-lead Data Format): the lead a pro not on Goodwill drops into their own
CRM. Written with ElementTree (strict on what we write); read back leniently, through
defusedxml (no entities, no DTD tricks), for tests and imports."""

import xml.etree.ElementTree as ET  # nosec B405 # writes only; reading goes through defusedxml

from defusedxml import ElementTree as SafeET
from django.utils import timezone

from goodwill.core.contact import format_phone
from goodwill.core.links import site_url


def _sub(parent, tag, text=None, **attrs):
    el = ET.SubElement(parent, tag, {k: str(v) for k, v in attrs.items()})
    if text is not None:
        el.text = str(text)
    return el


def referral_adf(referral) -> bytes:
    """Only what was shared goes in: the snapshot on the referral, never the Customer row."""
    adf = ET.Element("adf")
    prospect = _sub(adf, "prospect", status="new")
    _sub(prospect, "id", str(referral.public_id), sequence="1", source="Goodwill")
    sent_at = timezone.localtime(referral.sent_at, referral.from_dealership.zone)
    _sub(prospect, "requestdate", sent_at.isoformat(timespec="seconds"))
    vehicle = _sub(prospect, "vehicle", interest="buy", status="new")
    # year, make and model are required by ADF; an unknown year stays empty rather than false.
    _sub(vehicle, "year", "")
    _sub(vehicle, "make", referral.make or "")
    _sub(vehicle, "model", "")
    _sub(vehicle, "comments", referral.interest)
    customer = _sub(prospect, "customer")
    contact = _sub(customer, "contact")
    _sub(contact, "name", referral.shared_first_name, part="first")
    if referral.shared_last_name:
        _sub(contact, "name", referral.shared_last_name, part="last")
    if referral.shared_email:
        _sub(contact, "email", referral.shared_email, preferredcontact="1")
    if referral.shared_phone:
        _sub(contact, "phone", format_phone(referral.shared_phone), type="voice")
    comments = [f"Interest: {referral.interest}"]
    if referral.shared_company:
        comments.append(f"Company: {referral.shared_company}")
    if referral.shared_note:
        comments.append(referral.shared_note)
    if not referral.shared_full:
        comments.append(
            "The customer has your card and will contact you; only their first name was shared."
        )
    _sub(customer, "comments", " · ".join(comments))
    vendor = _sub(prospect, "vendor")
    pro = referral.pro
    _sub(vendor, "vendorname", pro.store_name if pro else "")
    if pro:
        vcontact = _sub(vendor, "contact")
        _sub(vcontact, "name", pro.name, part="full")
        if pro.email:
            _sub(vcontact, "email", pro.email)
    provider = _sub(prospect, "provider")
    sender = referral.sent_by
    _sub(provider, "name", f"{sender.display_name}, {referral.from_dealership.name}", part="full")
    _sub(provider, "service", "Goodwill referral (card in hand)")
    _sub(provider, "url", site_url("/"))
    if sender.email:
        pcontact = _sub(provider, "contact")
        _sub(pcontact, "name", sender.display_name, part="full")
        _sub(pcontact, "email", sender.email)
    ET.indent(adf)
    body = ET.tostring(adf, encoding="unicode")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<?adf version="1.0"?>\n' + body + "\n"
    ).encode()


def parse_adf(data: bytes | str) -> list[dict]:
    """Lenient reading of ADF leads (any case of processing instructions, extra tags)."""
    root = SafeET.fromstring(data.encode() if isinstance(data, str) else data)
    leads = []
    for prospect in root.iter("prospect"):
        contact = prospect.find("customer/contact")
        names = {n.get("part", "full"): (n.text or "").strip() for n in contact.iter("name")}
        vehicles = [
            {
                "interest": v.get("interest", ""),
                "make": (v.findtext("make") or "").strip(),
                "model": (v.findtext("model") or "").strip(),
                "comments": (v.findtext("comments") or "").strip(),
            }
            for v in prospect.iter("vehicle")
        ]
        leads.append(
            {
                "id": (prospect.findtext("id") or "").strip(),
                "first_name": names.get("first", ""),
                "last_name": names.get("last", ""),
                "email": (contact.findtext("email") or "").strip(),
                "phone": (contact.findtext("phone") or "").strip(),
                "vehicles": vehicles,
                "vendor": (prospect.findtext("vendor/vendorname") or "").strip(),
                "comments": (prospect.findtext("customer/comments") or "").strip(),
            }
        )
    return leads
