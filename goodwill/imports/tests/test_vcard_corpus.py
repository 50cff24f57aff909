"""Twenty address-book exports as real tools write them (Apple Contacts and iCloud 3.0,
Google 3.0, Outlook 2.1 with quoted-printable and Windows-1252, Android 2.1 and 3.0, vCard
4.0, Evolution and Thunderbird, folded lines, inline photos, several cards per file, grouped
`item1.TEL`, a contact group, commas inside ORG and ADR, cards without a name) come in whole:
every phone, email and address of every card is on a customer, with its type, or on a line
of the report; the dry run counts what the commit does; the API's dry run finishes."""

import base64
import quopri
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goodwill.api.testing import ApiClient
from goodwill.conftest import make_customer
from goodwill.customers.models import ContactDetail, Customer, CustomerEmail, CustomerPhone
from goodwill.imports import actions, vcard
from goodwill.imports.models import ImportedRecord
from goodwill.imports.rows import build_record
from goodwill.imports.tests.helpers import upload_bytes
from goodwill.jobs.testing import run_jobs

pytestmark = pytest.mark.django_db
BOOKS = Path(__file__).parent / "files" / "address-books"
FILES = sorted(p.name for p in BOOKS.glob("*.vcf"))
KEYS = ("rows", "new", "updated", "duplicate", "invalid", "skipped")


def _qp(value: str) -> str:
    raw = quopri.decodestring(value.encode("latin-1", "replace"))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def _named(card) -> bool:
    fn = card["fn"]
    return bool(card["n"] or card["org"] or (fn and not re.search(r"@|^[(+\d]", fn)))


def _scan(data: bytes) -> list[dict]:
    """What each card of a file holds, read without the importer: lines unfolded (RFC 6350
    folding; quoted-printable soft breaks), then every TEL's digits, EMAIL, ADR street,
    NOTE, PHOTO, and whether the card is a group or has no name."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    text = text.replace("\r\n", "\n")
    text = re.sub(r"=\n", "", text)  # quoted-printable soft line breaks
    text = re.sub(r"\n[ \t]", "", text)  # folded lines
    cards, card = [], None
    for line in text.split("\n"):
        name, _, value = line.partition(":")
        prop = name.split(";")[0].split(".")[-1].upper()
        if prop == "BEGIN" and value.strip().upper() == "VCARD":
            card = {"tel": [], "email": [], "street": [], "note": "", "photo": False, "n": ""}
            card |= {"fn": "", "org": "", "group": False}
            cards.append(card)
        elif card is None or not value:
            continue
        elif prop == "TEL":
            card["tel"].append(re.sub(r"\D", "", value)[-10:])
        elif prop == "EMAIL":
            card["email"].append(value.strip().lower())
        elif prop == "ADR":
            street = value.split(";")[2] if value.count(";") >= 2 else ""
            if "QUOTED-PRINTABLE" in name.upper():
                street = _qp(street)
            card["street"].append(street.split("\\n")[0].split(",")[0].strip())
        elif prop == "NOTE":
            card["note"] = _qp(value) if "QUOTED-PRINTABLE" in name.upper() else value
            card["note"] = card["note"].replace("\\,", ",").replace("\\;", ";")
        elif prop == "PHOTO":
            card["photo"] = True
        elif prop in ("N", "FN", "ORG"):
            card[prop.lower()] = value.replace(";", "").strip()
        elif prop in ("KIND", "X-ADDRESSBOOKSERVER-KIND") and value.lower() == "group":
            card["group"] = True
    return cards


def _kept(store):
    """Every phone (last 10 digits), email and address text the store holds, and the
    values of the report's lines."""
    phones = {
        n[-10:]
        for n in CustomerPhone.objects.filter(dealership=store).values_list("number", flat=True)
    }
    emails = set(
        CustomerEmail.objects.filter(dealership=store).values_list("address_lower", flat=True)
    )
    texts = list(Customer.objects.filter(dealership=store).values_list("street", flat=True))
    for kind, value in ContactDetail.objects.filter(dealership=store).values_list("kind", "value"):
        if kind == "phone":
            phones.add(re.sub(r"\D", "", value)[-10:])
        elif kind == "email":
            emails.add(value.lower())
        else:
            texts.append(value)
    return phones, emails, texts


@pytest.fixture
def ann(store_a, alice):
    """A customer the store already has: a card with only her email is hers."""
    return make_customer(
        store_a,
        alice,
        first_name="Ann",
        last_name="Existing",
        phones={},
        emails={"personal": "ann.existing@example.com"},
    )


