"""`goodwill setup`: create a store and its first dealer admin on an empty installation
(migrating the database first). Interactive by default; every answer can be a flag for
scripts (`--no-input` then fails with a message per missing or wrong field and creates
nothing). `--add` adds another store to an installation that has one.

    goodwill setup --name "Capital City Ford" --makes Ford,Lincoln --zip 78701 \\
        --admin-username dana --admin-email dana@example.com --no-input
    (the password from GOODWILL_ADMIN_PASSWORD, or --admin-password)"""

import getpass
import os

from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from goodwill.dealerships import actions
from goodwill.dealerships.models import Dealership
from goodwill.dealerships.places import lookup_zip

# (action argument, flag, question)
QUESTIONS = [
    ("name", "name", "Store name"),
    ("makes", "makes", "Makes sold (comma-separated, e.g. Ford, Lincoln)"),
    ("street", "street", "Street address (optional)"),
    ("postal_code", "zip", "ZIP code"),
    ("time_zone", "time_zone", "Time zone"),
    ("admin_first_name", "admin_first_name", "Admin's first name (optional)"),
    ("admin_last_name", "admin_last_name", "Admin's last name (optional)"),
    ("admin_username", "admin_username", "Admin's username"),
    ("admin_email", "admin_email", "Admin's email (for password resets)"),
    ("admin_password", "admin_password", "Admin's password"),
]
OPTIONAL = {"street", "admin_first_name", "admin_last_name", "time_zone"}


class Command(BaseCommand):
    help = "Create a store and its first dealer admin (interactive, or with flags)."

    def add_arguments(self, parser):
        for _, flag, question in QUESTIONS:
            parser.add_argument(f"--{flag.replace('_', '-')}", dest=flag, help=question)
        parser.add_argument(
            "--add", action="store_true", help="Add another store to this installation."
        )
        parser.add_argument(
            "--no-input", action="store_false", dest="interactive", help="Ask nothing."
        )

    def handle(self, *args, add=False, interactive=True, **options):
        call_command("migrate", interactive=False, verbosity=0)
        existing = Dealership.objects.count()
        if existing and not add:
            raise CommandError(
                f"This installation already has {existing} store(s). "
                "Use `goodwill setup --add` to add another one."
            )
        answers = {arg: (options.get(flag) or "") for arg, flag, _ in QUESTIONS}
        answers["admin_password"] = answers["admin_password"] or os.environ.get(
            "GOODWILL_ADMIN_PASSWORD", ""
        )
        ask = {arg for arg, value in answers.items() if not value and arg != "time_zone"}
        while True:
            if interactive:
                self._ask(answers, ask)
            try:
                store, admin = actions.setup_store(**answers, via="goodwill setup")
            except ValidationError as exc:
                problems = exc.message_dict
                for field, messages in problems.items():
                    label = next((q for a, _, q in QUESTIONS if a == field), field)
                    for message in messages:
                        self.stderr.write(f"{label}: {message}")
                if not interactive:
                    raise CommandError("Nothing was created.") from None
                ask = set(problems) & {a for a, _, _ in QUESTIONS}
                for field in ask:
                    answers[field] = ""
                continue
            break
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {store.name} ({store.city}, {store.region} {store.postal_code}, "
                f"{store.time_zone}) and its dealer admin “{admin.username}”."
            )
        )
        self.stdout.write(
            "Next: `goodwill serve`, sign in, set up two-step sign-in, then invite your staff."
        )

    def _ask(self, answers, fields):
        for arg, _, question in QUESTIONS:
            if arg not in fields:
                continue
            if arg == "admin_password":
                answers[arg] = getpass.getpass(f"{question}: ")
                continue
            default = ""
            if arg == "time_zone":
                place = lookup_zip(answers.get("postal_code", ""))
                default = answers.get(arg) or (place.time_zone if place else "")
            prompt = f"{question}{f' [{default}]' if default else ''}: "
            value = input(prompt).strip() or default
            while not value and arg not in OPTIONAL:
                value = input(prompt).strip()
            answers[arg] = value
