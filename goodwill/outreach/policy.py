"""May we ask? The one decision every sender asks before a survey, an invitation, a review
request, a follow-up, a text or an email goes to a customer.

    decision = may_ask(customer, Ask.Kind.SURVEY, Ask.Channel.EMAIL)
    if decision: ...            # truthy when allowed
    decision.reason             # a sentence for people, either way
    decision.code               # "ok", "held", "no_consent", "no_address", "invite_cap",
                                # "weekly_cap", "quiet_hours"
    decision.retry_at           # when a cap or the quiet hours will allow it (else None)

The checks, in order: asks on hold (never a detractor), consent for the channel, an address
to reach the customer, the referral-invitation cap, the weekly cap, the quiet hours in the
store's time zone. Reading only: `actions.record_ask` repeats the decision under a lock and
logs the ask."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import formats, timezone

from goodwill.customers.models import Consent
from goodwill.outreach.models import Ask, AskHold, OutreachSettings

WEEK = timedelta(days=7)
# Channels that need the customer's consent, and the consent that covers each.
CONSENT_FOR = {
    Ask.Channel.EMAIL: Consent.Channel.EMAIL,
    Ask.Channel.TEXT: Consent.Channel.TEXT,
    Ask.Channel.PHONE: Consent.Channel.PHONE,
}
# Channels the quiet hours apply to (a letter or a word in the showroom never wakes anyone).
QUIET_CHANNELS = frozenset({Ask.Channel.EMAIL, Ask.Channel.TEXT, Ask.Channel.PHONE})


@dataclass(frozen=True)
class Decision:
    """The answer of `may_ask`: truthy when the ask may go out."""

    allowed: bool
    reason: str
    code: str = "ok"
    retry_at: datetime | None = None
    basis: str = ""

    def __bool__(self) -> bool:
        return self.allowed


def store_zone(dealership) -> ZoneInfo:
    """The store's time zone (`Dealership.time_zone`); the installation's `TIME_ZONE` when
    there is no store (or a store id only)."""
    return ZoneInfo(getattr(dealership, "time_zone", "") or settings.TIME_ZONE)


def settings_for(dealership) -> OutreachSettings:
    """The store's settings row, created with the defaults on first use."""
    row, _ = OutreachSettings.objects.get_or_create(
        dealership_id=getattr(dealership, "pk", dealership)
    )
    return row


def consented_channels(customer) -> set[str]:
    """Consent channels (email, text, phone, share) the customer currently agrees to."""
    return set(
        Consent.objects.filter(customer=customer, granted=True).values_list("channel", flat=True)
    )


def open_holds(customer):
    return AskHold.objects.filter(
        dealership_id=customer.dealership_id, customer=customer, ended_at__isnull=True
    )


def is_held(customer) -> bool:
    return open_holds(customer).exists()


def counted_since(customer, since: datetime, *, kind: str | None = None) -> list[datetime]:
    """Times of the asks the caps count for this customer after `since`, oldest first."""
    rows = (
        Ask.objects.for_dealership(customer.dealership_id)
        .counted()
        .filter(customer=customer, at__gt=since)
    )
    if kind:
        rows = rows.filter(kind=kind)
    return list(rows.order_by("at", "id").values_list("at", flat=True))


def _when(at: datetime, zone: ZoneInfo) -> str:
    local = at.astimezone(zone)
    return f"{formats.date_format(local, 'D M j')}, {formats.time_format(local, 'g:i A')}"


def quiet_end(at: datetime, rules: OutreachSettings, zone: ZoneInfo) -> datetime | None:
    """The end of the quiet hours `at` falls in, or None when `at` is outside them."""
    start, end = rules.quiet_from, rules.quiet_until
    if start == end:
        return None
    local = at.astimezone(zone)
    now = local.time()
    quiet = (start <= now < end) if start < end else (now >= start or now < end)
    if not quiet:
        return None
    day = local.date() if now < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone)


