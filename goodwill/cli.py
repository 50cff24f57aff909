"""The `goodwill` command: Django's management commands under one name.

`goodwill demo`, `goodwill serve`, `goodwill token`, `goodwill simulate` and every
stock command (`goodwill migrate`, `goodwill createsuperuser`) go through here.

Two database roles on PostgreSQL (README, "Deploying"; core/storewall.py): the owner of the
tables runs what changes their shape or bypasses row-level security — `migrate`, `flush`,
`simulate` (COPY), `backup`, `restore` — and connects with DATABASE_OWNER_URL when it is set;
everything else connects with DATABASE_URL, the application's role. `serve` and `worker` act
for one store per request or job; every other operator command (`setup`, `token`, `import`,
`export`, `dedupe` …) is no store's staff and names its store in its arguments, so it acts
across stores (PGOPTIONS, for this process only)."""

import os
import sys

from django.core.management import execute_from_command_line

OWNER_COMMANDS = frozenset({"migrate", "flush", "simulate", "backup", "restore"})
# Per request / per job (their own scopes), or the demo, which scopes its seeding itself
# and serves and starts its worker as the application.
SCOPED_COMMANDS = frozenset({"serve", "worker", "demo", "runserver"})
ALL_STORES_OPTION = "-c goodwill.all_stores=on"


def database_environment(command: str, environ) -> dict:
    """The environment changes for `command`: the owner's URL, or acting across stores."""
    changes = {}
    owner = environ.get("DATABASE_OWNER_URL")
    if command in OWNER_COMMANDS and owner:
        changes["DATABASE_URL"] = owner
    if command not in SCOPED_COMMANDS:
        options = environ.get("PGOPTIONS", "")
        if ALL_STORES_OPTION not in options:
            changes["PGOPTIONS"] = f"{options} {ALL_STORES_OPTION}".strip()
    return changes


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "goodwill.settings")
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    os.environ.update(database_environment(command, os.environ))
    execute_from_command_line(["goodwill", *sys.argv[1:]])


if __name__ == "__main__":
    main()
