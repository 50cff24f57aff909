"""Digital business cards: a vCard 3.0 (vobject), a QR code of it (segno), the card's photo
(Pillow) and the card as a PDF (fpdf2, pure Python, drawn in the request)."""

import io
import unicodedata
import warnings
from pathlib import Path

import segno
import vobject
from django.core.exceptions import ValidationError
from django.utils.text import slugify
from fpdf import FPDF
from PIL import Image, ImageOps, UnidentifiedImageError

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


# --- the card's photo -----------------------------------------------------------------------
PHOTO_MAX_BYTES = 5_000_000
PHOTO_MAX_PIXELS = 40_000_000  # a 40-megapixel photo; more is refused, never decoded
PHOTO_SIDE = 400


def card_photo_jpeg(data: bytes) -> bytes:
    """An uploaded photo as a small JPEG: decoded, turned upright, cropped square, re-encoded
    (no metadata of the original survives). A file that is not an image is a field error."""
    if len(data) > PHOTO_MAX_BYTES:
        raise ValidationError({"photo": ["A photo of at most 5 MB, please."]})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > PHOTO_MAX_PIXELS:
                raise ValidationError({"photo": ["That photo is too large; try a smaller one."]})
            image = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombWarning) as exc:
        raise ValidationError({"photo": ["That file is not a photo (JPEG or PNG)."]}) from exc
    image = ImageOps.fit(image, (PHOTO_SIDE, PHOTO_SIDE))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()


# --- the card as a PDF ----------------------------------------------------------------------
CARD_W, CARD_H, MARGIN = 3.5, 2.0, 0.12  # inches: a US business card
UNICODE_FONTS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
)


def _latin1(text: str) -> str:
    """The PDF's built-in font knows Latin-1 only: other letters lose their accents."""
    out = []
    for ch in text:
        try:
            ch.encode("latin-1")
            out.append(ch)
        except UnicodeEncodeError:
            folded = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode()
            out.append(folded or "?")
    return "".join(out)


def _qr_rects(pdf: FPDF, text: str, x: float, y: float, side: float) -> None:
    """The QR code as filled rectangles (one per run of dark modules in a row): vector, so
    it prints sharp at any resolution."""
    matrix = segno.make(text, error="m").matrix
    border = 4
    count = len(matrix) + 2 * border
    module = side / count
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                pdf.rect(
                    x + (start + border) * module,
                    y + (r + border) * module,
                    (c - start) * module,
                    module,
                    style="F",
                )
            else:
                c += 1


def card_pdf(pro, photo: bytes = b"") -> bytes:
    """The printed card as a one-page PDF, 3.5 × 2 in: name, lines, the card's own line at
    its foot, the photo if there is one, and the QR code of the vCard on the right."""
    pdf = FPDF(orientation="landscape", unit="in", format=(CARD_H, CARD_W))
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_title(f"Card of {pro.name}")
    pdf.add_page()
    if all(path.exists() for path in UNICODE_FONTS):
        pdf.add_font("card", "", str(UNICODE_FONTS[0]))
        pdf.add_font("card", "B", str(UNICODE_FONTS[1]))
        family, clean = "card", str
    else:
        family, clean = "helvetica", _latin1
    side = CARD_H - 2 * MARGIN
    _qr_rects(pdf, pro_vcard(pro), CARD_W - MARGIN - side, MARGIN, side)
    width = CARD_W - 3 * MARGIN - side
    x, name_width = MARGIN, width
    if photo:  # beside the name, so the lines below keep their room
        pdf.image(io.BytesIO(photo), x=MARGIN, y=MARGIN, w=0.45, h=0.45)
        x, name_width = MARGIN + 0.5, width - 0.5
    pdf.set_xy(x, MARGIN)
    pdf.set_font(family, "B", 10)
    pdf.multi_cell(name_width, 0.17, clean(pro.name or pro.store_name), align="L")
    pdf.set_y(max(pdf.get_y(), MARGIN + 0.5) if photo else pdf.get_y())
    pdf.set_font(family, "", 6.5)
    for line in print_lines(pro):
        pdf.set_x(MARGIN)
        pdf.multi_cell(width, 0.11, clean(line), align="L")
    if pro.card_line:
        pdf.set_font(family, "B", 6.5)
        foot = pdf.multi_cell(
            width, 0.11, clean(pro.card_line), align="L", dry_run=True, output="LINES"
        )
        pdf.set_xy(MARGIN, max(pdf.get_y() + 0.04, CARD_H - MARGIN - 0.11 * len(foot)))
        pdf.multi_cell(width, 0.11, clean(pro.card_line), align="L")
    return bytes(pdf.output())


def card_pdf_filename(pro) -> str:
    return f"{slugify(pro.name or pro.store_name) or 'pro'}-card.pdf"
