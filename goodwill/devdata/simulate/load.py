"""Writing the simulated network: stores and staff with the ORM, customer batches with COPY
(PostgreSQL) or executemany (elsewhere)."""

from __future__ import annotations

import importlib
import multiprocessing
import os
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from multiprocessing.util import Finalize

from django.apps import apps
from django.db import DatabaseError, IntegrityError, connection, connections, transaction
from django.utils.text import slugify

from goodwill.core import storewall
from goodwill.customers.models import Customer
from goodwill.dealerships.models import Dealership, StaffEvent, User
from goodwill.devdata import fake
from goodwill.devdata.simulate.rows import (
    PARAMS,
    POSTGRESQL,
    TABLES,
    Chunk,
    ChunkRows,
    generate_chunk,
    plan_stores,
    replace_vins,
    spread,
)
from goodwill.devdata.simulate.vocabulary import ADVISOR_ROLES, SELLER_WEIGHTS, slug_of

# ---------------------------------------------------------------------------------------
# Loading (Django from here on)
# ---------------------------------------------------------------------------------------


@dataclass
class Summary:
    vendor: str
    dealerships: int = 0
    staff: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {key: 0 for key, _, _ in TABLES})
    elapsed: float = 0.0
    load_seconds: float = 0.0
    index_seconds: float = 0.0
    workers: int = 0
    fk_checks: str = "by the database"

    @property
    def rows(self) -> int:
        return sum(self.counts.values()) + self.dealerships + self.staff * 2


def _unique_slug(base: str, taken: set[str]) -> str:

    base = slugify(base)[:54] or "store"
    slug, n = base, 2
    while slug in taken:
        slug = f"{base}-{n}"
        n += 1
    taken.add(slug)
    return slug


def create_stores(plan: list[dict]) -> list[dict]:
    """Write the stores, their staff and the staff's `joined` events; return the plan with
    database ids filled in."""

    taken = set(Dealership.objects.values_list("slug", flat=True))
    usernames = set()
    with transaction.atomic():
        stores = []
        for entry in plan:
            slug = _unique_slug(entry["name"], taken)
            store = Dealership(
                name=entry["name"],
                slug=slug,
                makes=entry["makes"],
                specialties=entry["specialties"],
                departments=entry["departments"],
                phone=entry["phone"],
                website=f"https://{slug}.example.com/",
                street=entry["street"],
                city=entry["city"],
                region=entry["region"],
                postal_code=entry["postal_code"],
                latitude=entry["latitude"],
                longitude=entry["longitude"],
                salespeople_see_all=entry["salespeople_see_all"],
            )
            store.full_clean(validate_unique=False)
            stores.append(store)
        Dealership.objects.bulk_create(stores)
        if any(s.pk is None for s in stores):  # backends without RETURNING
            by_slug = dict(
                Dealership.objects.filter(slug__in=[s.slug for s in stores]).values_list(
                    "slug", "id"
                )
            )
            for s in stores:
                s.pk = by_slug[s.slug]
        users = []
        for entry, store in zip(plan, stores, strict=True):
            entry["dealership_id"] = store.pk
            entry["slug"] = store.slug
            for person in entry["staff"]:
                base = (
                    f"{slug_of(person['first_name'])}.{slug_of(person['last_name'])}.{store.slug}"
                )
                username, n = base, 2
                while username in usernames:
                    username = f"{base}{n}"
                    n += 1
                usernames.add(username)
                user = User(
                    dealership=store,
                    username=username,
                    role=person["role"],
                    first_name=person["first_name"],
                    last_name=person["last_name"],
                    email=f"{username}@example.com",
                )
                user.set_unusable_password()
                users.append(user)
                person["user"] = user
        # In slices: a statement carries at most 65,535 parameters (`core.postgresql`),
        # and 20,000 stores have more staff than that.
        names = [u.username for u in users]
        taken_names = set()
        for start in range(0, len(names), 10_000):
            taken_names.update(
                User.objects.filter(username__in=names[start : start + 10_000]).values_list(
                    "username", flat=True
                )
            )
        for user in users:
            if user.username in taken_names:  # only when a run reuses a slug by hand
                user.username = f"{user.username}.{user.dealership.slug}"
        User.objects.bulk_create(users)
        if any(u.pk is None for u in users):
            by_name = dict(
                User.objects.filter(username__in=[u.username for u in users]).values_list(
                    "username", "id"
                )
            )
            for u in users:
                u.pk = by_name[u.username]
        StaffEvent.objects.bulk_create(
            StaffEvent(
                dealership_id=u.dealership_id, user=u, verb="joined", changes={"role": ["", u.role]}
            )
            for u in users
        )
    for entry in plan:
        staff = [p["user"] for p in entry["staff"]]
        entry["sellers"] = [
            (u.pk, u.get_full_name(), u.role) for u in staff if u.role in SELLER_WEIGHTS
        ]
        entry["advisors"] = [(u.pk, u.get_full_name()) for u in staff if u.role in ADVISOR_ROLES]
        admins = [u.pk for u in staff if u.role == "admin"] or [staff[0].pk]
        entry["admin_id"] = admins[0]
        if not entry["sellers"]:  # a store with a single staff member
            entry["sellers"] = [(staff[0].pk, staff[0].get_full_name(), "sales")]
    return plan


