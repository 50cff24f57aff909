"""Shared personas (healthchecks' alice/bob style), built through the real actions.

store A = Capital City Ford: alice (salesperson), mike (sales manager), dana (dealer admin)
store B = Hill Country Toyota: bob (salesperson) — the outsider of every tenancy test
store C = Lone Star Honda: carol (the pro at a partner store)
"""

import io
import os
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, connections, transaction
from django.test import TestCase, override_settings
from playwright.sync_api import sync_playwright

from goodwill.customers import actions as customer_actions
from goodwill.dealerships import actions as store_actions

PASSWORD = "correct-horse-battery"

# The personas' stores ask no second factor: the default (dealer admins and managers must
# use one) is tested in `accounts/tests`, and every other test signs in with a password alone.
NO_MFA = {"mfa_required_roles": []}


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """Slow hashing is the point in production and pure waste in tests (Django's advice):
    every persona is a login, and PBKDF2 made each test's setup take a second."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


# --- PostgreSQL: the suite runs as the application's role, under the second wall -----------

APP_ROLE = "goodwill_app"
APP_ROLE_SQL = [
    # Cluster-wide and shared by every xdist worker's database: made once, duplicate-safe.
    f"""DO $$ BEGIN
          CREATE ROLE {APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END $$""",
    f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}",
    f"GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}",
    f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}",
]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """On PostgreSQL the test database is created and migrated by the login of
    DATABASE_URL (the owner: a superuser here, so the installer also marks the name lookups
    LEAKPROOF), then every connection of the session — live-server threads included — runs
    as `goodwill_app`: NOLOGIN, not superuser, not BYPASSRLS, not the tables' owner, with
    the README's grants. PostgreSQL checks grants and row-level security against the current
    role, so this is what a login as the application's role sees (core/storewall.py).

    `goodwill.all_stores=on` is the connection's start-up value: a test's own setup (the
    personas, factories, direct calls of actions) acts for every store, while requests,
    jobs and links set their own store as in production and the wall holds there."""
    if connection.vendor != "postgresql":
        yield
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        for statement in APP_ROLE_SQL:
            cursor.execute(statement)
    options = connection.settings_dict.setdefault("OPTIONS", {})
    options["options"] = f"-c role={APP_ROLE} -c goodwill.all_stores=on"
    connections.close_all()
    yield
    # The owner drops the test database.
    del options["options"]
    connections.close_all()


# --- the demo, seeded once per test session ----------------------------------------------------


@dataclass
class DemoSnapshot:
    """What `goodwill demo` printed and emailed, and every row it wrote (per model)."""

    output: str
    emails_sent: int
    tables: list = field(default_factory=list)  # [(model, fields, rows)]


@pytest.fixture(scope="session")
def demo_snapshot(
    django_db_setup, django_db_blocker, _fast_password_hashing, jobs_run_in_process
) -> DemoSnapshot:
    """Runs the real `goodwill demo` (through every app's actions) once per session, inside
    a transaction that is rolled back, and keeps its rows in memory for `demo` to put back.
    Seeding takes half a minute; putting the rows back, a second or two."""
    with django_db_blocker.unblock(), transaction.atomic():
        out, before = io.StringIO(), len(mail.outbox)
        # The on-commit callbacks the seeding queued run here, as they would after a commit.
        with TestCase.captureOnCommitCallbacks(execute=True):
            call_command("demo", no_serve=True, stdout=out)
        snapshot = DemoSnapshot(output=out.getvalue(), emails_sent=len(mail.outbox) - before)
        for model in apps.get_models(include_auto_created=True):
            if not model.__module__.startswith("goodwill."):
                continue
            fields = model._meta.concrete_fields
            rows = list(model._base_manager.values_list(*(f.attname for f in fields)))
            if rows:
                snapshot.tables.append((model, fields, rows))
        transaction.set_rollback(True)
    return snapshot


@pytest.fixture
def demo(db, demo_snapshot) -> DemoSnapshot:
    """The demo network in this test's database, as `goodwill demo` left it (raw inserts:
    no `save()`, no `auto_now`, the same ids; foreign keys are checked at commit)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model, fields, rows in demo_snapshot.tables:
            columns = ", ".join(quote(f.column) for f in fields)
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(
                f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})",
                [
                    [f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True)]
                    for row in rows
                ],
            )
        models = [model for model, _, _ in demo_snapshot.tables]
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)
    return demo_snapshot


@pytest.fixture(autouse=True, scope="session")
def jobs_run_in_process():
    """Background jobs run in the test's process right after their transaction commits
    (`django_capture_on_commit_callbacks(execute=True)`), or when a test calls
    `goodwill.jobs.testing.run_jobs()`; no worker needed."""
    settings.GOODWILL_JOBS_EAGER = True


@pytest.fixture
def store_a(db):
    return store_actions.create_dealership(
        name="Capital City Ford",
        slug="a-ford",
        makes=["Ford"],
        specialties=["commercial", "upfitted trucks"],
        **NO_MFA,
    )


