"""Inputs a phone can type into: one `type` per input, the right keyboard, money as people
write it (issue 15, points 4 and 7)."""

import re
from decimal import Decimal

import pytest

from goodwill.core.forms import MoneyField
from goodwill.core.templatetags.goodwill import money
from goodwill.referrals.forms import TransitionForm

INPUT = re.compile(r"<input\b[^>]*>")


@pytest.mark.parametrize("typed", ["41,250", "$41,250.00", " 41250 ", "$ 41,250"])
def test_money_fields_take_amounts_as_people_type_them(typed):
    assert MoneyField().clean(typed) == Decimal("41250")


def test_a_money_field_still_refuses_words_and_has_the_decimal_keyboard():
    field = MoneyField(required=False)
    with pytest.raises(Exception, match="Enter a number"):
        field.clean("forty")
    html = str(field.widget.render("gross", "", attrs=field.widget_attrs(field.widget)))
    assert 'inputmode="decimal"' in html and 'type="text"' in html


def test_the_won_form_accepts_a_value_with_a_comma():
    form = TransitionForm({"value": "$41,250.00", "note": "", "reason": ""})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["value"] == Decimal("41250")


def test_amounts_show_formatted():
    assert money(Decimal("2150")) == "$2,150"
    assert money(Decimal("2150.5")) == "$2,150.50"
    assert money(None) == ""


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/customers/new/", "/floor/", "/referrals/new/"])
def test_every_input_has_one_type_and_phones_and_emails_their_keyboards(client_for, alice, url):
    page = client_for(alice).get(url).text
    inputs = INPUT.findall(page)
    assert inputs
    doubled = [tag for tag in inputs if len(re.findall(r"\stype=", tag)) > 1]
    assert doubled == []
    for tag in inputs:
        if re.search(r'name="(new_)?phone(_\w+)?"', tag):
            assert 'type="tel"' in tag, tag
        if re.search(r'name="(new_)?email(_\w+)?"', tag):
            assert 'type="email"' in tag, tag
