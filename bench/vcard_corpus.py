"""How much of each address-book export in the vCard corpus a tree's reader keeps: per file,
the phones, emails and addresses read (slots and other contact details) against the TEL,
EMAIL and ADR lines in the file, and whether a card was refused or crashed. Parse level
(no database). Run against any checkout to compare:

    .venv/bin/python bench/vcard_corpus.py /work/main      # another tree's goodwill/
    .venv/bin/python bench/vcard_corpus.py .               # this one

It counts what is dropped, not what is mislabelled (a fax read as a mobile counts as kept);
`goodwill/imports/tests/test_vcard_corpus.py` checks the types."""

import os
import re
import sys
from pathlib import Path

BOOKS = Path(__file__).resolve().parents[1] / "goodwill/imports/tests/files/address-books"


def count(pattern: str, text: str) -> int:
    return len(re.findall(rf"(?im)^(?:item\d+\.)?(?:{pattern})[;:]", text))


def main(tree: str) -> None:
    sys.path.insert(0, str(Path(tree).resolve()))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "goodwill.settings")
    os.environ["DATABASE_URL"] = ""
    import django  # noqa: PLC0415 — the tree to measure is chosen on the command line

    django.setup()
    from goodwill.imports import vcard  # noqa: PLC0415 — from that tree
    from goodwill.imports.rows import build_record  # noqa: PLC0415

    print(vcard.__file__)
    whole = 0
    files = sorted(BOOKS.glob("*.vcf"))
    for path in files:
        data = path.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252")
        text = re.sub(r"\r?\n[ \t]", "", re.sub(r"=\r?\n", "", text))
        want = (count("TEL|X-MS-TEL", text), count("EMAIL", text), count("ADR", text))
        kept, problems, cards = [0, 0, 0], [], 0
        try:
            for _number, row in vcard.iter_vcards(path):
                cards += 1
                try:
                    rec = build_record(row, vcard.MAPPING, region="US")
                except Exception as exc:  # noqa: BLE001 — a crash is what is counted
                    problems.append(f"crash {type(exc).__name__}")
                    continue
                if rec.invalid:
                    problems.append("refused: " + rec.problems[0].reason[:60])
                details = getattr(rec, "details", [])
                kept[0] += len(rec.phones) + sum(1 for d in details if d[0] == "phone")
                kept[1] += len(rec.emails) + sum(1 for d in details if d[0] == "email")
                kept[2] += bool(rec.fields.get("street")) + sum(
                    1 for d in details if d[0] == "address"
                )
        except Exception as exc:  # noqa: BLE001
            problems.append(f"file crash {type(exc).__name__}: {exc}"[:80])
        ok = not problems and kept[:2] == list(want[:2]) and kept[2] >= want[2]
        whole += ok
        print(
            f"{path.name:40} cards={cards} tel {kept[0]}/{want[0]} email {kept[1]}/{want[1]}"
            f" adr {kept[2]}/{want[2]} {'WHOLE' if ok else ''} {problems[:2]}"
        )
    print(f"whole: {whole} of {len(files)}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