def _chunks(plan: list[dict], sizes: list[int], *, batch: int):
    """(store, chunk index, number of customers) for every batch, in load order."""
    for entry, size in zip(plan, sizes, strict=True):
        for j, start in enumerate(range(0, size, batch)):
            yield entry, j, min(batch, size - start)


def make_chunk(entry, j, n, ids, *, seed, anchor, dialect) -> Chunk:
    return Chunk(
        seed=f"goodwill-simulate:{seed}:{entry['index']}:{j}",
        dealership_id=entry["dealership_id"],
        metro=entry["metro"],
        makes=entry["makes"],
        specialties=entry["specialties"],
        sellers=entry["sellers"],
        advisors=entry["advisors"],
        admin_id=entry["admin_id"],
        customer_ids=ids,
        anchor=anchor,
        dialect=dialect,
    )


class _VinGuard:
    """VINs are unique per store (the database says so): batches of one store are generated
    apart, so the loader checks each batch against the earlier ones of its store."""

    def __init__(self):
        self.seen: dict[int, set[str]] = {}

    def check(self, chunk: Chunk, result: ChunkRows) -> None:
        seen = self.seen.setdefault(chunk.dealership_id, set())
        clashes = [v for v in result.vins if v in seen]
        if clashes:
            own = set(result.vins)
            rng = random.Random(f"{chunk.seed}:renames")  # nosec B311 # fictional data, reproducible by seed
            renames = {}
            for old in clashes:
                make = next(m for m, (wmis, _) in fake.CATALOG.items() if old[:3] in wmis)
                year = next((y for y, c in fake.YEAR_CODES.items() if c == old[9]), 2020)
                new = fake.fake_model_year_vin(rng, make, year)
                while new in seen or new in own or new in renames.values():
                    new = fake.fake_model_year_vin(rng, make, year)
                renames[old] = new
            replace_vins(result, renames)
        seen.update(result.vins)


def _db_table(model) -> str:
    """The table of a model class or of an "app.Model" label."""
    return (apps.get_model(model) if isinstance(model, str) else model)._meta.db_table


def _trigram_migration():
    return importlib.import_module("goodwill.customers.migrations.0005_store_name_grams")


# COPY into walled tables and the trigger switch are the owner's (core/storewall.py).
@storewall.as_owner()
def simulate(
    *,
    dealerships: int,
    customers: int,
    seed: int = 1,
    staff_per_store: int | None = None,
    batch: int = 10_000,
    workers: int | None = None,
    progress=None,
    now: datetime | None = None,
    row_fk_checks: bool = False,
) -> Summary:
    """Create `dealerships` new stores holding `customers` customers between them.

    `progress(advance_customers, advance_rows)` is called after every batch."""

    if dealerships < 1:
        raise ValueError("--dealerships must be at least 1")
    if customers < 0 or batch < 1:
        raise ValueError("--customers must be >= 0 and --batch >= 1")
    started = time.perf_counter()
    vendor = connection.vendor
    summary = Summary(vendor=vendor)
    now = now or datetime.now(UTC)
    anchor = int(datetime(now.year, now.month, now.day, tzinfo=UTC).timestamp())

    plan = plan_stores(dealerships, seed=seed, staff_per_store=staff_per_store)
    create_stores(plan)
    summary.dealerships = len(plan)
    summary.staff = sum(len(e["staff"]) for e in plan)
    sizes = spread(customers, [e["weight"] for e in plan])
    chunks = list(_chunks(plan, sizes, batch=batch))

    if vendor == "postgresql":
        if workers is None:
            # One more process than cores: while one waits on PostgreSQL, others generate.
            workers = (os.cpu_count() or 1) + 1 if customers >= 20_000 else 0
        summary.workers = workers
        _load_postgresql(
            chunks,
            summary,
            seed=seed,
            anchor=anchor,
            workers=workers,
            progress=progress,
            total_new=customers,
            row_fk_checks=row_fk_checks,
        )
    else:
        _load_with_params(chunks, summary, seed=seed, anchor=anchor, progress=progress)
    summary.elapsed = time.perf_counter() - started
    return summary


