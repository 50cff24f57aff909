"""Which column holds what: the fields a file can fill, the header names real tools use for
them (Salesforce, HubSpot, Google, Outlook, Reynolds & Reynolds DMS, our own export), and the
mapping remembered per source (the same header row next time maps itself)."""

from __future__ import annotations

import hashlib
import re

FIELDS = {
    "": "— ignore —",
    "first_name": "First name",
    "middle_name": "Middle name",
    "last_name": "Last name",
    "full_name": "Full name (split into first/last)",
    "company_name": "Company",
    "street": "Street (several columns are joined)",
    "city": "City",
    "region": "State",
    "postal_code": "ZIP / postal code",
    "phone_mobile": "Mobile phone",
    "phone_home": "Home phone",
    "phone_work": "Work phone",
    "phone_other": "Other phone",
    "phone_fax": "Fax",
    "phone_pager": "Pager",
    "email_personal": "Email",
    "email_work": "Work email",
    "email_other": "Other email",
    "notes": "Notes (several columns are joined)",
    "vin": "VIN",
    "year": "Vehicle year",
    "make": "Vehicle make",
    "model": "Vehicle model",
    "external_id": "ID in the other system",
}
JOINED = {"street", "notes"}
NAME_FIELDS = ("first_name", "last_name", "full_name", "company_name")

_SYNONYMS = {
    "first_name": "firstname first givenname fname forename",
    "middle_name": "middlename middle additionalname middleinitial",
    "last_name": "lastname last surname familyname lname",
    "full_name": "name fullname customername contactname displayname",
    "company_name": "company companyname organizationname organization associatedcompany "
    "business businessname",
    "street": "street address address1 address2 streetaddress mailingstreet homestreet "
    "homestreet2 homestreet3 address1street addressline1 addressline2",
    "city": "city mailingcity homecity address1city town",
    "region": "state region province stateprov mailingstate homestate address1region",
    "postal_code": "zip zipcode postalcode postcode mailingpostalcode homepostalcode "
    "address1postalcode",
    "phone_mobile": "mobilephone mobile cell cellphone phonecell phonenumber phone1value "
    "primaryphone mobilenumber phonemobile",
    "phone_home": "homephone phonehome phone phone2value home telephone",
    "phone_work": "workphone businessphone phonework phone3value officephone",
    "phone_other": "otherphone phoneother phone4value",
    "phone_fax": "fax faxnumber businessfax homefax faxphone phonefax",
    "phone_pager": "pager pagernumber phonepager",
    "email_personal": "email emailaddress email1value mail emailaddress1 emailpersonal",
    "email_work": "email2value email2address workemail emailwork",
    "email_other": "email3value email3address otheremail emailother",
    "notes": "notes description comments comment note",
    "vin": "vin vehiclevin vinnumber",
    "year": "year vehicleyear modelyear",
    "make": "make vehiclemake",
    "model": "model vehiclemodel",
    "external_id": "id recordid customerid contactid customernumber",
}
SYNONYMS = {word: field for field, words in _SYNONYMS.items() for word in words.split()}

SOURCES = [
    ("Salesforce leads", {"isconverted", "company"}),
    ("Salesforce contacts", {"mailingstreet", "accountid"}),
    ("HubSpot", {"recordid", "contactowner"}),
    ("Google Contacts", {"phoneticfirstname", "email1value"}),
    ("Outlook", {"emailtype", "businessstreet"}),
    ("Reynolds & Reynolds DMS", {"beeperphone", "onscreennotification"}),
    ("Goodwill export", {"id", "kind", "relationship", "phonemobile"}),
]


def normalise_header(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", (header or "").lower())


def fingerprint(headers: list[str]) -> str:
    return hashlib.sha256("\x1f".join(normalise_header(h) for h in headers).encode()).hexdigest()


def source_name(headers: list[str]) -> str:
    names = {normalise_header(h) for h in headers}
    for name, marks in SOURCES:
        if marks <= names:
            return name
    return ""


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """{header: field} from well-known header names; a single-value field is filled by the
    first column that claims it (Outlook's Business Phone does not displace Home Phone)."""
    mapping, taken = {}, set()
    for header in headers:
        field = SYNONYMS.get(normalise_header(header), "")
        if field and (field in JOINED or field not in taken):
            mapping[header] = field
            taken.add(field)
        else:
            mapping[header] = ""
    # A full-name column is only needed when the file has no separate first/last names.
    if {"first_name", "last_name"} & taken:
        for header, field in mapping.items():
            if field == "full_name":
                mapping[header] = ""
    return mapping


def mapping_problems(mapping: dict[str, str], headers: list[str]) -> list[str]:
    """What stops this mapping from importing anything: unknown fields, columns not in the
    file, no column for a name."""
    problems = []
    unknown = sorted({f for f in mapping.values() if f not in FIELDS})
    if unknown:
        problems.append(f"Unknown fields: {', '.join(unknown)}.")
    missing = sorted(set(mapping) - set(headers))
    if missing:
        problems.append(f"Columns not in the file: {', '.join(missing)}.")
    if not set(mapping.values()) & set(NAME_FIELDS):
        problems.append(
            "Required: map a column to First name, Last name, Full name or Company — "
            "a customer needs a name."
        )
    single = [f for f in FIELDS if f and f not in JOINED]
    for field in single:
        if list(mapping.values()).count(field) > 1:
            problems.append(f"Only one column can be {FIELDS[field]}.")
    return problems
