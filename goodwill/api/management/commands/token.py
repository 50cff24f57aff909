"""`goodwill token USERNAME`: issue an API token and print it (shown only once);
`--revoke` ends every token of USERNAME at once."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from goodwill.api.models import ApiToken
from goodwill.dealerships.models import User
from goodwill.dealerships.signals import audited


class Command(BaseCommand):
    help = "Print a new API token for USERNAME."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="cli")
        parser.add_argument(
            "--revoke", action="store_true", help="Revoke all of USERNAME's tokens instead."
        )

    def handle(self, *args, username, name, revoke=False, **options):
        if revoke:
            user = User.objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"No user named “{username}”.")
            with transaction.atomic():  # the tokens end with their audit entry, or not at all
                count = ApiToken.revoke_all(user)
                audited.send(
                    sender=ApiToken,
                    actor=None,
                    verb="token_revoked",
                    dealership=user.dealership_id,
                    detail={"owner": username, "tokens": count, "by": "goodwill token --revoke"},
                )
            self.stdout.write(f"Revoked {count} token(s) of {username}.")
            return
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named “{username}”.")
        if user.dealership_id is None:
            raise CommandError(
                f"“{username}” does not belong to a dealership; API tokens are per store."
            )
        with transaction.atomic():
            row, token = ApiToken.issue(user, name=name)
            audited.send(
                sender=ApiToken,
                actor=None,
                verb="token_created",
                obj=row,
                dealership=user.dealership_id,
                detail={"owner": username, "by": "goodwill token"},
            )
        self.stdout.write(token)
