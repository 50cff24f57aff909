"""`goodwill leads_dropbox --store SLUG --folder DIR`: internet leads dropped as files.

Lead providers email ADF/XML; a mail rule (or fetchmail, or the mail server) saves each
message (.eml) or bare document (.xml) into a folder. Each file becomes internet ups; done
files move to DIR/done/, unreadable ones to DIR/failed/ with the reason beside them. A lead
already logged is skipped, so running it twice (or from cron every minute) is safe."""

import email
from email import policy
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from goodwill.dealerships.models import Dealership
from goodwill.floor import adf

XML_TYPES = {"text/xml", "application/xml", "text/plain"}


def documents_in(path: Path) -> list[bytes]:
    """The ADF documents of one dropped file: itself, or the XML parts of an email."""
    data = path.read_bytes()
    if path.suffix.lower() != ".eml":
        return [data]
    message = email.message_from_bytes(data, policy=policy.default)
    found = []
    for part in message.walk():
        if part.get_content_type() not in XML_TYPES or part.is_multipart():
            continue
        payload = part.get_payload(decode=True) or b""
        if b"<adf" in payload.lower():
            found.append(payload)
    return found


class Command(BaseCommand):
    help = "Import ADF/XML internet leads dropped as .xml or .eml files into ups."

    def add_arguments(self, parser):
        parser.add_argument("--store", required=True, help="the dealership's slug")
        parser.add_argument("--folder", required=True, type=Path)

    def handle(self, *args, store, folder, **options):
        dealership = Dealership.objects.filter(slug=store).first()
        if dealership is None:
            raise CommandError(f"No dealership with slug {store!r}.")
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder.")
        (folder / "done").mkdir(exist_ok=True)
        (folder / "failed").mkdir(exist_ok=True)
        created = skipped = failed = 0
        for path in sorted(folder.iterdir()):
            if not path.is_file() or path.suffix.lower() not in (".xml", ".eml"):
                continue
            try:
                docs = documents_in(path)
                if not docs:
                    raise ValidationError("No ADF/XML document in this message.")
                with transaction.atomic():
                    for doc in docs:
                        result = adf.import_leads(dealership, doc, acting_user=None)
                        created += len(result.created)
                        skipped += len(result.skipped)
            except ValidationError as exc:
                failed += 1
                path.rename(folder / "failed" / path.name)
                (folder / "failed" / f"{path.name}.error.txt").write_text(
                    "\n".join(exc.messages) + "\n"
                )
                continue
            path.rename(folder / "done" / path.name)
        self.stdout.write(f"{created} ups created, {skipped} leads skipped, {failed} files failed")
