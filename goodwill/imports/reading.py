"""Reading uploaded files as a stream of rows: encoding (UTF-8, UTF-8 with BOM,
Windows-1252), delimiter, header row, and clear messages for files that cannot be read.

Nothing here holds the whole file: rows are yielded one by one from the stored bytes, and a
byte counter tells the progress bar how far the reader is."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from charset_normalizer import from_bytes

SAMPLE = 64 * 1024
DELIMITERS = ",;\t|"
DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars"}
csv.field_size_limit(1024 * 1024)


class FileProblem(Exception):
    """The file as a whole cannot be imported; the message says why and what to do."""


class CountingReader(io.RawIOBase):
    """Wraps a binary file and counts the bytes read, for the progress bar."""

    def __init__(self, raw):
        self.raw, self.count = raw, 0

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self.raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        return n


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM) when the bytes are valid UTF-8, else Windows-1252 (what
    Excel and older CRMs write on US machines), else charset-normalizer's best guess."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in sample:
        raise FileProblem("This does not look like a text file (CSV or vCard).")
    try:
        # A multi-byte character cut by the sample's end is not an error.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        sample.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        best = from_bytes(sample).best()
        if best is None:
            raise FileProblem("This does not look like a text file (CSV or vCard).") from None
        return best.encoding


def detect_delimiter(text_sample: str) -> str:
    """The delimiter that splits the header and the next lines into the same number (> 1)
    of columns. csv.Sniffer is asked first; a header-only file falls back to counting."""
    lines = [line for line in text_sample.splitlines() if line.strip()][:20]
    if not lines:
        raise FileProblem("The file is empty.")
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines[:10]), delimiters=DELIMITERS)
        if dialect.delimiter in DELIMITERS and lines[0].count(dialect.delimiter) > 0:
            return dialect.delimiter
    except csv.Error:
        pass
    counts = {d: lines[0].count(d) for d in DELIMITERS}
    best = max(counts, key=counts.get)
    if counts[best] == 0:
        raise FileProblem(
            "Could not find the columns: the first line has no comma, semicolon, tab or "
            "vertical bar. Save the spreadsheet as CSV and upload it again."
        )
    return best


@dataclass
class CsvSource:
    encoding: str
    delimiter: str
    headers: list[str]


def inspect_csv(path) -> CsvSource:
    with open(path, "rb") as f:
        sample = f.read(SAMPLE)
    if not sample.strip():
        raise FileProblem("The file is empty.")
    encoding = detect_encoding(sample)
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(sample, final=False)
    delimiter = detect_delimiter(text)
    with open(path, "rb") as f:
        reader = csv.reader(_text(f, encoding), delimiter=delimiter)
        try:
            headers = next(reader)
        except (StopIteration, csv.Error) as exc:
            raise FileProblem(f"Could not read the header row: {exc}.") from None
    headers = [h.strip() for h in headers]
    if len(headers) < 2:
        raise FileProblem("The header row has a single column: is the file really a CSV?")
    if len(set(headers)) != len(headers):
        seen, dupes = set(), []
        for h in headers:
            if h in seen:
                dupes.append(h)
            seen.add(h)
        raise FileProblem(f"The header row repeats column names: {', '.join(sorted(set(dupes)))}.")
    return CsvSource(encoding=encoding, delimiter=delimiter, headers=headers)


def _text(binary, encoding):
    return io.TextIOWrapper(binary, encoding=encoding, errors="strict", newline="")


def iter_csv(path, source: CsvSource, counter: list | None = None) -> Iterator[tuple[int, dict]]:
    """(row number, {header: value}) for every data row, streaming. A row with fewer cells
    than the header gets the key None = "short"; the csv module's own errors (an unclosed
    quote at the end of a cut-off file) and undecodable bytes become FileProblem."""
    with open(path, "rb") as f:
        raw = CountingReader(f)
        buffered = io.BufferedReader(raw, buffer_size=256 * 1024)
        reader = csv.reader(
            _text(buffered, source.encoding), delimiter=source.delimiter, strict=True
        )
        width = len(source.headers)
        try:
            next(reader)
            for number, cells in enumerate(reader, start=1):
                if counter is not None:
                    counter[0] = raw.count
                if not any(c.strip() for c in cells):
                    continue
                row = dict(zip(source.headers, cells, strict=False))
                if len(cells) < width:
                    row[None] = f"{len(cells)} of {width} columns"
                elif len(cells) > width and any(c.strip() for c in cells[width:]):
                    row[None] = (
                        f"{len(cells)} cells for {width} columns: a value with an unquoted "
                        f"{DELIMITER_NAMES.get(source.delimiter, source.delimiter)}?"
                    )
                yield number, row
        except csv.Error as exc:
            raise FileProblem(
                f"The file ends in the middle of a quoted value near line {reader.line_num} "
                f"({exc}): it looks cut off. Export it again."
            ) from None
        except UnicodeDecodeError as exc:
            raise FileProblem(
                f"Bytes that are not {source.encoding} near byte {raw.count}: "
                "save the file as UTF-8 and upload it again."
            ) from exc
        if counter is not None:
            counter[0] = raw.count
