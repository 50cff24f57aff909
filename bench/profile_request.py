"""Where one API request's CPU and round trips go: in-process, through the full middleware
stack (Django's own WSGI handler, as gunicorn calls it), for Goodwill or the bare app.

    DATABASE_URL=postgres://…/gw_http_bench .venv/bin/python bench/profile_request.py \\
        [--app goodwill|bare] [--endpoint get] [--n 300] [--profile 40] [--queries]

Prints per endpoint: the CPU of this process per request (`time.process_time`, which leaves
out the database server's own time, so it is the column `bench_http.py` calls "cpu"), the
wall time, the queries of one request (`--queries` lists their SQL), and with `--profile N`
the top functions of a cProfile over N requests (cumulative and own time). The store, user
and token are made as `bench_http.py` makes them; needs the bare table (`python -m bare.load`
from bench/) for `--app bare`."""

# The Django imports are inside functions: the settings (Goodwill's or the bare app's) are
# chosen at run time, and the bare app's run happens in a child process.
# ruff: noqa: PLC0415

import argparse
import cProfile
import io
import os
import pickle
import pstats
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

BENCH = Path(__file__).resolve().parent
ENDPOINTS = ("get", "list", "search_phone", "search_name", "search_email", "search_vin", "create")


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--app", choices=("goodwill", "bare"), default="goodwill")
    parser.add_argument("--endpoint", default=",".join(ENDPOINTS))
    parser.add_argument("--n", type=int, default=300, help="Timed requests per endpoint.")
    parser.add_argument("--profile", type=int, default=0, help="Profile this many requests.")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--queries", action="store_true", help="Print each query's SQL.")
    parser.add_argument("--store", help="Store slug (default: the median store).")
    return parser.parse_args()


def requests_for(args):
    """{endpoint: [(method, path, body, headers)]} for the chosen app, from the same rows
    as bench_http.py (built in the Goodwill settings, then the process may switch)."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "goodwill.settings"
    sys.path.insert(0, str(BENCH))
    import bench_http  # django.setup() with Goodwill's settings

    from goodwill.api.models import ApiToken

    store = bench_http.pick_store(args.store)
    user = bench_http.staff_for(store)
    _, token = ApiToken.issue(user, name="profile_request")
    # Every create is new: enough for the warm-up, the query count, the timing and the profile.
    ours, bare = bench_http.build_requests(store, token, "", args.n + args.profile + 30, seed=11)
    return store, (ours if args.app == "goodwill" else bare)


def environ_for(method: str, path: str, body: bytes | None, headers: dict) -> dict:
    parts = urlsplit(path)
    env = {
        "REQUEST_METHOD": method,
        "PATH_INFO": parts.path,
        "QUERY_STRING": parts.query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "REMOTE_ADDR": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body or b""),
        "wsgi.errors": sys.stderr,
        "CONTENT_LENGTH": str(len(body or b"")),
    }
    for name, value in headers.items():
        if name.lower() == "content-type":
            env["CONTENT_TYPE"] = value
        else:
            env["HTTP_" + name.upper().replace("-", "_")] = value
    return env


def serve(handler, request) -> int:
    status = []
    response = handler(environ_for(*request), lambda s, h, *a: status.append(s))
    try:
        for _ in response:
            pass
    finally:
        response.close()  # request_finished: close_old_connections, as gunicorn does
    return int(status[0].split()[0])


def main() -> None:
    args = parse()
    store, requests = requests_for(args)
    if args.app == "bare":
        # Settings cannot be swapped after setup: the bare app runs in a child process
        # with its own settings, handed the same requests.
        from django.db import connections

        blob = pickle.dumps((args, requests))
        env = dict(
            os.environ, DJANGO_SETTINGS_MODULE="bare.settings", BARE_DEALERSHIP_ID=str(store.pk)
        )
        connections.close_all()
        subprocess.run(
            [sys.executable, __file__, "--child"], input=blob, env=env, cwd=BENCH, check=True
        )
        return
    run(args, requests)


def run(args, requests) -> None:
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    handler = WSGIHandler()
    source = Path(sys.modules[settings.SETTINGS_MODULE.split(".")[0]].__file__).parent
    print(f"{args.app} ({source}): {connection.vendor}, load average {os.getloadavg()[0]:.2f}")
    for name in args.endpoint.split(","):
        reqs = requests[name]

        def pick(i, reqs=reqs, cycle=name != "create"):
            return reqs[i % len(reqs)] if cycle else reqs.pop()

        for i in range(20):  # warm: connection, caches, imports
            status = serve(handler, pick(i))
            if not 200 <= status < 300:
                raise SystemExit(f"{name}: {status}")
        captured = []

        def count(execute, sql, params, many, context, captured=captured):
            captured.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            serve(handler, pick(0))
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for i in range(args.n):
            serve(handler, pick(i))
        cpu = (time.process_time() - cpu0) / args.n * 1000
        wall = (time.perf_counter() - wall0) / args.n * 1000
        print(
            f"{name:<13} cpu {cpu:6.2f} ms/req  wall {wall:6.2f} ms/req  "
            f"queries {len(captured)}  (n={args.n}, load {os.getloadavg()[0]:.2f})"
        )
        if args.queries:
            for sql in captured:
                print(f"    {sql[:400]}")
        if args.profile:
            profiler = cProfile.Profile(time.process_time)  # CPU, not waits on the database
            profiler.enable()
            for i in range(args.profile):
                serve(handler, pick(i))
            profiler.disable()
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            total_calls = stats.total_calls
            print(f"  {total_calls / args.profile:,.0f} Python calls per request")
            if args.top:
                stats.sort_stats("cumulative").print_stats(args.top)
                stats.sort_stats("tottime").print_stats(args.top)
                print(out.getvalue())


def child() -> None:
    args, requests = pickle.loads(sys.stdin.buffer.read())
    import django

    django.setup()
    run(args, requests)


if __name__ == "__main__":
    if sys.argv[1:] == ["--child"]:
        child()
    else:
        main()
