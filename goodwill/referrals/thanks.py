"""Thank-yous that reach people: a note goes to the person thanked, and the log says how.

- A person on Goodwill (the salesperson or pro who sent the business, maybe at another
  store) gets it in Goodwill: their referrals inbox and My day show it until they read it,
  and a short email says it is there.
- An outside pro (not on Goodwill) gets it at their business email, or as a letter.
- A customer, friend or partner of the store gets it by email, only when
  `outreach.record_ask` allows it (email consent, asks held, the weekly contact cap, quiet
  hours), or as a printed letter from the print-ready page; the letter is logged as an ask
  on the channel "letter" through the same rules (a postal address on file).

The task (`ThankYou`) records the method, the referral's history says "Thank-you note
emailed / printed / sent in Goodwill to …", and a customer's history and ask log show it."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from goodwill.customers.actions import record_event
from goodwill.customers.models import CustomerEvent
from goodwill.jobs.queue import enqueue
from goodwill.outreach.actions import AskRefused, record_ask
from goodwill.outreach.models import Ask
from goodwill.referrals.emails import thank_you_email_job
from goodwill.referrals.models import ReferralEvent, ThankYou

M = ThankYou.Method

# What the referral's history says for each method.
LOG_WORDS = {
    M.GOODWILL: "sent in Goodwill to",
    M.EMAIL: "emailed to",
    M.LETTER: "printed as a letter to",
}


def methods_for(task: ThankYou) -> list[str]:
    """How this note can reach its person: in Goodwill for someone on it, by email for a
    customer (the outreach rules decide at sending), a letter for anyone."""
    if task.to_user_id:
        return [M.GOODWILL, M.LETTER]
    if task.to_customer_id or task.to_pro_id:
        return [M.EMAIL, M.LETTER]
    return [M.LETTER]


def ask_key(task: ThankYou) -> str:
    return f"thank-you:{task.public_id}"


def check_can_send(task: ThankYou, user) -> None:
    if user.dealership_id != task.dealership_id:
        raise PermissionDenied("Not your store's thank-you.")
    if task.assigned_to_id not in (None, user.pk) and not user.is_manager:
        raise PermissionDenied("Only the person it is assigned to or a manager sends it.")


@transaction.atomic
def send_thank_you(
    task: ThankYou, *, method: str, acting_user, message: str = "", at=None, notify=True
) -> ThankYou:
    """Send the note by `method` (see `methods_for`). Raises ValidationError with the reason
    when it cannot go (no consent, no address, a cap, quiet hours: `outreach` decides),
    leaving the task open and the edited message unsaved. A note already sent is returned
    as it is: sending twice sends nothing twice. `notify=False` (demo history) queues no
    email; everything else is recorded the same."""
    check_can_send(task, acting_user)
    task = (
        ThankYou.objects.select_for_update(of=("self",))
        .select_related("referral", "to_customer", "to_user", "to_pro")
        .get(pk=task.pk)
    )
    if task.status == ThankYou.Status.DONE:
        return task
    if method not in methods_for(task):
        allowed = ", ".join(ThankYou.Method(m).label.lower() for m in methods_for(task))
        raise ValidationError({"method": [f"This note can go: {allowed}."]})
    at = at or timezone.now()
    whom = task.to_customer or task.to_user or task.to_pro
    customer = task.to_customer
    if method == M.EMAIL and task.to_pro_id and not task.to_pro.email:
        raise ValidationError({"method": [f"No email address on file for {task.to_pro.name}."]})
    if customer is not None:
        channel = Ask.Channel.EMAIL if method == M.EMAIL else Ask.Channel.LETTER
        try:
            record_ask(
                customer,
                Ask.Kind.MESSAGE,
                channel,
                by=acting_user,
                at=at,
                key=ask_key(task),
                source=f"Thank-you for referring {task.referral.shared_name}",
            )
        except AskRefused as refused:
            raise ValidationError({"method": [refused.decision.reason]}) from refused
    task.status, task.done_at, task.done_by, task.method = (
        ThankYou.Status.DONE,
        at,
        acting_user,
        method,
    )
    message = message.replace("\r\n", "\n").strip()  # a textarea sends CRLF
    if message:
        task.message = message[:2000]
    task.save(update_fields=["status", "done_at", "done_by", "method", "message"])
    ReferralEvent.objects.create(
        dealership_id=task.referral.dealership_id,
        referral=task.referral,
        actor=acting_user,
        actor_store_id=acting_user.dealership_id,
        at=at,
        verb="thanked",
        note=f"Thank-you note {LOG_WORDS[method]} {task.thank_whom}"[:500],
    )
    if customer is not None:
        record_event(
            customer,
            CustomerEvent.Verb.THANK_YOU_SENT,
            actor=acting_user,
            at=at,
            subject=ThankYou.Method(method).label,
            changes={"note": ["", task.message[:300]]},
            reason=f"For referring {task.referral.shared_name} ({task.referral.interest})"[:300],
        )
    if notify and (method == M.EMAIL or (method == M.GOODWILL and whom.email)):
        # An outside pro's business address needs no consent (as the referral lead itself).
        enqueue(
            thank_you_email_job,
            dealership=task.dealership,
            user=acting_user,
            title=f"Thank-you to {task.thank_whom}"[:200],
            thank_you_id=task.pk,
        )
    return task


def received_by(user):
    """Notes sent to `user` in Goodwill, newest first (from any store: the thanked person
    reads what was written to them, nothing else of the other store)."""
    return (
        ThankYou.objects.filter(to_user=user, status=ThankYou.Status.DONE)
        .select_related("dealership", "done_by", "referral")
        .order_by("-done_at", "-id")
    )


def on_my_day(user):
    """Notes I am to write (at my store) and notes written to me that I have not read, in
    one query: My day pins its query count."""
    return (
        ThankYou.objects.filter(
            Q(dealership_id=user.dealership_id, assigned_to=user, status=ThankYou.Status.OPEN)
            | Q(to_user=user, status=ThankYou.Status.DONE, seen_at__isnull=True)
        )
        .select_related("dealership", "done_by", "referral")
        .order_by("created_at", "id")
    )


def unread_for(user):
    return received_by(user).filter(seen_at__isnull=True)


@transaction.atomic
def mark_read(task: ThankYou, *, user) -> ThankYou:
    """The thanked person opened the note: it leaves their My day."""
    if task.to_user_id != user.pk:
        raise PermissionDenied("Only the person thanked marks it read.")
    ThankYou.objects.filter(pk=task.pk, seen_at__isnull=True).update(seen_at=timezone.now())
    task.refresh_from_db(fields=["seen_at"])
    return task
