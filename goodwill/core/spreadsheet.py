"""Cells a spreadsheet will not run: every CSV the app writes passes values through here."""

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP): = + - @ first get a '."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text
