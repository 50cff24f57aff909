"""Internet leads in ADF/XML (Auto-lead Data Format 1.0) become ups of source "internet".

The XML comes from outside (a web form vendor, an email drop), so it is parsed with
defusedxml (no entity expansion, no external entities) and read leniently: processing
instructions in any case, no XML declaration, vendor-specific tags ignored. A lead whose
id was already logged is skipped, so a re-sent file creates nothing twice."""

import hashlib
from dataclasses import dataclass, field

from defusedxml import ElementTree as SafeET
from django.core.exceptions import ValidationError

from goodwill.core.contact import normalise_email, normalise_phone
from goodwill.customers.models import Customer
from goodwill.floor.actions import log_up
from goodwill.floor.models import Up

MAX_BYTES = 2_000_000


@dataclass
class Lead:
    external_id: str
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    email: str = ""
    interest: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    created: list[Up] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _text(el, path: str) -> str:
    found = el.find(path) if el is not None else None
    return " ".join((found.text or "").split()) if found is not None else ""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def _lower_tags(root) -> None:
    """Some feeds write <Prospect> or <VEHICLE>; ADF tag names are lower case."""
    for el in root.iter():
        if isinstance(el.tag, str):
            el.tag = _local(el.tag)


def parse(data: bytes) -> list[Lead]:
    if len(data) > MAX_BYTES:
        raise ValidationError({"file": ["The lead file is larger than 2 MB."]})
    try:
        root = SafeET.fromstring(data.lstrip())
    except SafeET.ParseError as exc:
        raise ValidationError({"file": [f"Not readable XML: {exc}."]}) from None
    except Exception as exc:  # defusedxml refuses entities and DTD tricks with its own errors
        raise ValidationError({"file": [f"Refused XML: {exc.__class__.__name__}."]}) from None
    _lower_tags(root)
    if root.tag != "adf":
        raise ValidationError({"file": ["Not an ADF document: the root element must be <adf>."]})
    leads = []
    for prospect in root.iter("prospect"):
        contact = prospect.find("customer/contact")
        names = {}
        for n in contact.iter("name") if contact is not None else []:
            names[(n.get("part") or "full").lower()] = " ".join((n.text or "").split())
        first, last = names.get("first", ""), names.get("last", "")
        if not (first or last) and names.get("full"):
            first, _, last = names["full"].partition(" ")
        id_el = prospect.find("id")
        raw_id = _text(prospect, "id")
        source = (id_el.get("source", "") if id_el is not None else "").strip()
        external = f"{source}:{raw_id}" if raw_id else ""
        if not external:
            external = "sha256:" + hashlib.sha256(SafeET.tostring(prospect)).hexdigest()[:32]
        lead = Lead(external_id=external[:120], first_name=first[:80], last_name=last[:80])
        lead.phone = _text(contact, "phone")
        lead.email = _text(contact, "email")
        wanted, notes = [], []
        for v in prospect.iter("vehicle"):
            title = " ".join(
                p
                for p in (_text(v, "year"), _text(v, "make"), _text(v, "model"), _text(v, "trim"))
                if p
            )
            kind = (v.get("interest") or "buy").lower()
            if kind in ("trade-in", "sell"):
                miles = _text(v, "odometer")
                notes.append(f"Trade-in: {title}" + (f", {miles} mi" if miles else ""))
            else:
                wanted.append(f"{(v.get('status') or '').lower()} {title}".strip())
            if _text(v, "comments"):
                notes.append(_text(v, "comments"))
        lead.interest = "; ".join(wanted)[:200]
        for path in ("customer/comments", "customer/timeframe/description"):
            if _text(prospect, path):
                notes.append(_text(prospect, path))
        provider = _text(prospect, "provider/name") or _text(prospect, "provider/service")
        if provider:
            notes.append(f"Lead from {provider}")
        lead.notes = notes
        leads.append(lead)
    if not leads:
        raise ValidationError({"file": ["The ADF document has no <prospect>."]})
    return leads


def import_leads(dealership, data: bytes, *, acting_user) -> ImportResult:
    """Call inside a transaction: all the file's leads or none."""
    result = ImportResult()
    for lead in parse(data):
        if Up.objects.for_dealership(dealership).filter(external_id=lead.external_id).exists():
            result.skipped.append(f"{lead.external_id}: already logged")
            continue
        notes = list(lead.notes)
        phone = email = ""
        try:
            phone = normalise_phone(lead.phone, dealership.phone_region) if lead.phone else ""
        except ValidationError:
            notes.append(f"Unreadable phone in the lead: {lead.phone}")
        try:
            email = normalise_email(lead.email) if lead.email else ""
        except ValidationError:
            notes.append(f"Unreadable email in the lead: {lead.email}")
        if not (lead.first_name or lead.last_name):
            result.skipped.append(f"{lead.external_id}: no customer name")
            continue
        customer = Customer.objects.with_contact(dealership, phone=phone, email=email)
        up = log_up(
            dealership,
            acting_user=acting_user,
            source=Up.Source.INTERNET,
            customer=customer,
            new_customer=None
            if customer
            else {
                "first_name": lead.first_name,
                "last_name": lead.last_name,
                "phone": phone,
                "email": email,
            },
            interest=lead.interest,
            notes="\n".join(notes)[:2000],
            external_id=lead.external_id,
        )
        result.created.append(up)
    return result
