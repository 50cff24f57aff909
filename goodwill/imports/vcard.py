"""vCard 2.1 / 3.0 / 4.0 as real address books write them.

vobject parses one card well once the text is clean; a tolerant pre-pass cleans it first:
quoted-printable values with soft line breaks (Outlook, Android) are joined and decoded with
their CHARSET, bare 2.1 type parameters become TYPE=, inline photos (base64 blocks without
folding) are dropped, a card missing its END is closed. A card vobject still refuses becomes
one row error; the others import."""

from __future__ import annotations

import logging
import quopri
import re
from collections.abc import Iterator

import vobject

from goodwill.imports.reading import FileProblem, detect_encoding
from goodwill.imports.rows import CONTACTS, LEFT_OUT, SKIP_ROW

HEADERS = [
    "First name",
    "Middle name",
    "Last name",
    "Full name",
    "Company",
    "Street",
    "City",
    "State",
    "ZIP",
    "Notes",
    "UID",
]
MAPPING = dict(
    zip(
        HEADERS,
        [
            "first_name",
            "middle_name",
            "last_name",
            "full_name",
            "company_name",
            "street",
            "city",
            "region",
            "postal_code",
            "notes",
            "external_id",
        ],
        strict=True,
    )
)
# Phones, emails and addresses travel beside the columns, each with its own type
# (`rows.CONTACTS`); what a card holds that has no place is reported (`rows.LEFT_OUT`).
VOBJECT_LOG = logging.getLogger("vobject.base")
PROPERTY = re.compile(r"^(?:[A-Za-z0-9-]+\.)?[A-Za-z0-9-]+[;:]")
BINARY = re.compile(
    r"^(?:[A-Za-z0-9-]+\.)?(PHOTO|LOGO|SOUND|KEY|X-MS-CARDPICTURE)[;:]", re.IGNORECASE
)
BINARY_NAMES = {"x-ms-cardpicture": "business-card picture", "key": "public key"}
PROFILE = re.compile(r"^PROFILE[;:]", re.IGNORECASE)
QP = re.compile(r";(?:ENCODING=)?QUOTED-PRINTABLE", re.IGNORECASE)
STRUCTURED = {"N", "ADR", "ORG", "GENDER"}
CHARSET = re.compile(r";CHARSET=([A-Za-z0-9_-]+)", re.IGNORECASE)
ENCODINGS = {"BASE64", "B", "8BIT", "7BIT", "QUOTED-PRINTABLE"}


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
    """2.1's bare parameters (`TEL;CELL;VOICE:`, Android's `TEL;X-Work mobile:`) as one
    TYPE= list; a made-up type with a space is quoted (vobject drops the line otherwise)."""
    name, sep, value = line.partition(":")
    parts = name.split(";")
    bare = [p for p in parts[1:] if "=" not in p and p.upper() not in ENCODINGS and p.strip()]
    if not bare:
        return line
    rest = [p for p in parts[1:] if p not in bare]
    types = ",".join(bare)
    if any(c in types for c in ' "'):
        types = '"' + types.replace('"', "") + '"'
    return ";".join([parts[0], *rest, "TYPE=" + types]) + sep + value


def _joined(card: list[str]) -> str:
    # Read once each line is whole again (a fold may fall inside "TYPE="). RFC 2425's
    # "PROFILE:VCARD" says nothing, and vobject refuses a card that has it.
    return "\n".join(_bare_types(line) for line in card if not PROFILE.match(line))


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
                yield _joined([*card, "END:VCARD"])  # the previous card was never closed
            card, inside, skipping = [line.strip()], True, False
            continue
        if not inside:
            continue
        if upper == "END:VCARD":
            card.append("END:VCARD")
            yield _joined(card)
            card, inside = [], False
            continue
        if skipping:
            if line[:1] in (" ", "\t") or not PROPERTY.match(line) or not line.strip():
                continue
            skipping = False
        if BINARY.match(line):
            skipping = True
            # Kept out of vobject (a photo can be megabytes); named so it is reported.
            what = BINARY.match(line).group(1).lower()
            card.append(f"X-GOODWILL-LEFT-OUT:{BINARY_NAMES.get(what, what)}")
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
        card.append(line)
    if inside and len(card) > 1:
        yield _joined([*card, "END:VCARD"])


def _types(prop) -> set[str]:
    """The TYPE values, and 2.1's bare parameters (`TEL;X-Work mobile:`), lower case."""
    types = set()
    for key, values in prop.params.items():
        if key.upper() == "TYPE":
            for value in values:
                types |= {t.strip().strip('"').lower() for t in value.split(",")}
        elif not values and key.upper() not in ("CHARSET", "ENCODING", "VALUE"):
            types.add(key.strip().lower())
    types |= {t.strip().lower() for t in getattr(prop, "singletonparams", ())}
    return types - {""}


def _custom(types: set[str]) -> str:
    """A type the writer made up ("X-Ranch", "x-work mobile"): its words, as a label."""
    custom = sorted(t.removeprefix("x-") for t in types if t.startswith("x-"))
    return custom[0][:40] if custom else ""


