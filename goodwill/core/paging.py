"""Numbers from a query string (`?page=`, `?user=`), bounded before they reach SQL: a huge
or non-ASCII number used to overflow PostgreSQL's bigint (or `int()`) into a 500."""

# Deeper than any person pages; an integration uses the API's offset or cursor.
MAX_PAGE = 10_000
MAX_ID = 2**63 - 1  # PostgreSQL's bigint


def whole_number(text, *, maximum: int = MAX_ID) -> int | None:
    """`text` as an int when it is ASCII digits no larger than `maximum`, else None."""
    text = str(text or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(maximum)):
        return None
    number = int(text)
    return number if number <= maximum else None


def page_number(request) -> int:
    """`?page=` as 1 … MAX_PAGE (anything else is the first page; deeper is the last)."""
    text = str(request.GET.get("page", "")).strip()
    if text.isascii() and text.isdigit():
        return max(1, min(int(text[:8]), MAX_PAGE))
    return 1
