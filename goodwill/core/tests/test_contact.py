import email_validator
import phonenumbers
import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from goodwill.core.contact import format_phone, normalise_email, normalise_phone

area = st.sampled_from(["512", "737", "210", "214", "312", "415", "617", "212"])
line = st.integers(min_value=100, max_value=199).map(lambda n: f"{n:03d}")
separators = st.sampled_from(["", " ", "-", ".", "  "])


@given(area=area, line=line, sep1=separators, sep2=separators, style=st.integers(0, 4))
def test_any_common_way_of_typing_a_number_gives_the_same_e164(area, line, sep1, sep2, style):
    digits = f"5550{line}"
    typed = [
        f"{area}{sep1}{digits[:3]}{sep2}{digits[3:]}",
        f"({area}){sep1}{digits[:3]}{sep2}{digits[3:]}",
        f"+1{sep1}{area}{sep2}{digits}",
        f"1-{area}-{digits[:3]}-{digits[3:]}",
        f"+1 ({area}) {digits[:3]}-{digits[3:]}",
    ][style]
    assert normalise_phone(typed, "US") == f"+1{area}{digits}"


@given(st.text(max_size=40))
def test_any_text_either_normalises_or_raises_a_clear_error(text):
    try:
        result = normalise_phone(text, "US")
    except ValidationError as exc:
        assert exc.messages and all(m for m in exc.messages)
    else:
        assert result == "" or result.startswith("+")


def test_a_number_abroad_keeps_its_country():
    assert normalise_phone("+44 20 7946 0958", "US") == "+442079460958"
    assert format_phone("+442079460958") == "+44 20 7946 0958"
    assert format_phone("+15125550123") == "(512) 555-0123"


@pytest.mark.parametrize("bad", ["555-01", "12", "not a phone"])
def test_a_bad_phone_says_what_is_wrong(bad):
    with pytest.raises(ValidationError) as exc:
        normalise_phone(bad, "US")
    assert bad in exc.value.messages[0]


def test_emails_are_checked_without_the_network_and_normalised():
    assert normalise_email("  Bob.K@Example.COM ") == "Bob.K@example.com"
    with pytest.raises(ValidationError, match="not a valid email"):
        normalise_email("bob@@example")


@given(digits=st.from_regex(r"\A[2-9][0-9]{2}[2-9][0-9]{6}\Z"))
def test_a_north_american_number_reads_exactly_as_phonenumbers_formats_it(digits):
    e164 = f"+1{digits}"
    expected = phonenumbers.format_number(
        phonenumbers.parse(e164, None), phonenumbers.PhoneNumberFormat.NATIONAL
    )
    assert format_phone(e164) == expected


def _as_phonenumbers_reads_it(raw: str, region: str) -> str:
    try:
        number = phonenumbers.parse(raw.strip(), region)
    except phonenumbers.NumberParseException:
        return "refused"
    if not phonenumbers.is_valid_number(number):
        return "refused"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


typed_number = st.builds(
    lambda prefix, area, exchange, line, seps, parens: (
        f"{prefix}{seps[0]}{'(' if parens else ''}{area}{')' if parens else ''}{seps[1]}"
        f"{exchange}{seps[2]}{line}"
    ),
    prefix=st.sampled_from(["", "1", "+1", "+", " 1", "+1 ", "11"]),
    area=st.integers(0, 999).map(lambda n: f"{n:03d}"),
    exchange=st.integers(0, 999).map(lambda n: f"{n:03d}"),
    line=st.integers(0, 9999).map(lambda n: f"{n:04d}"),
    seps=st.tuples(*[st.sampled_from(["", " ", "-", ".", "  ", " - ", "/"])] * 3),
    parens=st.booleans(),
)


@given(
    raw=typed_number | st.text(alphabet="0123456789+-(). 1", max_size=20),
    region=st.sampled_from(["US", "CA"]),
)
def test_the_quick_reading_of_north_american_numbers_agrees_with_phonenumbers(raw, region):
    try:
        ours = normalise_phone(raw, region)
    except ValidationError:
        ours = "refused"
    assert ours == (_as_phonenumbers_reads_it(raw, region) if raw.strip() else "")


def _as_email_validator_reads_it(raw: str) -> str:
    try:
        return email_validator.validate_email(raw, check_deliverability=False).normalized
    except email_validator.EmailNotValidError:
        return "refused"


_label = st.text(alphabet="abcXYZ09-é", min_size=0, max_size=8) | st.sampled_from(
    ["xn--bcher-kva", "ab--cd", "a" * 63, "a" * 64, "localhost", "test", "local", "com", "1"]
)
plain_emails = st.builds(
    lambda local, labels, sep: sep.join(labels).join([local + "@", ""]),
    st.text(alphabet="aZ09._+-!#'`{}~\"@ é", min_size=0, max_size=12)
    | st.sampled_from(["a" * 64, "a" * 65, "first.last", ".lead", "trail.", "do..t", "WWW"])
    | st.sampled_from(["Info", "SALES", "postMaster", "www", "Webmaster", "ftp", "abuse"]),
    st.lists(_label, min_size=1, max_size=4),
    st.sampled_from([".", ".", "..", "。"]),
)


likely_emails = st.from_regex(
    r"[a-zA-Z0-9_!#$%&'*+\-/=?^`{|}~.]{1,70}@[a-zA-Z0-9.-]{1,30}\.(com|[a-zA-Z0-9-]{1,6}"
    r"|test|local|onion|arpa|invalid|localhost)",
    fullmatch=True,
)


@given(raw=likely_emails | plain_emails | st.text(alphabet='ab.@-_+Z9 é"', max_size=16))
def test_the_quick_reading_of_plain_emails_agrees_with_email_validator(raw):
    """The quick path answers only what `validate_email` answers, or leaves it to it."""
    try:
        ours = normalise_email(raw)
    except ValidationError:
        ours = "refused"
    assert ours == (_as_email_validator_reads_it(raw.strip()) if raw.strip() else "")


def test_rfc_2142_mailbox_names_are_lower_cased_as_email_validator_does():
    for raw in ("WWW@0.com", "Info@Dealer.com", "SALES@x.example.com", "Bob.Info@x.com"):
        assert normalise_email(raw) == _as_email_validator_reads_it(raw), raw
    assert normalise_email("INFO@Dealer.com") == "info@dealer.com"
    assert normalise_email("Bob.Info@Dealer.com") == "Bob.Info@dealer.com"


def test_long_plain_emails_are_measured_as_email_validator_measures_them():
    for local, domain in [("a" * 64, "b.com"), ("a" * 65, "b.com"), ("a", "b" * 63 + ".com")]:
        for raw in (f"{local}@{domain}", f"{local}@{'x' * 60}.{'y' * 60}.{'z' * 60}.{domain}"):
            try:
                ours = normalise_email(raw)
            except ValidationError:
                ours = "refused"
            assert ours == _as_email_validator_reads_it(raw), raw
