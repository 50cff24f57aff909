"""Uploads that once gave a 500 or filled the disk (issue 11, findings 5 and 6): refused with
a clear message, and nothing of them left in the imports folder."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError

from goodwill.api.testing import ApiClient
from goodwill.imports import actions
from goodwill.imports.models import ImportBatch
from goodwill.imports.tests.helpers import upload_bytes

pytestmark = pytest.mark.django_db

EXPORT_HEADER = b"id,first_name,last_name\n"


def export_zip(entries: dict[str, bytes], *, encrypted: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    data = bytearray(buffer.getvalue())
    if encrypted:  # set the "encrypted" flag bit in every local and central header
        for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            start = data.find(signature)
            while start != -1:
                data[start + offset] |= 0x1
                start = data.find(signature, start + 4)
    return bytes(data)


def test_a_zip_bomb_is_refused_before_it_is_unpacked(store_a, mike, imports_dir):
    """50 MB of one repeated row compresses to ~50 KB: a ratio no export reaches."""
    bomb = export_zip({"customers.csv": EXPORT_HEADER + b"1,Ann,Lee\n" * 5_000_000})
    assert len(bomb) < 300_000
    with pytest.raises(ValidationError, match="compressed more than 100×"):
        upload_bytes(store_a, mike, "export.zip", bomb)
    assert list(imports_dir.iterdir()) == [] and not ImportBatch.objects.exists()


def test_a_zip_past_the_unpacked_limit_is_refused(store_a, mike, imports_dir, monkeypatch):
    monkeypatch.setattr(actions, "MAX_UNPACKED_BYTES", 1000)
    rows = b"".join(b"%d,Ann,Lee\n" % n for n in range(200))
    with pytest.raises(ValidationError, match="unpacks to more than"):
        upload_bytes(
            store_a, mike, "export.zip", export_zip({"customers.csv": EXPORT_HEADER + rows})
        )
    assert list(imports_dir.iterdir()) == []


def test_an_encrypted_zip_is_refused_and_nothing_is_left(store_a, mike, imports_dir):
    locked = export_zip({"customers.csv": EXPORT_HEADER + b"1,Ann,Lee\n"}, encrypted=True)
    with pytest.raises(ValidationError, match="encrypted"):
        upload_bytes(store_a, mike, "export.zip", locked)
    assert list(imports_dir.iterdir()) == []


def test_an_encrypted_zip_through_the_page_is_a_message_not_a_500(client_for, mike, imports_dir):
    locked = export_zip({"customers.csv": EXPORT_HEADER + b"1,Ann,Lee\n"}, encrypted=True)
    upload = io.BytesIO(locked)
    upload.name = "export.zip"
    page = client_for(mike).post("/imports/upload/", {"file": upload}, follow=True)
    assert page.status_code == 200 and "encrypted" in page.text
    assert list(imports_dir.iterdir()) == []


def test_a_file_name_with_a_line_break_still_downloads_its_error_report(client_for, mike):
    upload = io.BytesIO(b"Given,Family,Cell\nBen,,12\n")
    upload.name = "people\r\nSet-Cookie: x=1.csv"
    client = client_for(mike)
    client.post("/imports/upload/", {"file": upload})
    batch = ImportBatch.objects.get()
    assert "\r" not in batch.filename and "\n" not in batch.filename
    report = client.get(f"/imports/{batch.public_id}/errors.csv")
    assert report.status_code == 200
    assert report["Content-Disposition"].startswith('attachment; filename="people')


def test_the_api_refuses_a_file_name_with_a_line_break(mike):
    body = {"filename": "people\r\n.csv", "content": "Given,Family\nAnn,Lee\n"}
    answer = ApiClient(mike).post("/imports", body)
    assert answer.status_code == 422 and not ImportBatch.objects.exists()