@pytest.mark.parametrize("name", FILES)
def test_each_address_book_export_comes_in_whole(name, store_a, mike, ann):
    data = (BOOKS / name).read_bytes()
    dry = actions.run(upload_bytes(store_a, mike, name, data), commit=False, acting_user=mike)
    batch = actions.run(upload_bytes(store_a, mike, name, data), commit=True, acting_user=mike)
    assert {k: dry.counts[k] for k in KEYS} == {k: batch.counts[k] for k in KEYS}
    cards = _scan(data)
    assert batch.counts["rows"] == len(cards), "every card is a row"
    report = list(batch.errors.all())
    values = " ".join(e.value for e in report)
    phones, emails, texts = _kept(store_a)
    for number, card in enumerate(cards, start=1):
        lines = [e.reason for e in report if e.row == number]
        if card["group"]:
            assert any("contact group" in r for r in lines)
            continue
        if not _named(card) and "ann.existing@example.com" not in card["email"]:
            assert any("No name" in r for r in lines), (name, number, lines)
            continue
        for tel in card["tel"]:
            assert tel in phones or tel in re.sub(r"\D", "", values), (name, number, tel)
        for email in card["email"]:
            assert email in emails or email in values, (name, number, email)
        for street in card["street"]:
            assert any(street in t for t in texts), (name, number, street)
        if card["note"]:
            start = card["note"][:16]
            assert any(start in n for n in Customer.objects.values_list("notes", flat=True)), (
                name,
                number,
                start,
            )
        if card["photo"]:
            assert any("photo" in r for r in lines), (name, number)
    named_cards = [c for c in cards if not c["group"]]
    assert batch.counts["new"] + batch.counts["updated"] + batch.counts["duplicate"] <= len(
        named_cards
    )
    assert batch.counts["invalid"] == sum(
        1 for e in report if e.reason.startswith("Row not imported")
    )


@pytest.mark.parametrize("name", FILES)
def test_the_api_dry_run_of_each_export_finishes(name, store_a, mike):
    api = ApiClient(mike)
    body = {
        "filename": name,
        "content_base64": base64.b64encode((BOOKS / name).read_bytes()).decode(),
    }
    created = api.post("/imports", body)
    assert created.status_code == 201, created.content
    started = api.post(f"/imports/{created.json()['id']}/dry-run")
    assert started.status_code == 202, started.content
    run_jobs()
    job = api.get(f"/jobs/{started.json()['id']}").json()
    assert job["status"] == "done", job
    assert api.get(f"/imports/{created.json()['id']}/errors").status_code == 200


def _import(store, user, name):
    data = (BOOKS / name).read_bytes()
    return actions.run(upload_bytes(store, user, name, data), commit=True, acting_user=user)


def test_a_comma_inside_org_or_an_address_part_is_kept_as_written(store_a, mike):
    batch = _import(store_a, mike, "10-commas-in-org-and-address.vcf")
    assert batch.counts["new"] == 2 and batch.counts["invalid"] == 0
    pat = Customer.objects.get(last_name="Jones")
    assert pat.company_name == "Smith, Jones and Partners"
    assert (pat.street, pat.city, pat.postal_code) == ("12 Oak St", "Austin, TX", "78704")
    work = pat.contact_details.get(kind="address")
    assert work.label == "work" and work.value.startswith(
        "Suite 200, Building B, 98 San Jacinto Blvd"
    )
    lee = Customer.objects.get(last_name="Smith")
    assert lee.company_name == "Smith, Jones and Partners" and "Litigation, Appeals" in lee.notes


def test_a_fax_stays_a_fax_and_every_phone_email_and_address_is_kept_with_its_type(
    store_a, mike, client_for
):
    _import(store_a, mike, "11-many-phones-emails-addresses.vcf")
    rafael = Customer.objects.get(last_name="Castillo")
    assert dict(rafael.phones.values_list("label", "number")) == {
        "mobile": "+15125550301",
        "home": "+15125550303",
        "work": "+15125550305",
        "fax": "+15125550306",
        "pager": "+15125550308",
        "other": "+15125550309",
    }
    assert dict(rafael.emails.values_list("label", "address")) == {
        "personal": "rafael@example.com",
        "work": "rcastillo@castillobuilders.example",
    }
    assert sorted(rafael.contact_details.values_list("kind", "label", "value")) == [
        ("address", "other", "PO Box 1442, Marble Falls, TX 78654, USA"),
        ("address", "work", "5300 Bee Caves Rd, West Lake Hills, TX 78746, USA"),
        ("email", "personal", "rafa.castillo@example.net"),
        ("email", "work", "billing@castillobuilders.example"),
        ("phone", "fax", "+15125550307"),
        ("phone", "home", "+15125550304"),
        ("phone", "mobile", "+15125550302"),
    ]
    assert rafael.primary_phone == "+15125550301"
    page = client_for(mike).get(f"/customers/{rafael.public_id}/").text
    assert "Fax" in page and "(512) 555-0307" in page and "PO Box 1442" in page
    assert "billing@castillobuilders.example" in page
    # Apple's own labels (item2.X-ABLabel) and Android's made-up types are kept as typed.
    _import(store_a, mike, "15-icloud-3.0.vcf")
    siobhan = Customer.objects.get(last_name="Brennan")
    assert siobhan.phones.get(label="fax").number == "+15125550342"
    assert siobhan.contact_details.get().label == "lake house"
    _import(store_a, mike, "06-android-2.1.vcf")
    gudrun = Customer.objects.get(first_name="Guðrún")
    assert set(gudrun.contact_details.values_list("label", "value")) == {
        ("work mobile", "+15125550253"),
        ("school", "gudrun@school.example.edu"),
    }


