"""What a string may contain, written once for the API's schemas and the pages' forms.

PostgreSQL refuses NUL in text (a 500 where SQLite stored it), and the other C0 control
characters are never typed by a person: they arrive from a careless integration or an
attacker and then break CSV files, emails and headers. A one-line field (a name, a code)
refuses all of them; free text (a note, a textarea) keeps tab, line feed and carriage return.
"""

import re

from django.core.exceptions import ValidationError

# The same rules as JSON Schema patterns, so the OpenAPI document states them.
ONE_LINE = r"^[^\x00-\x1f\x7f]*$"
FREE_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"

_ONE_LINE_BAD = re.compile(r"[\x00-\x1f\x7f]")
_FREE_TEXT_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def control_character_message(value: str, *, multiline: bool) -> str | None:
    """The sentence that refuses `value`, or None when it is clean."""
    found = (_FREE_TEXT_BAD if multiline else _ONE_LINE_BAD).search(value)
    if found is None:
        return None
    where = f"control character U+{ord(found.group()):04X} at position {found.start() + 1}"
    if multiline:
        return f"Remove the {where}: text may hold letters, tabs and line breaks only."
    return f"Remove the {where}: this field is one line of plain text."


def check_text(value: str, *, multiline: bool = True) -> str:
    """`value` unchanged, or a `ValidationError` naming the first control character."""
    message = control_character_message(value, multiline=multiline)
    if message:
        raise ValidationError(message, code="control_character")
    return value


def one_line(text: str) -> str:
    """`text` with every control character (CR and LF included) turned into a space: for
    values that go into headers and file names (Content-Disposition)."""
    return _ONE_LINE_BAD.sub(" ", text)