def _load_with_params(chunks, summary, *, seed, anchor, progress) -> None:
    """SQLite (and any other backend): executemany in one transaction."""

    t0 = time.perf_counter()
    statements = {
        key: "INSERT INTO {} ({}) VALUES ({})".format(  # nosec B608 # table and column names from the models, quoted
            connection.ops.quote_name(_db_table(label)),
            ", ".join(connection.ops.quote_name(c) for c in columns),
            ", ".join(["%s"] * len(columns)),
        )
        for key, label, columns in TABLES
    }
    guard = _VinGuard()
    with transaction.atomic():
        next_id = (Customer.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        if connection.vendor == "sqlite":
            with connection.cursor() as cur:
                cur.execute(
                    "SELECT seq FROM sqlite_sequence WHERE name = %s",
                    [_db_table("customers.Customer")],
                )
                row = cur.fetchone()
                next_id = max(next_id, (row[0] + 1) if row else 1)
        with connection.cursor() as cur:
            for entry, j, n in chunks:
                ids = list(range(next_id, next_id + n))
                next_id += n
                chunk = make_chunk(entry, j, n, ids, seed=seed, anchor=anchor, dialect=PARAMS)
                result = generate_chunk(chunk)
                guard.check(chunk, result)
                for key, _, _ in TABLES:
                    if result.rows[key]:
                        cur.executemany(statements[key], result.rows[key])
                    summary.counts[key] += result.counts[key]
                if progress:
                    progress(n, result.total)
    summary.load_seconds = time.perf_counter() - t0


def copy_statements() -> dict[str, str]:

    return {
        key: "COPY {} ({}) FROM STDIN".format(
            connection.ops.quote_name(_db_table(label)),
            ", ".join(connection.ops.quote_name(c) for c in columns),
        )
        for key, label, columns in TABLES
    }


def _existing_vins(cur, chunk: Chunk, vins: list[str]) -> set[str]:
    cur.execute(
        f"SELECT vin FROM {_db_table('customers.Vehicle')} "  # nosec B608 # a table name from the models; values are parameters
        "WHERE dealership_id = %s AND vin = ANY(%s)",
        [chunk.dealership_id, vins],
    )
    return {row[0] for row in cur.fetchall()}


def _rename_vins(chunk: Chunk, result: ChunkRows, clashes: set[str], taken: set[str]) -> None:
    rng = random.Random(f"{chunk.seed}:renames:{len(taken)}")  # nosec B311 # fictional data, reproducible by seed
    own = set(result.vins)
    renames: dict[str, str] = {}
    for old in sorted(clashes):
        make = next(m for m, (wmis, _) in fake.CATALOG.items() if old[:3] in wmis)
        year = next((y for y, c in fake.YEAR_CODES.items() if c == old[9]), 2020)
        new = fake.fake_model_year_vin(rng, make, year)
        while new in taken or new in own or new in renames.values():
            new = fake.fake_model_year_vin(rng, make, year)
        renames[old] = new
    replace_vins(result, renames)


def _foreign_keys() -> dict[str, list[tuple[str, str, str]]]:
    """table key → [(column, parent table, parent column)]."""

    out = {}
    for key, label, columns in TABLES:
        fks = []
        for f in label._meta.concrete_fields:
            if f.many_to_one and f.column in columns:
                parent = f.related_model._meta.db_table
                fks.append((f.column, parent, f.target_field.column))
        out[key] = fks
    return out


def _check_batch(cur, chunk: Chunk, result: ChunkRows) -> None:
    """What PostgreSQL's row-by-row foreign-key triggers check, for a whole batch at once:
    the store and staff rows the batch points at exist and are locked FOR KEY SHARE (as
    the triggers lock them, so nobody deletes them before this transaction commits), every
    reference of every row is one of them or a customer of the batch, and every table
    holds exactly the rows generated."""

    ids = chunk.customer_ids
    lo, hi = ids[0], ids[-1]
    contiguous = hi - lo + 1 == len(ids)  # the usual case: nobody took ids meanwhile
    staff = {chunk.admin_id, *(s[0] for s in chunk.sellers), *(a[0] for a in chunk.advisors)}
    known = {Dealership._meta.db_table: [chunk.dealership_id], User._meta.db_table: sorted(staff)}
    for parent, values in known.items():
        cur.execute(f"SELECT id FROM {parent} WHERE id = ANY(%s) FOR KEY SHARE", [values])  # nosec B608 # table names from the models; values are parameters
        if len(cur.fetchall()) != len(values):
            raise IntegrityError(f"simulate: rows of {parent} vanished during the load")
    customer_table = _db_table("customers.Customer")
    for key, label, _ in TABLES:
        table = _db_table(label)
        by = "id" if key == "customers" else "customer_id"
        bad, params = [], []
        for column, parent, target in _FOREIGN_KEYS[key]:
            if parent in known and target == "id":
                bad.append(f"({column} IS NOT NULL AND NOT {column} = ANY(%s))")
                params.append(known[parent])
            elif not (parent == customer_table and column == by and contiguous):
                bad.append(
                    f"({column} IS NOT NULL AND NOT EXISTS "  # nosec B608 # names from the models; values are parameters
                    f"(SELECT 1 FROM {parent} p WHERE p.{target} = c.{column}))"
                )
        cur.execute(
            f"SELECT count(*), count(*) FILTER (WHERE {' OR '.join(bad) or 'false'}) "  # nosec B608 # names from the models; values are parameters
            f"FROM {table} c WHERE c.{by} BETWEEN %s AND %s",
            [*params, lo, hi],
        )
        rows, broken = cur.fetchone()
        if broken:
            raise IntegrityError(f"simulate: {broken} rows of {table} point at missing rows")
        # With contiguous ids the range holds exactly this batch: its customers all exist,
        # so every customer_id of the range points at one.
        if contiguous and rows != result.counts[key]:
            raise IntegrityError(
                f"simulate: {table} holds {rows} rows of the batch, not {result.counts[key]}"
            )


_FOREIGN_KEYS: dict[str, list[tuple[str, str, str]]] = {}


@storewall.as_owner()  # COPY and the trigger switch, also when called alone (a worker, a test)
def copy_chunk(chunk: Chunk, result: ChunkRows, copy_sql: dict[str, str]) -> None:
    """COPY one batch in one transaction.

    With `set_based_fk_checks`, this session skips the per-row foreign-key triggers
    (session_replication_role = replica, this transaction only; other sessions keep theirs)
    and `_check_batch` verifies the same before the commit: a batch that would break
    integrity is rolled back, exactly as with the triggers, at a tenth of the cost.

    VINs are unique per store (a unique index says so); batches of a store are generated
    apart, so a VIN an earlier batch already holds (astronomically rare) is drawn again,
    and a clash with a batch loading at the same moment rolls back and retries."""

    if not _FOREIGN_KEYS:
        _FOREIGN_KEYS.update(_foreign_keys())
    taken: set[str] = set()
    nested = connection.in_atomic_block
    for attempt in range(5):
        try:
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute("SET LOCAL synchronous_commit TO off")
                if chunk.set_based_fk_checks:
                    cur.execute("SET LOCAL session_replication_role TO replica")
                if result.vins:
                    clashes = _existing_vins(cur, chunk, result.vins)
                    if clashes:
                        taken |= clashes
                        _rename_vins(chunk, result, clashes, taken)
                for key, _, _ in TABLES:
                    data = result.text[key]
                    if data:
                        with cur.cursor.copy(copy_sql[key]) as copy:
                            copy.write(data)
                if chunk.set_based_fk_checks:
                    _check_batch(cur, chunk, result)
                if nested:  # SET LOCAL outlives a savepoint (tests run in a transaction)
                    cur.execute("SET LOCAL session_replication_role TO DEFAULT")
                    cur.execute("SET LOCAL synchronous_commit TO DEFAULT")
            return
        except IntegrityError as exc:
            constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", "")
            if attempt == 4 or not constraint.endswith("unique_vin_per_store"):
                raise


def _load_in_worker(chunk: Chunk) -> tuple[int, dict[str, int]]:
    """Runs in a worker process with its own database connection."""
    global _WORKER_COPY_SQL
    if _WORKER_COPY_SQL is None:
        _WORKER_COPY_SQL = copy_statements()
    result = generate_chunk(chunk)
    copy_chunk(chunk, result, _WORKER_COPY_SQL)
    return len(chunk.customer_ids), result.counts


_WORKER_COPY_SQL: dict[str, str] | None = None


def _close_worker_connections() -> None:

    connections.close_all()


def _init_worker() -> None:

    # Pool workers leave through os._exit: close the connection on the way out.
    Finalize(None, _close_worker_connections, exitpriority=10)


def _can_skip_fk_triggers() -> bool:
    """Only a superuser (or a role granted it) may set session_replication_role."""

    try:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SET LOCAL session_replication_role TO replica")
            cur.execute("SET LOCAL session_replication_role TO DEFAULT")
    except DatabaseError:
        return False
    return True


def _interleave(chunks: list[tuple]) -> list[tuple]:
    """First batch of every store, then second batches…: parallel workers rarely load the
    same store at the same moment."""
    by_round: dict[int, list[tuple]] = {}
    for item in chunks:
        by_round.setdefault(item[1], []).append(item)
    return [item for j in sorted(by_round) for item in by_round[j]]


def _load_postgresql(
    chunks, summary, *, seed, anchor, workers, progress, total_new, row_fk_checks
) -> None:
    """Worker processes generate batches and COPY them, each over its own connection and
    in one transaction per batch, so both cores stay busy between Python and PostgreSQL."""

    trigram = _trigram_migration()
    set_based = not row_fk_checks and _can_skip_fk_triggers()
    summary.fk_checks = "set-based, per batch" if set_based else "row by row (triggers)"
    t0 = time.perf_counter()
    pool = None
    try:
        existing = Customer.objects.count() if total_new else 0
        # Rebuilding the trigram index once is much faster than updating it row by row,
        # but only when the load is big compared with what is already there.
        if total_new >= 100_000 and total_new >= existing:
            with connection.cursor() as cur:
                for sql in trigram.DROP:
                    cur.execute(sql)
        # Customer ids come from the table's own sequence (so they never clash with rows
        # others insert meanwhile), taken up front so that every batch knows its ids.
        ids: list[int] = []
        if total_new:
            with connection.cursor() as cur:
                cur.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [_db_table("customers.Customer"), total_new],
                )
                ids = sorted(row[0] for row in cur.fetchall())
        tasks, start = [], 0
        for entry, j, n in chunks:
            chunk = make_chunk(
                entry, j, n, ids[start : start + n], seed=seed, anchor=anchor, dialect=POSTGRESQL
            )
            chunk.set_based_fk_checks = set_based
            tasks.append((chunk.dealership_id, j, chunk))
            start += n
        tasks = [chunk for _, _, chunk in _interleave(tasks)]
        if workers:
            # Fork without an open connection: every worker opens its own.
            connections.close_all()
            pool = multiprocessing.get_context("fork").Pool(workers, initializer=_init_worker)
            done = pool.imap_unordered(_load_in_worker, tasks)
        else:
            done = map(_load_in_worker, tasks)
        for n, counts in done:
            for key, count in counts.items():
                summary.counts[key] += count
            if progress:
                progress(n, sum(counts.values()))
        if pool:
            pool.close()
            pool.join()  # workers close their connections on the way out
            pool = None
    finally:
        if pool:
            pool.terminate()
            pool.join()
        summary.load_seconds = time.perf_counter() - t0
        t1 = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute("SET maintenance_work_mem TO '1GB'")
            # IF NOT EXISTS: a no-op when the index was kept
            for sql in trigram.create_sql(trigram.trgm_schema(cur)):
                cur.execute(sql)
            cur.execute("RESET maintenance_work_mem")
            for _, label, _ in TABLES:
                cur.execute(f"ANALYZE {connection.ops.quote_name(_db_table(label))}")
            cur.execute("ANALYZE dealerships_user")
        summary.index_seconds = time.perf_counter() - t1


def format_summary(summary: Summary) -> str:
    rate = summary.counts["customers"] / summary.elapsed if summary.elapsed else 0
    rows = summary.rows
    lines = [
        f"Simulated on {summary.vendor}: "
        f"{summary.dealerships:,} dealerships, {summary.staff:,} staff",
        *(f"  {key:12} {count:>12,}" for key, count in summary.counts.items()),
        f"  {'rows':12} {rows:>12,}",
        f"Elapsed {timedelta(seconds=round(summary.elapsed))} ({summary.elapsed:,.1f} s): "
        f"load {summary.load_seconds:,.1f} s, index + analyze {summary.index_seconds:,.1f} s; "
        f"{rate:,.0f} customers/s, {rows / summary.elapsed if summary.elapsed else 0:,.0f} rows/s"
        + (f", {summary.workers} worker processes" if summary.workers else ""),
        f"Foreign keys checked {summary.fk_checks}.",
    ]
    return "\n".join(lines)