def may_ask(customer, kind: str, channel: str, *, at: datetime | None = None) -> Decision:
    """May this ask (or message) go to this customer now (or at `at`)? Reads only."""
    kind, channel = Ask.Kind(kind), Ask.Channel(channel)
    at = at or timezone.now()
    zone = store_zone(customer.dealership)
    rules = settings_for(customer.dealership_id)
    name = customer.first_name or customer.display_name

    if kind in Ask.ASKING:
        hold = open_holds(customer).order_by("started_at", "id").first()
        if hold is not None:
            return Decision(
                False,
                f"Do not ask {name}: {hold.get_reason_display().lower()} "
                f"(since {formats.date_format(hold.started_at.astimezone(zone), 'M j, Y')}).",
                "held",
            )

    basis = ""
    needed = CONSENT_FOR.get(channel)
    if needed is not None:
        consent = Consent.objects.filter(customer=customer, channel=needed).first()
        if consent is None or not consent.granted:
            state = "withdrew" if consent is not None else "has not given"
            return Decision(
                False,
                f"{name} {state} consent to be contacted by {channel.label.lower()}.",
                "no_consent",
            )
        basis = (
            f"{needed.label.lower()} consent given "
            f"{formats.date_format(consent.recorded_at.astimezone(zone), 'M j, Y')} "
            f"({consent.get_method_display().lower()})"
        )
    address = {
        Ask.Channel.EMAIL: customer.primary_email,
        Ask.Channel.TEXT: customer.primary_phone,
        Ask.Channel.PHONE: customer.primary_phone,
        Ask.Channel.LETTER: customer.street and customer.postal_code,
    }.get(channel, "in person")
    if not address:
        what = {"email": "email address", "letter": "postal address"}.get(channel, "phone number")
        return Decision(False, f"No {what} on file for {name}.", "no_address")

    if kind == Ask.Kind.REFERRAL_INVITE:
        window = timedelta(days=rules.referral_invite_days)
        invites = counted_since(customer, at - window, kind=kind)
        if invites:
            free = invites[0] + window
            return Decision(
                False,
                f"{name} was invited to refer on "
                f"{formats.date_format(invites[0].astimezone(zone), 'M j, Y')}; at most one "
                f"invitation every {rules.referral_invite_days} days "
                f"(next after {_when(free, zone)}).",
                "invite_cap",
                _outside_quiet(free, rules, zone, channel),
            )

    counted = kind != Ask.Kind.REPLY
    if counted:
        recent = counted_since(customer, at - WEEK)
        if len(recent) >= rules.asks_per_week:
            free = recent[len(recent) - rules.asks_per_week] + WEEK
            return Decision(
                False,
                f"{name} was already contacted {len(recent)} "
                f"time{'s' if len(recent) != 1 else ''} in the last 7 days "
                f"(at most {rules.asks_per_week}); next after {_when(free, zone)}.",
                "weekly_cap",
                _outside_quiet(free, rules, zone, channel),
            )

    if channel in QUIET_CHANNELS and kind != Ask.Kind.REPLY:
        end = quiet_end(at, rules, zone)
        if end is not None:
            return Decision(
                False,
                f"Quiet hours ({formats.time_format(rules.quiet_from, 'g:i A')} to "
                f"{formats.time_format(rules.quiet_until, 'g:i A')} store time); "
                f"it can go out after {_when(end, zone)}.",
                "quiet_hours",
                end,
            )

    parts = [basis] if basis else []
    if counted:
        parts.append(f"{len(recent) + 1} of {rules.asks_per_week} this week")
    return Decision(True, "Allowed: " + "; ".join(parts or ["in person"]) + ".", "ok", None, basis)


def _outside_quiet(at: datetime, rules, zone, channel) -> datetime:
    if channel in QUIET_CHANNELS:
        return quiet_end(at, rules, zone) or at
    return at


@dataclass(frozen=True)
class Reach:
    """How a list line may reach one customer now (display only: sending still asks
    `may_ask` and `record_ask`). `open` maps each contact channel to its short answer."""

    open: dict[str, Decision]
    this_week: int
    cap: int

    @property
    def cap_text(self) -> str:
        return f"{self.this_week} of {self.cap} contacts this week"


def reach_many(
    dealership, customers, kind: str = Ask.Kind.FOLLOW_UP, *, at: datetime | None = None
):
    """`may_ask` for the call, text and email of many customers of one store in four queries
    (settings, consents, holds, the week's asks), for lists such as My day: {customer_id:
    Reach}. The same checks in the same order; the referral-invitation cap is left to
    `may_ask` (lists do not offer invitations)."""
    customers = list(customers)
    if not customers:
        return {}
    at = at or timezone.now()
    zone, rules = store_zone(dealership), settings_for(dealership)
    ids = [c.pk for c in customers]
    consents = {
        (row.customer_id, row.channel): row
        for row in Consent.objects.filter(dealership_id=dealership.pk, customer_id__in=ids)
    }
    held = set(
        AskHold.objects.filter(
            dealership_id=dealership.pk, customer_id__in=ids, ended_at__isnull=True
        ).values_list("customer_id", flat=True)
    )
    week: dict[int, list[datetime]] = {}
    for customer_id, when in (
        Ask.objects.for_dealership(dealership.pk)
        .counted()
        .filter(customer_id__in=ids, at__gt=at - WEEK)
        .order_by("at", "id")
        .values_list("customer_id", "at")
    ):
        week.setdefault(customer_id, []).append(when)
    quiet = quiet_end(at, rules, zone)
    kind = Ask.Kind(kind)
    answers = {}
    for customer in customers:
        name = customer.first_name or customer.display_name
        recent = week.get(customer.pk, [])
        per_channel = {}
        for channel in (Ask.Channel.PHONE, Ask.Channel.TEXT, Ask.Channel.EMAIL):
            consent = consents.get((customer.pk, CONSENT_FOR[channel]))
            address = (
                customer.primary_email if channel == Ask.Channel.EMAIL else (customer.primary_phone)
            )
            if kind in Ask.ASKING and customer.pk in held:
                decision = Decision(False, f"Do not ask {name}: asks are on hold.", "held")
            elif consent is None or not consent.granted:
                state = "withdrew" if consent is not None else "has not given"
                decision = Decision(
                    False, f"{name} {state} consent to {channel.label.lower()}.", "no_consent"
                )
            elif not address:
                decision = Decision(False, f"No address on file for {name}.", "no_address")
            elif kind != Ask.Kind.REPLY and len(recent) >= rules.asks_per_week:
                free = recent[len(recent) - rules.asks_per_week] + WEEK
                decision = Decision(
                    False,
                    f"Contact cap reached ({rules.asks_per_week} a week); next after "
                    f"{_when(free, zone)}.",
                    "weekly_cap",
                    free,
                )
            elif quiet is not None and kind != Ask.Kind.REPLY:
                decision = Decision(
                    False, f"Quiet hours; after {_when(quiet, zone)}.", "quiet_hours", quiet
                )
            else:
                decision = Decision(True, "Allowed.")
            per_channel[channel.value] = decision
        answers[customer.pk] = Reach(per_channel, len(recent), rules.asks_per_week)
    return answers
