"""Phone numbers and emails: parsed by maintained libraries, stored normalised."""

import re

import email_validator
import phonenumbers
from django.core.exceptions import ValidationError
from email_validator import EmailNotValidError, rfc_constants, validate_email

# A ten-digit North American number as people type it: "(512) 555-0142", "512.555.0142",
# "+1 512 555 0142", "1-512-555-0142".
_NANP_TYPED = re.compile(
    r"(?:\+?1[\s.\-]*)?\(?([2-9]\d{2})\)?[\s.\-]*(\d{3})[\s.\-]*(\d{4})", re.ASCII
)
_NANP_REGIONS = frozenset({"US", "CA"})


def _valid_for_us(number) -> bool:
    """`is_valid_number` of a +1 number valid in the US, at half its cost: it finds the
    number's region by trying the +1 regions in order, US first (no leading digits in its
    metadata, so it is tried by its number types), then checks the number again for that
    region — twice the same patterns for a US number. Valid for the US implies valid, so
    `_valid_for_us(n) or is_valid_number(n)` is `is_valid_number(n)`. An import reads a
    phone a row (`normalise_phone` was 42 % of `build_record`): 16.1 → 9.5 µs a phone (the
    19,809 phones of `bench/bench_import.py`'s 20,000-row file, min of 5 runs)."""
    return phonenumbers.is_valid_number_for_region(number, "US")


def normalise_phone(raw: str, region: str = "US") -> str:
    """Return the E.164 form of a phone typed in any common format, or raise a clear error.

    In the United States and Canada a number typed in one of the usual shapes is read by a
    regular expression and only checked by phonenumbers (`is_valid_number`): parsing it was
    60 % of the time here (66 of 105 µs), ~5 % of an import's CPU per row. Anything
    else, and every number the check refuses (for its message), goes through
    `phonenumbers.parse`; a Hypothesis test holds the two paths equal."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    if (region or "US") in _NANP_REGIONS and (typed := _NANP_TYPED.fullmatch(raw)):
        digits = "".join(typed.groups())
        number = phonenumbers.PhoneNumber(country_code=1, national_number=int(digits))
        if _valid_for_us(number) or phonenumbers.is_valid_number(number):
            return "+1" + digits
    try:
        number = phonenumbers.parse(raw, region or "US")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(f"“{raw}” is not a phone number ({exc._msg.rstrip('.')}).") from exc
    if not phonenumbers.is_valid_number(number):
        if not phonenumbers.is_possible_number(number):
            raise ValidationError(
                f"“{raw}” has the wrong number of digits for a phone number in "
                f"{phonenumbers.region_code_for_number(number) or region}."
            )
        raise ValidationError(f"“{raw}” is not a valid phone number (check the area code).")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def try_normalise_phone(raw: str, region: str = "US") -> str | None:
    try:
        return normalise_phone(raw, region) or None
    except ValidationError:
        return None


def format_phone(e164: str) -> str:
    """How staff read a stored number: national format at home, international abroad.

    A North American number (+1, ten digits, area code and exchange from 2 to 9: what
    nearly every row holds) is cut into "(512) 555-0142" directly, as phonenumbers formats
    it (a Hypothesis test holds them equal): parsing each number was a sixth of the customer
    list page's time (50 rows)."""
    if not e164:
        return ""
    if (
        len(e164) == 12
        and e164.startswith("+1")
        and e164[2:].isascii()
        and e164[2:].isdigit()
        and e164[2] not in "01"
        and e164[5] not in "01"
    ):
        return f"({e164[2:5]}) {e164[5:8]}-{e164[8:]}"
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 1
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, fmt)


_ATOM = r"[a-zA-Z0-9_!#$%&'*+\-/=?^`{|}~]+"
_LABEL = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
_PLAIN_EMAIL = re.compile(rf"({_ATOM}(?:\.{_ATOM})*)@((?:{_LABEL}\.)+{_LABEL})")
_NOT_PUNYCODE_DASHES = re.compile(r"(?!xn)..--", re.I)


def _plain_email(raw: str) -> str | None:
    """`email_validator`'s answer for a plain ASCII address (a dot-atom before the @, host
    name labels after it, the usual lengths), without it: the local part as typed, the
    domain in lower case. None for anything else — every refusal, quoted local parts,
    internationalised and Punycode domains, special-use names, RFC 2142 mailbox names
    (info@, sales@, postmaster@ …, lower-cased by it) — which `validate_email`
    reads. Imports read an email a row; `validate_email` took ~30 µs of it, a twentieth of
    an import's CPU. Held equal to `validate_email` by a Hypothesis test
    (`test_the_quick_reading_of_plain_emails_agrees_with_email_validator`)."""
    found = _PLAIN_EMAIL.fullmatch(raw)
    if found is None or len(raw) > 254:
        return None
    local, domain = found.groups()
    if local.lower() in rfc_constants.CASE_INSENSITIVE_MAILBOX_NAMES:
        return None  # "INFO@…", "Postmaster@…": RFC 2142 names, which it lower-cases
    domain = domain.lower()
    if len(local) > 64 or len(domain) > 253 or not domain[-1].isalpha() or "xn--" in domain:
        return None
    labels = domain.split(".")
    if any(_NOT_PUNYCODE_DASHES.match(label) for label in labels):
        return None
    for special in email_validator.SPECIAL_USE_DOMAIN_NAMES:
        if domain == special or domain.endswith("." + special):
            return None
    return f"{local}@{domain}"


def normalise_email(raw: str) -> str:
    """Validate syntax only (no DNS: dealers may be offline) and normalise the domain."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    plain = _plain_email(raw)
    if plain is not None:
        return plain
    try:
        return validate_email(raw, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValidationError(f"“{raw}” is not a valid email address: {exc}") from exc