def _text(value, sep: str = ", ") -> str:
    """A value as text: vobject turns an unescaped comma into a list (`ORG:Smith, Jones`,
    `ADR:;;;Austin, TX;…`); the comma was the writer's, so it is put back."""
    if isinstance(value, list | tuple):
        return sep.join(t for t in (_text(v, sep) for v in value) if t)
    return str(value or "").strip()


APPLE_LABEL = re.compile(r"^_\$!<(.*)>!\$_$")
PHONE_TYPES = [  # the first type a TEL has, in this order, names its label
    ("fax", "fax"), ("pager", "pager"), ("cell", "mobile"), ("mobile", "mobile"),
    ("iphone", "mobile"), ("home", "home"), ("work", "work"), ("main", "other"),
    ("other", "other"), ("voice", "other"),
]  # fmt: skip
NOTED = {  # properties kept as a line of the notes
    "nickname": "Nickname", "title": "Title", "role": "Role", "bday": "Birthday",
    "anniversary": "Anniversary", "x-anniversary": "Anniversary", "url": "Website",
    "impp": "Messaging", "x-socialprofile": "Social profile", "categories": "Groups",
    "x-spouse": "Spouse", "x-assistant": "Assistant", "x-manager": "Manager",
    "related": "Related", "x-phonetic-first-name": "Phonetic first name",
    "x-phonetic-last-name": "Phonetic last name", "x-phonetic-middle-name":
    "Phonetic middle name", "x-phonetic-org": "Phonetic company",
    "x-android-custom": "Android", "x-aim": "AIM", "x-icq": "ICQ", "x-jabber": "Jabber",
    "x-msn": "MSN", "x-yahoo": "Yahoo", "x-skype": "Skype", "x-skype-username": "Skype",
    "x-gtalk": "Google Talk", "x-twitter": "Twitter", "gender": "Gender", "lang": "Language",
    "tz": "Time zone", "geo": "Location", "x-ms-imaddress": "Messaging", "label": "",
    "x-ms-ol-default-postal-address": "", "x-abdate": "Date", "x-abrelatednames": "Related",
    "x-evolution-spouse": "Spouse", "mailer": "", "class": "", "x-evolution-file-as": "",
    "x-ms-carddav-file-as": "",
}  # fmt: skip
IGNORED = {  # what says nothing about the person (versions, ids of the writer, labels read
    # with their property, ordering hints)
    "version", "prodid", "rev", "uid", "n", "fn", "org", "adr", "tel", "email", "note",
    "x-ablabel", "x-abadr", "x-abshowas", "x-abuid", "kind", "x-addressbookserver-kind",
    "sort-string", "source", "name", "x-goodwill-left-out", "x-addressbookserver-member",
    "clientpidmap", "xml",
    "x-ms-ol-design", "x-ms-tel", "x-ms-cardpicture", "x-mozilla-html",
}  # fmt: skip
US = {"", "us", "usa", "u.s.", "u.s.a.", "united states", "united states of america"}
CONTACT_LIKE = re.compile(r"@|^[+\d\s().-]{7,}$")


def _label(prop, card) -> str:
    """The type a person gave a grouped property in Apple Contacts (item1.X-ABLabel)."""
    if not prop.group:
        return ""
    for label in card.contents.get("x-ablabel", []):
        if label.group == prop.group:
            text = _text(label.value)
            match = APPLE_LABEL.match(text)
            return (match.group(1) if match else text)[:40].lower()
    return ""


def _phone_label(prop, card) -> str:
    own = _label(prop, card)
    types = _types(prop) | {own}
    for found, label in PHONE_TYPES:
        if found in types:
            return label
    if own == "homefax" or own == "workfax" or own == "otherfax":
        return "fax"
    return own or _custom(types) or "other"


def _email_label(prop, card) -> str:
    own = _label(prop, card)
    types = _types(prop) | {own}
    if "work" in types:
        return "work"
    if (
        own in ("", "home")
        and (types & {"home", "internet", "pref"} or not types - {"", "x400"})
        and not _custom(types)
    ):
        return "personal"
    return own or _custom(types) or "other"


def _address(adr) -> dict:
    street = _text(adr.street)
    return {
        "street": ", ".join(p for p in (_text(adr.box), _text(adr.extended), street) if p),
        "city": _text(adr.city),
        "region": _text(adr.region),
        "code": _text(adr.code),
        "country": _text(adr.country),
    }


def _one_line(parts: dict) -> str:
    region = " ".join(p for p in (parts["region"], parts["code"]) if p)
    return ", ".join(p for p in (parts["street"], parts["city"], region, parts["country"]) if p)


