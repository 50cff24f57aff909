"""Template filters used across apps (registered as builtins in settings)."""

from decimal import Decimal, InvalidOperation

from django import template

from goodwill.core.contact import format_phone

register = template.Library()


@register.filter
def phone(value: str) -> str:
    return format_phone(value)


@register.filter
def fields_named(form, names: str):
    """`form|fields_named:"a b c"` → the bound fields a, b, c, in that order."""
    return [form[name] for name in names.split()]


@register.filter
def get(mapping, key):
    try:
        return mapping.get(f"consent_{key}") if hasattr(mapping, "getlist") else mapping.get(key)
    except AttributeError:
        return None


@register.filter
def humanize_field(name: str) -> str:
    return str(name).replace("_", " ").capitalize()


@register.filter
def money(value) -> str:
    """Dollars for people: 41250 → "$41,250", 2150.5 → "$2,150.50", None → ""."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    sign, amount = ("-" if amount < 0 else ""), abs(amount)
    if amount == amount.to_integral_value():
        return f"{sign}${amount:,.0f}"
    return f"{sign}${amount:,.2f}"
