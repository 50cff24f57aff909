"""Who takes the next up: a fair round robin over the people on the floor, with the rules
the store sets. Pure reads; the writes that move people in line are in actions.py."""

from dataclasses import dataclass

from goodwill.floor import signals
from goodwill.floor.models import ClockIn, FloorSettings, TurnOver, Up


@dataclass
class Place:
    """One salesperson's place in line and why they would be passed over (empty if not)."""

    clock_in: ClockIn
    passed_because: str = ""
    # Whom the customer they are with was T.O.'d to (the latest T.O. still working), if any.
    handed_to: str = ""

    @property
    def user(self):
        return self.clock_in.user

    @property
    def eligible(self) -> bool:
        return not self.passed_because


def _overdue_owner_ids(dealership, user_ids) -> set[int]:
    """Who among `user_ids` has overdue follow-ups: answered by the apps that own follow-ups
    (fails), which sit above the floor and reply through `signals.overdue_owners`."""
    owners: set[int] = set()
    for _receiver, ids in signals.overdue_owners.send(
        sender=ClockIn, dealership=dealership, user_ids=user_ids
    ):
        owners.update(ids or ())
    return owners


def line(dealership, rules: FloorSettings) -> list[Place]:
    """Everyone clocked in, in line order (two queries, three with the overdue rule, one
    more when someone is with a customer: to whom that customer was T.O.'d)."""
    clock_ins = list(
        ClockIn.objects.for_dealership(dealership)
        .filter(clocked_out_at__isnull=True)
        .select_related("user", "with_up__customer")
        .order_by("queued_at", "id")
    )
    overdue = set()
    if rules.skip_overdue_follow_ups and clock_ins:
        overdue = _overdue_owner_ids(dealership, [c.user_id for c in clock_ins])
    places = []
    for c in clock_ins:
        why = ""
        if not c.user.is_active or c.user.deactivated_at:
            why = "inactive"
        elif c.with_up_id and rules.skip_with_customer:
            why = "with a customer"
        elif c.user_id in overdue:
            why = "overdue follow-ups"
        places.append(Place(c, why))
    ups = [c.with_up_id for c in clock_ins if c.with_up_id]
    if ups:  # one more query, only when someone is with a customer
        handed = {
            t.deal.up_id: t.to_user.display_name
            for t in TurnOver.objects.filter(
                deal__up_id__in=ups, result=TurnOver.Result.PENDING
            ).select_related("to_user", "deal")
        }  # ordered by time: the latest T.O. of each deal wins
        for p in places:
            p.handed_to = handed.get(p.clock_in.with_up_id, "")
    return places


def next_in_line(places: list[Place]):
    return next((p.user for p in places if p.eligible), None)


def who_takes(up: Up, places: list[Place]):
    """The person this up goes to: its designated salesperson (be-back, referral) if they
    are on the floor and active, otherwise whoever is next in line."""
    if up.designated_to_id:
        for p in places:
            if p.user.pk == up.designated_to_id and p.passed_because != "inactive":
                return p.user
    return next_in_line(places)


def assign_waiting(ups: list[Up], places: list[Place], *, cycle: bool = False) -> None:
    """Sets `up.goes_to` on each waiting up the way the line will really run, oldest up first:
    a designated up goes to its salesperson, every other up to the next person in line not
    already taking an earlier one. When everyone free is spoken for, the line starts over if
    `cycle` (the store does not pass people who are with a customer), else nobody is left."""
    free = [p.user for p in places if p.eligible]
    taken: set[int] = set()
    for up in sorted(ups, key=lambda u: (u.logged_at, u.pk)):
        user = who_takes(up, places) if up.designated_to_id else None
        if user is None or user.pk != up.designated_to_id:
            if cycle and free and all(u.pk in taken for u in free):
                taken.clear()
            user = next((u for u in free if u.pk not in taken), None)
        if user is not None:
            taken.add(user.pk)
        up.goes_to = user
