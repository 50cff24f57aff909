"""VIN decoding: make accuracy on real VINs and decode latency (see bench/README.md).

    .venv/bin/python bench/bench_vin.py

Scale: the 467 real VINs of goodwill/customers/tests/vin_corpus.csv (from public decoder test
suites, each with its source), decoded twice: the first pass loads each manufacturer's vPIC
patterns, the second is what a running server sees. Baseline: vininfo alone, same VINs."""

import csv
import re
import statistics
import time
from pathlib import Path

from vininfo import Vin

from goodwill.customers.vin import canonical_make, decode_vin

CORPUS = Path(__file__).parents[1] / "goodwill/customers/tests/vin_corpus.csv"


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def same(a, b):
    """Case- and punctuation-insensitive; 'Mercedes' is how one source writes Mercedes-Benz."""

    def key(make):
        folded = re.sub(r"[^a-z0-9]", "", (make or "").casefold())
        return {"mercedes": "mercedesbenz"}.get(folded, folded)

    return key(a) == key(b)


def main():
    with CORPUS.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    print(f"Scale: {len(rows)} real VINs from public decoder test suites")
    for label in ("first pass (loads patterns)", "second pass"):
        times, bare = [], []
        for row in rows:
            start = time.perf_counter()
            decode_vin(row["vin"])
            times.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            _ = Vin(row["vin"]).manufacturer
            bare.append((time.perf_counter() - start) * 1000)
        print(
            f"{label:28} decoder p50 {statistics.median(times):.3f} ms  p99 "
            f"{percentile(times, 0.99):.3f} ms  max {max(times):.2f} ms | vininfo alone p50 "
            f"{statistics.median(bare):.3f} ms  p99 {percentile(bare, 0.99):.3f} ms | ratio p50 "
            f"{statistics.median(times) / max(statistics.median(bare), 1e-9):.1f}x"
        )
    right = sum(same(decode_vin(r["vin"]).make, r["make"]) for r in rows)
    bare_right = sum(same(canonical_make(Vin(r["vin"]).manufacturer), r["make"]) for r in rows)
    print(
        f"make accuracy: decoder {right / len(rows):.1%}, vininfo alone "
        f"{bare_right / len(rows):.1%} (target at least 97%)"
    )


if __name__ == "__main__":
    main()