def card_to_row(card) -> dict:
    """One card as a row: names and the first address in the columns, every phone, email
    and further address with its type beside them, the rest in the notes or reported."""
    row = dict.fromkeys(HEADERS, "")
    contents = card.contents
    kind = " ".join(
        _text(p.value).lower()
        for k in ("kind", "x-addressbookserver-kind")
        for p in contents.get(k, [])
    )
    if "group" in kind:
        row[SKIP_ROW] = "A contact group (a list of other cards), not a person."
        return row
    company_card = "org" in kind or any(
        _text(p.value).upper() == "COMPANY" for p in contents.get("x-abshowas", [])
    )
    contacts: list = []  # (kind, label, value, column)
    left: list = []  # (column, value, reason)
    notes: list[str] = []
    if "n" in contents:
        n = contents["n"][0].value
        row["First name"] = _text(n.given, " ")
        row["Middle name"] = _text(n.additional, " ")
        row["Last name"] = _text(n.family, " ")
        prefix, suffix = _text(n.prefix, " "), _text(n.suffix, " ")
        if prefix or suffix:
            notes.append(
                "Name: "
                + " ".join(
                    p for p in (prefix, _text(n.given, " "), _text(n.family, " "), suffix) if p
                )
            )
    if "fn" in contents:
        full = _text(contents["fn"][0].value, " ")
        org = contents.get("org", [None])[0]
        org_name = _text(org.value[0] if isinstance(org.value, list) else org.value) if org else ""
        # An address book shows an email or a phone, or the company, when there is no name.
        if not (CONTACT_LIKE.search(full) or company_card or full == org_name):
            row["Full name"] = full
    if "org" in contents:
        units = (
            [_text(u) for u in contents["org"][0].value]
            if isinstance(contents["org"][0].value, list)
            else [_text(contents["org"][0].value)]
        )
        units = [u for u in units if u]
        if units:
            row["Company"] = units[0]
        if len(units) > 1:
            notes.append("Department: " + ", ".join(units[1:]))
    addresses = contents.get("adr", [])
    # The preferred (or first home) address fills the customer's address; the others
    # are kept with their types.
    addresses = sorted(
        addresses, key=lambda a: 0 if "pref" in _types(a) else 1 if "home" in _types(a) else 2
    )
    for number, adr in enumerate(addresses):
        parts = _address(adr.value)
        types = (_types(adr) | {_label(adr, card)}) - {
            "pref",
            "",
            "postal",
            "parcel",
            "dom",
            "intl",
        }
        label = (
            "home"
            if "home" in types
            else "work"
            if "work" in types
            else next(iter(sorted(types)), "")
        )
        if not any(parts.values()):
            continue
        if number == 0:
            row["Street"], row["City"] = parts["street"], parts["city"]
            row["State"], row["ZIP"] = parts["region"], parts["code"]
            if parts["country"].lower() not in US:
                contacts.append(("address", label or "address", _one_line(parts), "ADR"))
        else:
            contacts.append(("address", label, _one_line(parts), "ADR"))
    for tel in [*contents.get("tel", []), *contents.get("x-ms-tel", [])]:
        value = _text(tel.value).removeprefix("tel:")
        contacts.append(("phone", _phone_label(tel, card), value, "TEL"))
    for email in contents.get("email", []):
        contacts.append(("email", _email_label(email, card), _text(email.value), "EMAIL"))
    if "note" in contents:
        notes = [_text(n.value, ", ") for n in contents["note"]] + notes
    if "uid" in contents:
        row["UID"] = _text(contents["uid"][0].value)[:100]
    for name, props in contents.items():
        if name in IGNORED:
            continue
        for prop in props:
            value = _text(prop.value)
            if name in NOTED:
                title = NOTED[name] or ""
                if title and value:
                    value = value.replace("\\:", ":")  # Google escapes the colons of URLs
                    kind = _label(prop, card) or ", ".join(sorted(_types(prop) - {"pref"}))
                    notes.append(f"{title}{f' ({kind})' if kind else ''}: {value}")
            elif value:
                left.append((prop.name, value, f"Left out: {prop.name} has no place in Goodwill."))
    for prop in contents.get("x-goodwill-left-out", []):
        what = _text(prop.value)
        left.append(
            (what.upper(), "", f"Left out: the {what} (Goodwill keeps no pictures or files).")
        )
    row["Notes"] = "\n".join(notes)
    row[CONTACTS] = contacts
    row[LEFT_OUT] = left
    return row


class _SkippedLines(logging.Handler):
    """The lines vobject skips (it logs them and reads on), so each gets a report line."""

    LINE = re.compile(r"Failed to parse line: (.*)$", re.DOTALL)

    def __init__(self):
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record):
        match = self.LINE.search(record.getMessage())
        self.lines.append(match.group(1) if match else record.getMessage())

    def __enter__(self):
        VOBJECT_LOG.addHandler(self)
        return self

    def __exit__(self, *exc):
        VOBJECT_LOG.removeHandler(self)


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
            with _SkippedLines() as skipped:
                card = vobject.readOne(card_text, ignoreUnreadable=True)
            row = card_to_row(card)
            row.setdefault(LEFT_OUT, []).extend(
                ("", line[:200], "Left out: a line vCard readers cannot read.")
                for line in skipped.lines
            )
            yield number, row
        except Exception as exc:  # vobject raises many kinds; one bad card is one row error
            yield number, {None: f"an unreadable card ({exc.__class__.__name__}: {exc})"[:200]}
    if counter is not None:
        counter[0] = len(data)