def test_middle_names_are_kept_apart_from_first_names(store_a, mike, client_for):
    _import(store_a, mike, "12-middle-names.vcf")
    names = set(Customer.objects.values_list("first_name", "middle_name", "last_name"))
    assert names == {
        ("Mary", "Ann", "Lee"),
        ("John", "Quincy", "Adams"),
        ("Jean Paul", "Henri Marie", "Dubois"),
        ("Sean", "P.", "O'Neil"),
    }
    sean = Customer.objects.get(last_name="O'Neil")
    assert "Mr. Sean O'Neil Jr." in sean.notes  # prefix and suffix have no field: noted
    mary = Customer.objects.get(last_name="Lee")
    assert (
        mary.display_name == "Mary Lee"
        and "Mary Ann Lee" in client_for(mike).get(f"/customers/{mary.public_id}/").text
    )


def test_a_card_without_a_name_fills_in_the_customer_its_email_belongs_to_or_is_reported(
    store_a, mike, ann, client_for
):
    batch = _import(store_a, mike, "13-no-name-cards.vcf")
    assert {k: batch.counts[k] for k in ("rows", "new", "updated", "invalid")} == {
        "rows": 4,
        "new": 1,
        "updated": 1,
        "invalid": 2,
    }
    ann.refresh_from_db()
    assert ann.primary_phone == "+15125550321" and "Asked about leasing." in ann.notes
    lines = {e.row: e for e in batch.errors.all() if e.reason.startswith("Row not imported")}
    assert set(lines) == {2, 3} and "No name" in lines[2].reason
    assert lines[2].value == "stranger@example.com" and lines[3].value == "+15125550322"
    page = client_for(mike).get(f"/imports/{batch.public_id}/").text
    assert "Filled in Ann Existing" in page


def test_a_fill_in_keeps_the_rows_notes_and_external_id_and_the_page_names_the_customer(
    store_a, mike, alice, client_for
):
    carmen = make_customer(
        store_a,
        alice,
        first_name="Carmen",
        last_name="Reyes",
        company_name="Reyes Bakery",
        phones={"mobile": "512-555-0391", "home": "512-555-0999"},
        notes="Bought a Maverick in 2023.",
    )
    data = (
        b"BEGIN:VCARD\nVERSION:3.0\nN:Reyes;Carmen;Lucia;;\nFN:Carmen Reyes\nUID:abc-123\n"
        b"ORG:Reyes Catering\nTEL;TYPE=CELL:512-555-0391\nTEL;TYPE=HOME:512-555-0393\n"
        b"TEL;TYPE=WORK:512-555-0394\nEMAIL:carmen@example.com\n"
        b"ADR;TYPE=HOME:;;5 Elm St;Austin;TX;78701;USA\nNOTE:Daughter starts college in fall.\n"
        b"END:VCARD\n"
    )
    batch = actions.run(upload_bytes(store_a, mike, "c.vcf", data), commit=True, acting_user=mike)
    assert batch.counts["updated"] == 1
    record = ImportedRecord.objects.get(batch=batch)
    assert record.action == "updated" and record.external_id == "abc-123"
    carmen.refresh_from_db()
    assert carmen.middle_name == "Lucia" and carmen.street == "5 Elm St"
    assert carmen.company_name == "Reyes Bakery"  # never overwritten ...
    assert "Company: Reyes Catering" in carmen.notes  # ... the file's own is noted
    assert "Daughter starts college in fall." in carmen.notes
    assert carmen.notes.startswith("Bought a Maverick in 2023.")
    assert dict(carmen.phones.values_list("label", "number"))["work"] == "+15125550394"
    assert carmen.contact_details.get().value == "+15125550393"  # home was taken
    page = client_for(mike).get(f"/imports/{batch.public_id}/").text
    assert f"/customers/{carmen.public_id}/" in page and "Carmen Reyes" in page
    actions.undo_import(batch, acting_user=mike)
    carmen.refresh_from_db()
    assert carmen.notes == "Bought a Maverick in 2023." and not carmen.middle_name
    assert not carmen.contact_details.exists() and not carmen.phones.filter(label="work").exists()


