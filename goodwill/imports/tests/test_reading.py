"""Files as they come: encodings, delimiters, broken files, each with a clear message."""

import tracemalloc

import pytest
from django.core.exceptions import ValidationError

from goodwill.imports import actions
from goodwill.imports.reading import inspect_csv, iter_csv
from goodwill.imports.tests.helpers import upload_bytes

pytestmark = pytest.mark.django_db
HEADER = "First Name,Last Name,Email,Mobile Phone\r\n"


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b""), ("utf-8-sig", b""), ("cp1252", b"")],
)
def test_encodings(store_a, mike, encoding, prefix):
    text = HEADER + "José,Müller,jose@example.com,512 555 0101\r\n"
    batch = upload_bytes(store_a, mike, "people.csv", prefix + text.encode(encoding))
    assert batch.encoding == encoding
    actions.run(batch, commit=True, acting_user=mike)
    customer = store_a.customer_set.get()
    assert (customer.first_name, customer.last_name) == ("José", "Müller")


def test_semicolons_and_tabs_are_recognised(store_a, mike):
    for delimiter in (";", "\t"):
        data = HEADER.replace(",", delimiter) + delimiter.join(["Ann", "Lee", "", ""]) + "\n"
        batch = upload_bytes(store_a, mike, "people.csv", data.encode())
        assert batch.delimiter == delimiter
        assert batch.mapping["First Name"] == "first_name"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"just one column\nand another line\n", "no comma, semicolon, tab"),
        (b"Name,Name,Email\nA,B,c@example.com\n", "repeats column names"),
        (b"\x00\x01\x02\xff\xfe" * 10, "text file"),
    ],
)
def test_unreadable_files_get_a_clear_message(store_a, mike, data, message, imports_dir):
    with pytest.raises(ValidationError, match=message):
        upload_bytes(store_a, mike, "bad.csv", data)
    assert not list(imports_dir.glob("*")), "nothing is kept"


def test_a_file_over_the_limit_is_refused_before_reading(store_a, mike):
    with pytest.raises(ValidationError, match="200 MB; the limit here is 100 MB"):
        actions.upload(
            store_a, acting_user=mike, filename="huge.csv", chunks=iter(()), size=200_000_000
        )


def test_a_truncated_file_leaves_nothing_behind(store_a, mike):
    rows = "".join(f"Ann{i},Lee,ann{i}@example.com,\n" for i in range(30))
    data = (HEADER + rows + 'Cut,"Off in the mid').encode()
    batch = upload_bytes(store_a, mike, "cut.csv", data)
    with pytest.raises(ValidationError, match="looks cut off"):
        actions.run(batch, commit=True, acting_user=mike)
    assert store_a.customer_set.count() == 0
    batch.refresh_from_db()
    assert batch.status == "uploaded" and "cut off" in batch.fatal_error
    assert batch.errors.count() == 0


def test_a_short_row_is_an_invalid_row_with_its_reason(store_a, mike):
    data = (HEADER + "Ann,Lee,ann@example.com,\nBen\n").encode()
    batch = upload_bytes(store_a, mike, "short.csv", data)
    actions.run(batch, commit=False, acting_user=mike)
    assert batch.counts["invalid"] == 1 and batch.counts["new"] == 1
    error = batch.errors.get()
    assert error.row == 2 and "1 of 4 columns" in error.reason


def test_reading_streams_in_flat_memory(tmp_path):
    path = tmp_path / "big.csv"
    with open(path, "w", encoding="utf-8") as f:
        f.write(HEADER)
        for i in range(150_000):
            f.write(f"First{i},Last{i},person{i}@example.com,512555{i % 10000:04d}\n")
    assert path.stat().st_size > 7_000_000
    source = inspect_csv(path)
    tracemalloc.start()
    n = sum(1 for _ in iter_csv(path, source))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert n == 150_000
    assert peak < 2_000_000, f"peak {peak} bytes for a {path.stat().st_size} byte file"
