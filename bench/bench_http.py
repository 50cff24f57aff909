"""Goodwill over real HTTP against a bare Django app, same rows, same database server.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gw_perf_1m \\
        .venv/bin/python bench/bench_http.py [--customers 1000000] [--skip-load] \\
        [--rounds 3] [--seconds 5] [--clients 4] [--workers 2] [--only get,list]

Goodwill is started with `goodwill serve` and the bare reference app (`bench/bare/`: one
model shaped like the customer row with its first phone, email and VIN on it, the same
indexes, plain views, no auth) with gunicorn; both get the same worker count (sync workers)
and the same `DATABASE_URL` with `conn_max_age=60`. One load generator (several client
processes, a new connection per request as sync workers close it) drives both with the same
requests, endpoint by endpoint, in interleaved rounds (A B, then B A). Each run prints
requests per second, p50/p99 latency, the app's CPU per request (its gunicorn workers'
user + system time) and the machine's load average; the summary prints, per endpoint, the
median over rounds of Goodwill/bare requests per second.

What the bare app does not do, and Goodwill does, is the point of the ratio: a bearer-token
lookup, store scoping through the user, phones and emails as their own rows (a create
writes four rows: customer, phone, email, history event; the bare create writes one), the
duplicate rule, idempotency, schema-checked input and output, the signed-in session."""

import argparse
import json
import multiprocessing
import os
import random
import signal
import statistics
import subprocess
import sys
import time
import uuid
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import quote

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "goodwill.settings")

import django  # noqa: E402

django.setup()

import phonenumbers  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, Max  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from goodwill.api.models import ApiToken  # noqa: E402
from goodwill.customers.models import (  # noqa: E402
    Customer,
    CustomerEmail,
    CustomerPhone,
    Vehicle,
)
from goodwill.dealerships.models import Dealership, User  # noqa: E402

BENCH = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
ENDPOINTS = (
    "get",
    "list",
    "search_phone",
    "search_name",
    "search_email",
    "search_vin",
    "create",
    "create_idem",
    "page_search",
)
DESCRIBE = {
    "get": "API get one customer",
    "list": "API list 50 customers",
    "search_phone": "API search by phone",
    "search_name": "API search by name fragment",
    "search_email": "API search by email",
    "search_vin": "API search by VIN",
    "create": "API create (no Idempotency-Key)",
    "create_idem": "API create with Idempotency-Key",
    "page_search": "customer list page, name search",
}
CREATES = ("create", "create_idem")