@pytest.fixture
def store_b(db):
    return store_actions.create_dealership(
        name="Hill Country Toyota", slug="b-toyota", makes=["Toyota"], **NO_MFA
    )


@pytest.fixture
def store_c(db):
    return store_actions.create_dealership(
        name="Lone Star Honda", slug="c-honda", makes=["Honda"], **NO_MFA
    )


def make_staff(store, username, role, **extra):
    first = extra.pop("first_name", username.capitalize())
    return store_actions.create_staff(
        store,
        username=username,
        role=role,
        password=PASSWORD,
        first_name=first,
        last_name="Test",
        **extra,
    )


@pytest.fixture
def alice(store_a):
    return make_staff(store_a, "alice", "sales")


@pytest.fixture
def mike(store_a):
    return make_staff(store_a, "mike", "sales_mgr")


@pytest.fixture
def dana(store_a):
    return make_staff(store_a, "dana", "admin")


@pytest.fixture
def bob(store_b):
    return make_staff(store_b, "bob", "sales")


@pytest.fixture
def carol(store_c):
    return make_staff(store_c, "carol", "sales")


def make_customer(store, actor, **fields):
    phones = fields.pop("phones", {"mobile": "(512) 555-0123"})
    emails = fields.pop("emails", {})
    fields.setdefault("first_name", "Robert")
    fields.setdefault("last_name", "Kowalski")
    # Personas share the default phone; the duplicate rule has tests of its own.
    fields.setdefault("confirm_new", True)
    return customer_actions.create_customer(
        store, acting_user=actor, phones=phones, emails=emails, **fields
    )


@pytest.fixture
def customer(store_a, alice):
    return make_customer(
        store_a, alice, salesperson=alice, emails={"personal": "bob.k@example.com"}
    )


@pytest.fixture
def outsider_customer(store_b, bob):
    return make_customer(
        store_b, bob, first_name="Olivia", last_name="Outsider", phones={"mobile": "(737) 555-0177"}
    )


@pytest.fixture
def client_for(client):
    """`client_for(user)` → the test client signed in as that user."""

    def login(user):
        client.force_login(user)
        return client

    return login


# --- browser tests --------------------------------------------------------------------------
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = __import__("pathlib").Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright (never a downloaded browser). Required in CI
    (GOODWILL_REQUIRE_BROWSER=1); skipped with a message elsewhere when chromium is absent."""

    if not os.path.exists(CHROMIUM):
        if os.environ.get("GOODWILL_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium to run browser tests")
    # Playwright's sync API runs an event loop in this thread; the ORM calls that fixtures
    # make around it are still plain synchronous code.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield chromium
        chromium.close()


# Every page a browser test opens reports what the Content-Security-Policy refused (the
# `securitypolicyviolation` event) and any dialog a script opened; the test fails on either.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__gwReport(`CSP ${e.effectiveDirective} refused ${e.blockedURI || "inline"}`
    + ` in ${e.sourceFile || document.location.pathname}:${e.lineNumber}`);
});
"""


@dataclass
class BrowserReports:
    """What the pages of one test reported: CSP refusals, console errors about CSP, dialogs."""

    csp: list = field(default_factory=list)
    dialogs: list = field(default_factory=list)


@pytest.fixture
def browser_reports():
    return BrowserReports()


@pytest.fixture
def page_at(browser, live_server, browser_reports):
    """`page_at(width)` → a fresh page of that viewport width on the live server, under the
    app's Content-Security-Policy; the test fails if a page broke the policy or a script
    opened a dialog (`browser_reports` lists them for tests that expect some)."""
    contexts = []

    def on_console(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            browser_reports.csp.append(message.text)

    def on_dialog(dialog):
        browser_reports.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def open_page(width=1280, height=900, **context_options):
        """`context_options` go to Playwright's `new_context` (e.g. `device_scale_factor=3`
        for a phone's screen)."""
        context = browser.new_context(
            viewport={"width": width, "height": height},
            base_url=live_server.url,
            **context_options,
        )
        context.set_default_timeout(10_000)
        context.expose_function("__gwReport", lambda text: browser_reports.csp.append(text))
        context.add_init_script(REPORT_VIOLATIONS)
        contexts.append(context)
        page = context.new_page()
        page.on("console", on_console)
        page.on("dialog", on_dialog)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not browser_reports.csp, f"the Content-Security-Policy refused: {browser_reports.csp}"
    assert not browser_reports.dialogs, f"a script opened a dialog: {browser_reports.dialogs}"


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    # A full-page capture stretches the viewport for a moment and Chromium keeps a stale
    # layout at phone widths (clicks then miss). A real resize forces a fresh layout.
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    page.set_viewport_size({"width": width, "height": height + 1})
    page.set_viewport_size({"width": width, "height": height})


def login(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/my-day/")
