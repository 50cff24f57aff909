"""vCard 2.1 / 3.0 / 4.0 as real address books write them.

vobject parses one card well once the text is clean; a tolerant pre-pass cleans it first:
quoted-printable values with soft line breaks (Outlook, Android) are joined and decoded with
their CHARSET, bare 2.1 type parameters become TYPE=, inline photos (base64 blocks without
folding) are dropped, a card missing its END is closed. A card vobject still refuses becomes
one row error; the others import."""

from __future__ import annotations

import quopri
import re
from collections.abc import Iterator

import vobject

from goodwill.imports.reading import FileProblem, detect_encoding

HEADERS = [
    "First name",
    "Last name",
    "Full name",
    "Company",
    "Street",
    "City",
    "State",
    "ZIP",
    "Mobile phone",
    "Home phone",
    "Work phone",
    "Email",
    "Work email",
    "Notes",
]
MAPPING = dict(
    zip(
        HEADERS,
        [
            "first_name",
            "last_name",
            "full_name",
            "company_name",
            "street",
            "city",
            "region",
            "postal_code",
            "phone_mobile",
            "phone_home",
            "phone_work",
            "email_personal",
            "email_work",
            "notes",
        ],
        strict=True,
    )
)
PROPERTY = re.compile(r"^(?:[A-Za-z0-9-]+\.)?[A-Za-z0-9-]+[;:]")
BINARY = re.compile(r"^(?:[A-Za-z0-9-]+\.)?(PHOTO|LOGO|SOUND|KEY)[;:]", re.IGNORECASE)
QP = re.compile(r";(?:ENCODING=)?QUOTED-PRINTABLE", re.IGNORECASE)
STRUCTURED = {"N", "ADR", "ORG", "GENDER"}
CHARSET = re.compile(r";CHARSET=([A-Za-z0-9_-]+)", re.IGNORECASE)
BARE_TYPES = {
    "HOME", "WORK", "CELL", "VOICE", "FAX", "PREF", "INTERNET", "MSG", "PAGER", "X400",
    "DOM", "INTL", "POSTAL", "PARCEL", "BBS", "MODEM", "CAR", "ISDN", "VIDEO", "OTHER",
}  # fmt: skip


def _decode_qp(line: str) -> str:
    name, _, value = line.partition(":")
    charset = CHARSET.search(name)
    encoding = charset.group(1) if charset else "utf-8"
    raw = quopri.decodestring(value.encode("latin-1", "replace"))
    try:
        text = raw.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        text = raw.decode("cp1252", "replace")
    name = CHARSET.sub("", QP.sub("", name))
    # The decoded text is raw: escape it as vCard 3.0 text (line breaks, commas; semicolons
    # too unless they separate the parts of a structured value like N or ADR).
    prop = name.split(";")[0].split(".")[-1].upper()
    text = text.replace("\\", "\\\\").replace(",", "\\,")
    if prop not in STRUCTURED:
        text = text.replace(";", "\\;")
    text = text.replace("\r", "").replace("\n", "\\n")
    return f"{name}:{text}"


def _bare_types(line: str) -> str:
    name, sep, value = line.partition(":")
    parts = name.split(";")
    bare = [p for p in parts[1:] if p.upper() in BARE_TYPES]
    if not bare:
        return line
    rest = [p for p in parts[1:] if p.upper() not in BARE_TYPES]
    return ";".join([parts[0], *rest, "TYPE=" + ",".join(bare)]) + sep + value


def prepass(text: str) -> Iterator[str]:
    """Yield each card as clean vCard text."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    card: list[str] = []
    inside = skipping = False
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        upper = line.strip().upper()
        if upper == "BEGIN:VCARD":
            if inside and card:
                yield "\n".join([*card, "END:VCARD"])  # the previous card was never closed
            card, inside, skipping = [line.strip()], True, False
            continue
        if not inside:
            continue
        if upper == "END:VCARD":
            card.append("END:VCARD")
            yield "\n".join(card)
            card, inside = [], False
            continue
        if skipping:
            if line[:1] in (" ", "\t") or not PROPERTY.match(line) or not line.strip():
                continue
            skipping = False
        if BINARY.match(line):
            skipping = True
            continue
        if not line.strip():
            continue
        if line[:1] in (" ", "\t") and card:
            card[-1] += line[1:]
            continue
        if QP.search(line.partition(":")[0]):
            while line.endswith("=") and i < len(lines):
                line = (
                    line[:-1] + lines[i].lstrip()
                    if lines[i][:1] in (" ", "\t")
                    else (line[:-1] + lines[i])
                )
                i += 1
            line = _decode_qp(line)
        card.append(_bare_types(line))
    if inside and len(card) > 1:
        yield "\n".join([*card, "END:VCARD"])


def _types(prop) -> set[str]:
    types = set()
    for value in prop.params.get("TYPE", []):
        types |= {t.strip().lower() for t in value.split(",")}
    return types


def card_to_row(card) -> dict:
    row = dict.fromkeys(HEADERS, "")
    contents = card.contents
    if "n" in contents:
        n = contents["n"][0].value
        row["First name"] = " ".join(p for p in [n.given, n.additional] if p and isinstance(p, str))
        row["Last name"] = n.family if isinstance(n.family, str) else " ".join(n.family)
    if "fn" in contents:
        row["Full name"] = str(contents["fn"][0].value)
    if "org" in contents:
        org = contents["org"][0].value
        row["Company"] = org[0] if isinstance(org, list) and org else str(org or "")
    if "adr" in contents:
        adr = contents["adr"][0].value
        street = adr.street if isinstance(adr.street, str) else ", ".join(adr.street)
        row["Street"] = ", ".join(p for p in (adr.box, adr.extended, street) if p)
        row["City"], row["State"], row["ZIP"] = adr.city, adr.region, adr.code
    for tel in contents.get("tel", []):
        types = _types(tel)
        value = str(tel.value).removeprefix("tel:")
        slot = (
            "Work phone"
            if "work" in types
            else "Home phone"
            if "home" in types
            else ("Mobile phone")
        )
        if row[slot]:
            slot = next((s for s in ("Mobile phone", "Home phone", "Work phone") if not row[s]), "")
        if slot:
            row[slot] = value
    for email in contents.get("email", []):
        slot = "Work email" if "work" in _types(email) else "Email"
        if row[slot]:
            slot = next((s for s in ("Email", "Work email") if not row[s]), "")
        if slot:
            row[slot] = str(email.value)
    if "note" in contents:
        row["Notes"] = str(contents["note"][0].value)
    return row


def iter_vcards(path, counter: list | None = None) -> Iterator[tuple[int, dict]]:
    """(card number, row) per card; a card that cannot be read gives {None: reason}.
    Address books are small next to CSV exports, so the file is read whole."""
    with open(path, "rb") as f:
        data = f.read()
    encoding = detect_encoding(data[:65536])
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        text = data.decode("cp1252", "replace")
    if "BEGIN:VCARD" not in text.upper():
        raise FileProblem("No BEGIN:VCARD in this file: it is not a vCard (.vcf) file.")
    for number, card_text in enumerate(prepass(text), start=1):
        if counter is not None:
            counter[0] = len(data) * number  # replaced by the caller's own total
        try:
            card = vobject.readOne(card_text, ignoreUnreadable=True)
            yield number, card_to_row(card)
        except Exception as exc:  # vobject raises many kinds; one bad card is one row error
            yield number, {None: f"an unreadable card ({exc.__class__.__name__}: {exc})"[:200]}
    if counter is not None:
        counter[0] = len(data)
