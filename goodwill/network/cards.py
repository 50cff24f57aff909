"""Digital business cards: a vCard 3.0 (vobject) and a QR code of it (segno)."""

import io

import segno
import vobject
from django.utils.text import slugify

from goodwill.core.contact import format_phone
from goodwill.network.models import Pro


def pro_vcard(pro) -> str:
    """The pro's card as vCard text, importable by phones and other CRMs."""
    card = vobject.vCard()
    card.add("n").value = vobject.vcard.Name(family=pro.last_name, given=pro.first_name)
    card.add("fn").value = pro.name or pro.store_name
    card.add("org").value = [pro.store_name]
    if pro.title:
        card.add("title").value = pro.title
    if pro.phone:
        tel = card.add("tel")
        tel.value = pro.phone
        tel.type_param = "WORK"
    if pro.email:
        email = card.add("email")
        email.value = pro.email
        email.type_param = "INTERNET"
    if pro.street or pro.city:
        adr = card.add("adr")
        adr.value = vobject.vcard.Address(
            street=pro.street,
            city=pro.city,
            region=pro.region,
            code=pro.postal_code,
            country="",
        )
        adr.type_param = "WORK"
    if pro.website:
        card.add("url").value = pro.website
    if pro.makes:
        card.add("note").value = (
            "Sells "
            + ", ".join(pro.makes)
            + (" · " + ", ".join(pro.specialties) if pro.specialties else "")
        )
    return card.serialize()


def vcard_filename(pro) -> str:
    return f"{slugify(pro.name or pro.store_name) or 'pro'}.vcf"


def qr_svg(text: str) -> str:
    """An inline SVG QR code (no XML declaration) with a `viewBox` and no fixed size: the
    page's CSS sizes it and the whole code, quiet zone included, scales with it."""
    out = io.BytesIO()
    segno.make(text, error="m").save(
        out, kind="svg", scale=1, xmldecl=False, svgns=True, omitsize=True
    )
    return out.getvalue().decode()


def qr_png(text: str, *, scale: int = 5) -> bytes:
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=scale)
    return out.getvalue()


def card_lines(pro) -> list[str]:
    """The readable card, for emails and the printable page."""
    lines = [pro.name, f"{pro.title + ', ' if pro.title else ''}{pro.store_name}"]
    if pro.phone:
        lines.append(f"Phone: {format_phone(pro.phone)}")
    if pro.email:
        lines.append(f"Email: {pro.email}")
    if pro.address_line:
        lines.append(f"Address: {pro.address_line}")
    if pro.map_url:
        lines.append(f"Map: {pro.map_url}")
    return lines


def print_lines(pro) -> list[str]:
    """The lines under the name on the printed card: no map link (the QR code carries the
    address), each short enough for a business card."""
    lines = [", ".join(p for p in (pro.title, pro.store_name) if p)]
    if pro.phone:
        lines.append(format_phone(pro.phone))
    if pro.email:
        lines.append(pro.email)
    if pro.address_line:
        lines.append(pro.address_line)
    if pro.website:
        lines.append(pro.website.removeprefix("https://").removeprefix("http://").rstrip("/"))
    return lines


def staff_vcard(user, store) -> str:
    """A Goodwill member's card (the sender of a referral), built like a pro's."""
    card = Pro(
        first_name=user.first_name or user.username,
        last_name=user.last_name,
        title=user.title or user.get_role_display(),
        phone=user.phone or store.phone,
        email=user.email,
        store_name=store.name,
        street=store.street,
        city=store.city,
        region=store.region,
        postal_code=store.postal_code,
        website=store.website,
        makes=list(store.makes),
        specialties=list(store.specialties),
    )
    return pro_vcard(card)
