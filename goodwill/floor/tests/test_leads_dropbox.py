from email.message import EmailMessage
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from goodwill.floor.models import Up

pytestmark = pytest.mark.django_db
SAMPLE = Path(__file__).parent / "sample-lead-internet.xml"


def test_dropped_emails_and_files_become_internet_ups_once(store_a, tmp_path):
    message = EmailMessage()
    message["From"], message["To"] = "leads@lakeside-ford.example", "crm@example.com"
    message["Subject"] = "New internet lead"
    message.set_content("A new lead is attached.")
    message.add_attachment(SAMPLE.read_bytes(), maintype="text", subtype="xml", filename="l.xml")
    (tmp_path / "lead.eml").write_bytes(message.as_bytes())
    (tmp_path / "same-lead.xml").write_bytes(SAMPLE.read_bytes())
    (tmp_path / "broken.xml").write_bytes(b"<adf><prospect>")
    out = StringIO()
    call_command("leads_dropbox", store="a-ford", folder=tmp_path, stdout=out)
    assert out.getvalue().strip() == "1 ups created, 1 leads skipped, 1 files failed"
    up = Up.objects.get()
    assert up.source == "internet" and up.customer.display_name == "Dana Whitlock"
    assert sorted(p.name for p in (tmp_path / "done").iterdir()) == ["lead.eml", "same-lead.xml"]
    assert "Not readable XML" in (tmp_path / "failed" / "broken.xml.error.txt").read_text()