def say(text: str = "") -> None:
    print(text, flush=True)


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, round(p / 100 * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


# --------------------------------------------------------------------------- data


def ensure_data(customers: int, skip_load: bool) -> None:
    call_command("migrate", verbosity=0)
    have = Customer.objects.count()
    if skip_load or have >= customers:
        say(f"Data: {have:,} customers in the database (no load).")
        return
    missing = customers - have
    stores = max(1, round(200 * missing / customers))
    say(f"Data: {have:,} customers; simulating {missing:,} more in {stores} stores…")
    started = time.perf_counter()
    call_command("simulate", dealerships=stores, customers=missing, seed=1, no_progress=True)
    say(f"  loaded in {time.perf_counter() - started:,.0f} s")


def pick_store(slug: str | None) -> Dealership:
    """The named store, or the one whose size is the network's median (a typical store)."""
    if slug:
        return Dealership.objects.get(slug=slug)
    sizes = list(
        Customer.objects.values("dealership_id")
        .annotate(n=Count("id"))
        .order_by("n")
        .values_list("dealership_id", flat=True)
    )
    return Dealership.objects.get(pk=sizes[len(sizes) // 2])


def staff_for(store: Dealership) -> User:
    """A dealer admin (sees every customer of the store), made for the benchmark if none."""
    user = (
        User.objects.filter(dealership=store, is_active=True, role=User.Role.DEALER_ADMIN)
        .order_by("pk")
        .first()
    )
    if user is None:
        user = User.objects.create_user(
            username=f"bench-{store.slug}"[:150],
            password=None,
            dealership=store,
            role=User.Role.DEALER_ADMIN,
        )
    return user


def session_cookie(user: User) -> str:
    """A signed-in session for `user`, as the login view would leave it after the second
    factor: `goodwill simulate` stores require MFA of dealer admins, so the session names a
    confirmed TOTP device of the user's, made for the benchmark (django_otp then counts
    the session as verified, as after a code was typed). MFA is not loosened: without it
    the page answers 302 to /account/mfa/, which `check_answers` refuses."""
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="bench_http", defaults={"confirmed": True}
    )
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def fragments(names: list[str], rng: random.Random, n: int) -> list[str]:
    """Name fragments as typed: four to six letters from inside a last name."""
    out = []
    for name in rng.sample(names, min(n, len(names))):
        name = name.lower()
        size = min(len(name), rng.randint(4, 6))
        start = rng.randint(0, len(name) - size)
        out.append(name[start : start + size])
    return out


def fresh_phones(store: Dealership, rng: random.Random, n: int) -> list[str]:
    """Valid US numbers the store does not have yet (creates must not hit the duplicate
    rule: that is a 409, measured by the API tests, not here)."""
    taken = set(CustomerPhone.objects.filter(dealership=store).values_list("number", flat=True))
    areas = (212, 312, 415, 512, 617, 713, 773, 206, 303, 404, 503, 602, 214, 305, 702)
    out: list[str] = []
    seen = set(taken)
    while len(out) < n:
        raw = f"+1{rng.choice(areas)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
        if raw in seen:
            continue
        seen.add(raw)
        if phonenumbers.is_valid_number(phonenumbers.parse(raw, "US")):
            out.append(raw)
    return out


def build_requests(store: Dealership, token: str, cookie: str, creates: int, seed: int):
    """Per endpoint, the list of (method, path, body, headers) for Goodwill and for bare.
    Creates are listed once each (every body is new); reads are cycled."""
    rng = random.Random(seed)
    ids = list(
        Customer.objects.filter(dealership=store)
        .order_by("?")
        .values_list("public_id", "last_name")[:400]
    )
    phones = list(
        CustomerPhone.objects.filter(dealership=store)
        .order_by("?")
        .values_list("number", flat=True)[:200]
    )
    emails = list(
        CustomerEmail.objects.filter(dealership=store)
        .order_by("?")
        .values_list("address_lower", flat=True)[:200]
    )
    vins = list(
        Vehicle.objects.filter(dealership=store)
        .exclude(vin="")
        .order_by("?")
        .values_list("vin", flat=True)[:200]
    )
    # Only customers the bare table has too (the API creates of earlier runs are not there).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT public_id FROM bench_bare_customer WHERE public_id = ANY(%s)",
            [[pk for pk, _ in ids]],
        )
        in_bare = {row[0] for row in cursor.fetchall()}
    ids = [(pk, last) for pk, last in ids if pk in in_bare]
    names = [last for _, last in ids if len(last) >= 4]
    frags = fragments(names, rng, 200)
    api = {"Authorization": f"Bearer {token}"}
    page = {"Cookie": cookie}
    both = {
        "get": [("GET", f"/api/v1/customers/{pk}", f"/api/customers/{pk}") for pk, _ in ids],
        "list": [("GET", "/api/v1/customers?limit=50", "/api/customers?limit=50")],
        "search_phone": [
            ("GET", f"/api/v1/customers?q={quote(p)}", f"/api/customers?q={quote(p)}")
            for p in phones
        ],
        "search_name": [
            ("GET", f"/api/v1/customers?q={quote(f)}", f"/api/customers?q={quote(f)}")
            for f in frags
        ],
        "search_email": [
            ("GET", f"/api/v1/customers?q={quote(e)}", f"/api/customers?q={quote(e)}")
            for e in emails
        ],
        "search_vin": [("GET", f"/api/v1/customers?q={v}", f"/api/customers?q={v}") for v in vins],
        "page_search": [
            ("GET", f"/customers/?q={quote(f)}", f"/customers/?q={quote(f)}") for f in frags
        ],
    }
    ours: dict[str, list] = {}
    bare: dict[str, list] = {}
    for name, rows in both.items():
        headers = page if name == "page_search" else api
        ours[name] = [(m, p, None, headers) for m, p, _ in rows]
        bare[name] = [(m, b, None, {}) for m, _, b in rows]
    numbers = fresh_phones(store, rng, creates * 4)
    nonce = uuid.uuid4().hex[:10]
    first = ("Ana", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jun")
    last = ("Ortiz", "Nguyen", "Walsh", "Patel", "Kowalski", "Haddad", "Moreau", "Sato")
    for name in CREATES:
        ours[name], bare[name] = [], []
        for app, out in (("gw", ours[name]), ("bare", bare[name])):
            for n in range(creates):
                number = numbers.pop()
                body = {
                    "first_name": rng.choice(first),
                    "last_name": rng.choice(last),
                    "street": f"{rng.randint(1, 9999)} Elm Street",
                    "city": "Springfield",
                    "region": "IL",
                    "postal_code": f"{rng.randint(60000, 62999)}",
                    "relationship": "prospect",
                    "phones": [{"label": "mobile", "number": number}],
                    "emails": [
                        {
                            "label": "personal",
                            "address": f"bench.{nonce}.{app}.{name}.{n}@example.com",
                        }
                    ],
                }
                headers = dict(api) if app == "gw" else {}
                headers["Content-Type"] = "application/json"
                if name == "create_idem":
                    headers["Idempotency-Key"] = f"{nonce}-{app}-{n}"
                path = "/api/v1/customers" if app == "gw" else "/api/customers"
                out.append(("POST", path, json.dumps(body).encode(), headers))
    return ours, bare


# --------------------------------------------------------------------------- servers


class Server:
    def __init__(self, name: str, argv: list[str], port: int, env: dict, cwd: Path):
        self.name, self.port = name, port
        self.log = open(f"/tmp/bench_http_{name}_{port}.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            argv,
            env=env,
            cwd=cwd,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, path: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.name} exited; see {self.log.name}")
            try:
                conn = HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", path)
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                time.sleep(0.3)
        raise SystemExit(f"{self.name} did not answer on port {self.port}")

    def worker_pids(self) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid:
                pids.append(int(entry.name))
        return pids

    def cpu_seconds(self) -> float:
        """User + system time of the gunicorn workers so far."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in self.worker_pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])
        return total / tick

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()


def start_servers(args, store: Dealership) -> tuple[Server, Server]:
    env = dict(os.environ)
    env["GOODWILL_ACCESS_LOG"] = ""
    # The session cookie is signed here: the other checkout (--goodwill-src) would make its
    # own key in its own data directory and refuse it.
    env.setdefault("SECRET_KEY", settings.SECRET_KEY)
    if args.goodwill_src:
        env["PYTHONPATH"] = str(Path(args.goodwill_src).resolve())
    ours = Server(
        "goodwill",
        [
            sys.executable,
            "-m",
            "goodwill.cli",
            "serve",
            "--port",
            str(args.port),
            "--workers",
            str(args.workers),
        ],
        args.port,
        env,
        # `python -m` puts its working directory first on sys.path, before PYTHONPATH: the
        # other checkout must be the working directory, or this one is served.
        Path(args.goodwill_src).resolve() if args.goodwill_src else Path.cwd(),
    )
    bare_env = dict(env, BARE_DEALERSHIP_ID=str(store.pk), DJANGO_SETTINGS_MODULE="bare.settings")
    bare = Server(
        "bare",
        [
            str(VENV_BIN / "gunicorn"),
            "--workers",
            str(args.workers),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{args.port + 1}",
            "--timeout",
            "60",
            "bare.wsgi:application",
        ],
        args.port + 1,
        bare_env,
        BENCH,
    )
    ours.wait_ready("/login/")
    bare.wait_ready("/up")
    return ours, bare


# --------------------------------------------------------------------------- load


def _client(job):
    """One client process: send its requests one after the other until the deadline or the
    end of its list (creates are never repeated). Bounded in count and time."""
    port, requests, start_at, seconds, cycle = job
    while time.time() < start_at:
        time.sleep(0.001)
    deadline = start_at + seconds
    latencies, statuses = [], {}
    i = 0
    while time.time() < deadline:
        if i >= len(requests):
            if not cycle:
                break
            i = 0
        method, path, body, headers = requests[i]
        i += 1
        started = time.perf_counter()
        conn = HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
        except OSError:
            status = 0
        finally:
            conn.close()
        latencies.append((time.perf_counter() - started) * 1000)
        statuses[status] = statuses.get(status, 0) + 1
    return latencies, statuses, time.time() - start_at


def run_one(pool, clients: int, server: Server, requests: list, seconds: float, cycle: bool):
    if cycle:
        shares = [requests[c::clients] or requests for c in range(clients)]
    else:
        shares = [requests[c::clients] for c in range(clients)]
    start_at = time.time() + 0.3
    cpu_before = server.cpu_seconds()
    results = pool.map(
        _client, [(server.port, share, start_at, seconds, cycle) for share in shares]
    )
    cpu = server.cpu_seconds() - cpu_before
    latencies = [lat for lats, _, _ in results for lat in lats]
    statuses: dict[int, int] = {}
    for _, st, _ in results:
        for k, v in st.items():
            statuses[k] = statuses.get(k, 0) + v
    elapsed = max(e for _, _, e in results)
    return {
        "rps": len(latencies) / elapsed if elapsed else 0.0,
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "cpu_ms": 1000 * cpu / len(latencies) if latencies else float("nan"),
        "n": len(latencies),
        "statuses": statuses,
    }


def check_answers(
    endpoints: list[str], ours_requests: dict, ours: Server, bare_requests: dict, bare: Server
) -> None:
    """One request of each kind measured to each app: every answer must be a 2xx, or the
    figures would time error pages (a redirect says where it went)."""
    for name in endpoints:
        for server, reqs in ((ours, ours_requests[name]), (bare, bare_requests[name])):
            method, path, body, headers = reqs[-1] if name in CREATES else reqs[0]
            conn = HTTPConnection("127.0.0.1", server.port, timeout=30)
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read()
            conn.close()
            if not 200 <= response.status < 300:
                where = response.getheader("Location") or ""
                raise SystemExit(
                    f"{server.name} {name}: {method} {path} → {response.status} {where}\n"
                    f"{text[:600]!r}"
                )
        if name in CREATES:  # that body was used: drop it
            ours_requests[name].pop()
            bare_requests[name].pop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--skip-load", action="store_true", help="Use the data as it is.")
    parser.add_argument("--store", help="Slug of the store to use (default: a median one).")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--seconds", type=float, default=5.0, help="Per run (one app, one endpoint)."
    )
    parser.add_argument("--clients", type=int, default=4, help="Client processes.")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers per app.")
    parser.add_argument("--port", type=int, default=18610, help="Goodwill's; bare gets +1.")
    parser.add_argument("--only", default="", help="Comma-separated endpoints.")
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument(
        "--goodwill-src",
        help="Serve the goodwill package of another checkout (put first on PYTHONPATH), "
        "for an A/B run of two versions against the same bare app.",
    )
    args = parser.parse_args()
    endpoints = [e for e in args.only.split(",") if e] or list(ENDPOINTS)
    unknown = set(endpoints) - set(ENDPOINTS)
    if unknown:
        raise SystemExit(f"unknown endpoints: {sorted(unknown)}; known: {', '.join(ENDPOINTS)}")
    if connection.vendor != "postgresql":
        say("Note: not PostgreSQL; the budgets are for PostgreSQL at 1,000,000 customers.")

    ensure_data(args.customers, args.skip_load)
    bare_env = dict(os.environ, DJANGO_SETTINGS_MODULE="bare.settings")
    subprocess.run([sys.executable, "-m", "bare.load"], cwd=BENCH, check=True, env=bare_env)
    store = pick_store(args.store)
    highest = highest_ids()
    user = staff_for(store)
    _, token = ApiToken.issue(user, name="bench_http")
    cookie = session_cookie(user)
    total = Customer.objects.count()
    in_store = Customer.objects.filter(dealership=store).count()
    # Enough new bodies for the fastest plausible create rate (400/s) in every run.
    creates = int(400 * args.seconds * args.rounds) + 10
    ours_requests, bare_requests = build_requests(store, token, cookie, creates, args.seed)
    connection.close()  # the client processes fork from here
    say(
        f"Network: {total:,} customers in {Dealership.objects.count():,} stores; store "
        f"{store.slug} has {in_store:,}. {connection.vendor}, {args.workers} sync workers each, "
        f"{args.clients} client processes, {args.rounds} rounds × {args.seconds:g} s per run."
    )
    say(f"Goodwill served from: {args.goodwill_src or 'this checkout'}")
    say(f"Load average at start: {load_average()}  (cores: {os.cpu_count()})")
    ours, bare = start_servers(args, store)
    results: dict[str, dict[str, list]] = {e: {"gw": [], "bare": []} for e in endpoints}
    try:
        check_answers(endpoints, ours_requests, ours, bare_requests, bare)
        with multiprocessing.get_context("fork").Pool(args.clients) as pool:
            # Warm-up: every worker opens its connection and fills its caches.
            for name in endpoints:
                if name not in CREATES:
                    run_one(pool, args.clients, ours, ours_requests[name], 0.5, True)
                    run_one(pool, args.clients, bare, bare_requests[name], 0.5, True)
            for r in range(args.rounds):
                say(f"\nRound {r + 1}/{args.rounds}   load average {load_average()}")
                for i, name in enumerate(endpoints):
                    order = [("gw", ours), ("bare", bare)]
                    if (r + i) % 2:
                        order.reverse()
                    for app, server in order:
                        reqs = (ours_requests if app == "gw" else bare_requests)[name]
                        cycle = name not in CREATES
                        if not cycle:
                            take = int(400 * args.seconds)
                            batch, reqs[:take] = reqs[:take], []
                            reqs = batch
                        res = run_one(pool, args.clients, server, reqs, args.seconds, cycle)
                        results[name][app].append(res)
                        bad = {k: v for k, v in res["statuses"].items() if not 200 <= k < 300}
                        say(
                            f"  {name:<13} {app:<5} {res['rps']:8.1f} req/s  "
                            f"p50 {res['p50']:7.1f} ms  p99 {res['p99']:7.1f} ms  "
                            f"cpu {res['cpu_ms']:5.2f} ms/req  n={res['n']}"
                            + (f"  NON-2xx {bad}" if bad else "")
                        )
    finally:
        ours.stop()
        bare.stop()
        remove_created(*highest)
    summary(results, endpoints, args)


def highest_ids() -> tuple[int, int]:
    """The last customer id of Goodwill and of the bare table before this run's creates."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM bench_bare_customer")
        bare_max = cursor.fetchone()[0]
    return Customer.objects.aggregate(m=Max("id"))["m"] or 0, bare_max


def remove_created(gw_max: int, bare_max: int) -> None:
    """Delete what this run's creates wrote (customers with their phones, emails and
    history; the bare rows): the next run measures the same store. Before this, each run
    left ~5,000 customers in the store it measured (warren-toyota had grown from 3,975 to
    12,696), so list and name-search figures of later runs read a larger store."""
    deleted, _ = Customer.objects.filter(pk__gt=gw_max).delete()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM bench_bare_customer WHERE id > %s", [bare_max])
        if connection.vendor == "postgresql":
            # A server without autovacuum (this machine's) keeps the dead rows and the GIN
            # indexes' pending entries of every run; each later search would read them
            # (a partial-VIN search read 314 buffers of the name trigram index for 0 rows).
            tables = [m._meta.db_table for m in (Customer, CustomerPhone, CustomerEmail)]
            cursor.execute(f"VACUUM (ANALYZE) {', '.join(tables)}, bench_bare_customer")  # nosec B608 # table names from the models
    connection.close()
    say(f"Removed this run's creates: {deleted:,} Goodwill rows, bare rows above id {bare_max:,}.")


def summary(results: dict, endpoints: list[str], args) -> None:
    say(
        f"\nSummary (median over {args.rounds} rounds; ratio = Goodwill/bare requests per second "
        f"in the same round)   load average at end: {load_average()}"
    )
    header = (
        f"{'endpoint':<34} {'Goodwill r/s':>12} {'bare r/s':>9} {'ratio':>6}   "
        f"{'p50 ms':>13} {'p99 ms':>15}   {'cpu ms/req':>11}"
    )
    say(header)
    say("-" * len(header))
    for name in endpoints:
        gw, bare = results[name]["gw"], results[name]["bare"]
        ratios = [g["rps"] / b["rps"] for g, b in zip(gw, bare, strict=True) if b["rps"]]
        med = statistics.median
        line = (
            f"{DESCRIBE[name]:<34} {med([g['rps'] for g in gw]):12.1f} "
            f"{med([b['rps'] for b in bare]):9.1f} {med(ratios):6.2f}   "
            f"{med([g['p50'] for g in gw]):6.1f}/{med([b['p50'] for b in bare]):<6.1f} "
            f"{med([g['p99'] for g in gw]):7.1f}/{med([b['p99'] for b in bare]):<7.1f}   "
            f"{med([g['cpu_ms'] for g in gw]):5.2f}/{med([b['cpu_ms'] for b in bare]):<5.2f}"
        )
        if name in CREATES:
            line += "  (Goodwill writes 4 rows, bare 1)"
        say(line)
    say("(p50, p99 and cpu columns: Goodwill/bare)")


if __name__ == "__main__":
    main()
