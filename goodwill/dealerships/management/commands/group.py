"""`goodwill group`: put stores of this installation in a dealer group, or list the groups.
The operator's command (a group has no admin of its own): the stores' dealer admins then
see the group's NPS side by side on Surveys → Delight; customers stay each store's own.

    goodwill group "Capital Auto Group" --stores ford,chevy,cdjr
    goodwill group --leave chevy
    goodwill group                      # list the groups and their stores"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from goodwill.dealerships import actions
from goodwill.dealerships.models import DealerGroup, Dealership


class Command(BaseCommand):
    help = "Put stores in a dealer group (their admins see the group's NPS), or list groups."

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", default="", help="The group's name")
        parser.add_argument("--stores", default="", help="Store slugs, comma-separated")
        parser.add_argument("--leave", default="", help="Store slugs to take out of their group")

    def handle(self, *args, name, stores, leave, **options):
        wanted = [s.strip() for s in stores.split(",") if s.strip()]
        leaving = [s.strip() for s in leave.split(",") if s.strip()]
        found = {d.slug: d for d in Dealership.objects.filter(slug__in=wanted + leaving)}
        unknown = sorted(set(wanted + leaving) - set(found))
        if unknown:
            raise CommandError(f"No store with the slug {', '.join(unknown)}.")
        if wanted and not name.strip():
            raise CommandError("Name the group: goodwill group NAME --stores a,b")
        try:
            for slug in wanted:
                actions.set_group(found[slug], name)
            for slug in leaving:
                actions.set_group(found[slug], "")
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        for group in DealerGroup.objects.prefetch_related("stores").order_by("name", "id"):
            members = ", ".join(f"{d.name} ({d.slug})" for d in group.stores.order_by("name", "id"))
            self.stdout.write(f"{group.name}: {members or 'no stores'}")