# What varies between writers: escaping, folding, quoted-printable, bare 2.1 types, case.
NAME = st.text("abcdefghijklmnopqrstuvwxyzéüñøłçåß", min_size=1, max_size=12).map(str.capitalize)
PART = st.lists(NAME, min_size=1, max_size=3).map(" ".join)
TYPES = {
    "mobile": ["CELL", "cell,voice", "IPHONE"],
    "home": ["HOME", "home,voice"],
    "work": ["WORK", "WORK,VOICE"],
    "fax": ["FAX", "WORK,FAX", "HOME,FAX"],
    "pager": ["PAGER"],
}


@st.composite
def cards(draw):
    phones = draw(st.lists(st.sampled_from(sorted(TYPES)), min_size=0, max_size=7))
    return {
        "first": draw(NAME),
        "middle": draw(st.one_of(st.just(""), NAME)),
        "last": draw(NAME),
        "org": draw(st.lists(PART, min_size=0, max_size=3).map(", ".join)),
        "city": draw(st.lists(PART, min_size=1, max_size=2).map(", ".join)),
        "street": draw(PART),
        "phones": [
            (label, draw(st.sampled_from(TYPES[label])), f"5125550{400 + i:03d}")
            for i, label in enumerate(phones)
        ],
        "emails": [f"p{i}@example.com" for i in range(draw(st.integers(0, 4)))],
        "version": draw(st.sampled_from(["2.1", "3.0", "4.0"])),
        "escape": draw(st.booleans()),
        "fold": draw(st.integers(0, 3)),
        "lower": draw(st.booleans()),
        "profile": draw(st.booleans()),
    }


def _write(c) -> str:
    def esc(text):
        return text.replace(",", "\\,") if c["escape"] else text

    lines = [f"VERSION:{c['version']}"]
    if c["profile"]:
        lines.append("PROFILE:VCard")
    lines.append(f"N:{esc(c['last'])};{esc(c['first'])};{esc(c['middle'])};;")
    lines.append(f"FN:{esc(' '.join(p for p in (c['first'], c['middle'], c['last']) if p))}")
    if c["org"]:
        lines.append(f"ORG:{esc(c['org'])}")
    lines.append(f"ADR;TYPE=HOME:;;{esc(c['street'])};{esc(c['city'])};TX;78701;USA")
    for _, types, number in c["phones"]:
        if c["version"] == "2.1":
            lines.append(f"TEL;{types.replace(',', ';')}:{number}")
        else:
            lines.append(f"TEL;TYPE={types}:{number}")
    lines += [f"EMAIL;TYPE=INTERNET:{e}" for e in c["emails"]]
    out = []
    for line in lines:
        if c["lower"]:
            name, _, value = line.partition(":")
            line = f"{name.lower()}:{value}"
        if c["fold"] and len(line) > 10:
            at = 5 + c["fold"]
            line = line[:at] + "\n " + line[at:]
        out.append(line)
    return "BEGIN:VCARD\n" + "\n".join(out) + "\nEND:VCARD\n"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(card=cards())
def test_any_card_keeps_its_names_company_address_and_every_phone_and_email_with_its_type(
    tmp_path, card
):
    path = tmp_path / "c.vcf"
    path.write_text(_write(card), encoding="utf-8")
    [(_, row)] = list(vcard.iter_vcards(path))
    rec = build_record(row, vcard.MAPPING, region="US")
    assert not rec.invalid, rec.problems
    names = (rec.fields["first_name"], rec.fields["middle_name"], rec.fields["last_name"])
    assert names == (card["first"], card["middle"], card["last"])
    assert rec.fields["company_name"] == card["org"]
    assert (rec.fields["street"], rec.fields["city"]) == (card["street"], card["city"])
    got = [(label, number) for label, number in rec.phones.items()]
    got += [(label, number) for kind, label, number in rec.details if kind == "phone"]
    assert sorted(got) == sorted((label, f"+1{number}") for label, _, number in card["phones"])
    emails = set(rec.emails.values()) | {v for k, _, v in rec.details if k == "email"}
    assert emails == set(card["emails"])
