"""Writes of the feedback app: scheduling and sending surveys, answers, the store's survey
settings. Each is one transaction with its history (`CustomerEvent`, `StaffEvent`); every
survey goes out through `outreach.actions.record_ask` (consent, caps, holds, one per key)."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from goodwill.core import storewall
from goodwill.core.contact import normalise_phone
from goodwill.customers.actions import create_customer, record_event, set_consent
from goodwill.customers.models import Customer, CustomerEvent
from goodwill.dealerships.models import StaffEvent, User
from goodwill.feedback import emails, links
from goodwill.feedback.models import (
    Department,
    FeedbackSettings,
    RecoveryTask,
    ReferralLink,
    Survey,
    SurveyResponse,
    category_of,
)
from goodwill.jobs.queue import enqueue
from goodwill.outreach.actions import (
    AskRefused,
    hold_asks,
    record_ask,
    release_asks,
    set_outcome,
)
from goodwill.outreach.models import Ask, AskHold
from goodwill.referrals.actions import send_referral
from goodwill.referrals.models import Referral

SEND_JOB = "feedback.send_survey"  # declared in feedback/jobs.py
# A survey the caps or quiet hours hold back is tried again until this long after the
# visit; later than that the customer would hardly remember it.
RETRY_FOR = timedelta(days=14)


def settings_for(dealership) -> FeedbackSettings:
    """The store's survey settings, created with the defaults on first use."""
    row, _ = FeedbackSettings.objects.get_or_create(
        dealership_id=getattr(dealership, "pk", dealership)
    )
    return row


SETTINGS_FIELDS = ("survey_delay_hours", "survey_valid_days")


@transaction.atomic
def update_settings(dealership, *, acting_user, **values) -> FeedbackSettings:
    """A manager changes the survey delay or the link's life; old → new in the staff
    history."""
    store_id = getattr(dealership, "pk", dealership)
    if not acting_user.is_manager or acting_user.dealership_id != store_id:
        raise PermissionDenied("Only a manager of the store can change the survey settings.")
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"unknown feedback settings: {sorted(unknown)}")
    settings_for(store_id)
    rules = FeedbackSettings.objects.select_for_update().get(dealership_id=store_id)
    changes = {}
    for name, value in values.items():
        old = getattr(rules, name)
        if old != value:
            changes[name] = [str(old), str(value)]
            setattr(rules, name, value)
    if changes:
        rules.full_clean(exclude=["dealership"])
        rules.save(update_fields=list(changes))
        StaffEvent.objects.create(
            dealership_id=store_id,
            user=acting_user,
            actor=acting_user,
            verb="feedback_settings_changed",
            changes=changes,
        )
    return rules


@transaction.atomic
def schedule_survey(
    customer,
    *,
    department: str,
    key: str,
    staff=None,
    at=None,
    subject: str = "",
    queue: bool = True,
) -> Survey:
    """An experience ended: plan its survey for the store's delay later and queue the job
    that sends it (`queue=False`: the caller sends it, as the demo's history does). One
    survey per `key`: reporting the event again returns the first."""
    if department not in Department.values:
        raise ValidationError({"department": [f"Use one of {Department.values}."]})
    if not key:
        raise ValidationError({"key": ["Name the event the survey is for."]})
    at = at or timezone.now()
    store = customer.dealership_id
    existing = Survey.objects.filter(dealership_id=store, event_key=key[:120]).first()
    if existing is not None:
        return existing
    delay = timedelta(hours=settings_for(store).survey_delay_hours)
    try:
        with transaction.atomic():
            survey = Survey.objects.create(
                dealership_id=store,
                customer=customer,
                department=department,
                staff=staff if staff is not None and staff.dealership_id == store else None,
                subject=subject[:120],
                event_key=key[:120],
                event_at=at,
                due_at=at + delay,
            )
    except IntegrityError:  # the same event reported twice at once
        return Survey.objects.get(dealership_id=store, event_key=key[:120])
    if queue:
        _queue(survey)
    return survey


def _queue(survey: Survey) -> None:
    enqueue(
        SEND_JOB,
        dealership=survey.dealership,
        title="Survey email",
        run_after=survey.due_at,
        survey_id=survey.pk,
    )


def send_survey(survey_id: int, *, now=None, notify: bool = True, retry: bool = True) -> str:
    """Send a scheduled survey (the job). The ask policy decides under the customer's lock;
    the ask's key is the survey's event, so a job that runs twice sends one email. Refused
    for a while (caps, quiet hours), it is tried again then; refused for good, it is marked
    not sent with the reason. The email leaves inside the transaction: a mail server that
    is down fails the job, which is retried, and nothing is recorded as sent. The demo's
    history passes `notify=False` (no email) and `retry=False` (refused is not sent)."""
    now = now or timezone.now()
    with transaction.atomic():
        survey = (
            Survey.objects.select_for_update(of=("self",))
            .select_related("customer", "dealership", "staff")
            .get(pk=survey_id)
        )
        if survey.status != Survey.Status.SCHEDULED:
            return survey.status
        customer = survey.customer
        try:
            ask = record_ask(
                customer,
                Ask.Kind.SURVEY,
                Ask.Channel.EMAIL,
                at=now,
                key=f"survey:{survey.event_key}"[:120],
                source=f"Survey after {survey.get_department_display().lower()}"[:120],
            )
        except AskRefused as refused:
            decision = refused.decision
            if retry and decision.retry_at and decision.retry_at <= survey.event_at + RETRY_FOR:
                survey.due_at = decision.retry_at
                survey.status_note = decision.reason[:300]
                survey.save(update_fields=["due_at", "status_note"])
                _queue(survey)
                return "later"
            survey.status, survey.status_note = Survey.Status.NOT_SENT, decision.reason[:300]
            survey.save(update_fields=["status", "status_note"])
            record_event(
                customer,
                CustomerEvent.Verb.SURVEY_NOT_SENT,
                actor=None,
                subject=survey.get_department_display(),
                reason=decision.reason[:300],
            )
            return Survey.Status.NOT_SENT
        if not ask.is_new:  # sent by an earlier run whose bookkeeping was lost
            return "already sent"
        token, survey.token_hash = links.new_token()
        survey.status, survey.status_note = Survey.Status.SENT, ""
        survey.sent_at, survey.ask = now, ask
        valid = timedelta(days=settings_for(survey.dealership_id).survey_valid_days)
        survey.expires_at = now + valid
        survey.save(
            update_fields=["status", "status_note", "sent_at", "ask", "token_hash", "expires_at"]
        )
        record_event(
            customer,
            CustomerEvent.Verb.SURVEY_SENT,
            actor=None,
            subject=survey.get_department_display(),
            changes={"basis": ["", ask.basis]},
        )
        if notify:
            emails.survey_email(survey, token).send()
    return Survey.Status.SENT


def survey_for_token(token: str) -> Survey | None:
    """The survey a link opens, or None (unknown token). Expiry is the caller's answer."""
    if not token or len(token) > 100:
        return None
    return storewall.opened_by_token(
        lambda: (
            Survey.objects.select_related("dealership", "staff", "customer")
            .filter(token_hash=links.hash_token(token), status=Survey.Status.SENT)
            .first()
        ),
        "a survey link names its store by its token",
    )


def link_problem(survey: Survey | None, *, now=None) -> str:
    if survey is None:
        return "This survey link is not valid. Please use the link from your email."
    if survey.expires_at and survey.expires_at <= (now or timezone.now()):
        return "This survey has closed. Thank you all the same — you can always call us."
    return ""


@transaction.atomic
def answer_survey(survey: Survey, *, score, comment: str = "", now=None) -> SurveyResponse:
    """The customer's answer (from the link, or typed in by staff). A second answer updates
    the first and counts it; the ask is marked answered."""
    errors = {}
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = -1
    if not 0 <= score <= 10:
        errors["score"] = ["Pick a number from 0 to 10."]
    comment = (comment or "").strip()
    if len(comment) > 2000:
        errors["comment"] = ["Please keep it under 2,000 characters."]
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    survey = Survey.objects.select_for_update().select_related("customer").get(pk=survey.pk)
    response = SurveyResponse.objects.select_for_update().filter(survey=survey).first()
    old_score = None
    if response is None:
        response = SurveyResponse.objects.create(
            dealership_id=survey.dealership_id,
            survey=survey,
            customer=survey.customer,
            department=survey.department,
            staff_id=survey.staff_id,
            score=score,
            category=category_of(score),
            comment=comment,
            first_answered_at=now,
            answered_at=now,
        )
    else:
        old_score = response.score
        response.score, response.category = score, category_of(score)
        response.comment, response.answered_at = comment, now
        response.times_answered += 1
        response.save(
            update_fields=["score", "category", "comment", "answered_at", "times_answered"]
        )
    if survey.ask_id:
        set_outcome(Ask(pk=survey.ask_id), Ask.Outcome.ANSWERED, at=now)
    record_event(
        survey.customer,
        CustomerEvent.Verb.SURVEY_ANSWERED,
        actor=None,
        at=now,
        subject=f"{score}/10 ({survey.get_department_display().lower()})",
        changes={"score": ["" if old_score is None else str(old_score), str(score)]},
        reason=comment[:300],
    )
    response.changed_from = old_score
    if response.is_detractor:
        recover(response, at=now)
    else:
        # A later answer of 7 or more says otherwise: the customer may be asked again.
        release_asks(
            survey.customer,
            AskHold.Reason.DETRACTOR,
            note=f"A later answer: {score}/10 ({survey.get_department_display().lower()})",
        )
    if response.is_promoter:
        invite_promoter(survey, at=now)
    return response


# --- detractors: recovered by the department's manager, left out of every ask ---------------

MANAGER_OF = {
    Department.SALES: (User.Role.SALES_MANAGER,),
    Department.SERVICE: (User.Role.SERVICE_MANAGER,),
    Department.REFERRAL: (User.Role.SALES_MANAGER,),
}


def manager_for(dealership_id, department: str):
    """The manager of the department involved (the longest-serving active one), else a
    dealer admin, else any manager of the store."""
    staff = User.objects.filter(dealership_id=dealership_id, is_active=True).order_by("pk")
    for roles in (MANAGER_OF.get(department, ()), (User.Role.DEALER_ADMIN,), User.MANAGER_ROLES):
        found = staff.filter(role__in=roles).first()
        if found is not None:
            return found
    return None  # the answer still counts; the task waits for whoever becomes manager


def recover(response: SurveyResponse, *, at=None) -> RecoveryTask:
    """A 0–6 answer: the customer is left out of every ask (a detractor hold) and the
    department's manager gets a recovery task with the comment. A changed answer updates
    the open task; a task already closed stays closed (its outcome is history) and the
    hold is opened again."""
    at = at or timezone.now()
    customer = response.customer
    hold_asks(
        customer,
        AskHold.Reason.DETRACTOR,
        note=f"{response.score}/10: {response.comment}"[:300],
        source=f"survey-response:{response.public_id}",
    )
    task = RecoveryTask.objects.select_for_update().filter(response=response).first()
    if task is None:
        task = RecoveryTask.objects.create(
            dealership_id=response.dealership_id,
            response=response,
            customer=customer,
            department=response.department,
            manager=manager_for(response.dealership_id, response.department),
            score=response.score,
            comment=response.comment,
            opened_at=at,
        )
        record_event(
            customer,
            CustomerEvent.Verb.RECOVERY_OPENED,
            actor=None,
            at=at,
            subject=f"{response.score}/10, for {task.manager or 'the managers'}"[:120],
            reason=response.comment[:300],
        )
    elif task.is_open:
        task.score, task.comment = response.score, response.comment
        task.save(update_fields=["score", "comment"])
    return task


@transaction.atomic
def close_recovery(
    task: RecoveryTask, *, acting_user, action_taken: str, won_back, at=None
) -> RecoveryTask:
    """The manager closes the task: what was done and whether the customer was won back.
    The customer stays out of the asks until they answer a survey with 7 or more."""
    task = RecoveryTask.objects.select_for_update().get(pk=task.pk)
    if not acting_user.is_manager or acting_user.dealership_id != task.dealership_id:
        raise PermissionDenied("Only a manager of the store closes a recovery task.")
    errors = {}
    if not task.is_open:
        errors["__all__"] = ["This recovery task is already closed."]
    action_taken = (action_taken or "").strip()
    if not action_taken:
        errors["action_taken"] = ["Say what was done, so the next person knows."]
    elif len(action_taken) > 2000:
        errors["action_taken"] = ["Please keep it under 2,000 characters."]
    if won_back not in (True, False):
        errors["won_back"] = ["Say whether the customer was won back."]
    if errors:
        raise ValidationError(errors)
    at = at or timezone.now()
    task.status, task.closed_at, task.closed_by = RecoveryTask.Status.CLOSED, at, acting_user
    task.action_taken, task.won_back = action_taken, won_back
    task.save(update_fields=["status", "closed_at", "closed_by", "action_taken", "won_back"])
    record_event(
        Customer.objects.get(pk=task.customer_id),
        CustomerEvent.Verb.RECOVERY_CLOSED,
        actor=acting_user,
        at=at,
        subject="Won back" if won_back else "Not won back",
        changes={"status": ["open", "closed"]},
        reason=action_taken[:300],
    )
    return task


# --- promoters: invited once, with their own referral link ----------------------------------

REFERRAL_LINK_DAYS = 365
# Friends one referral link (or one survey's "introduce a friend") may bring in a day: enough
# for a happy customer's group chat, not for a script.
ARRIVALS_PER_DAY = 5


def invitation_key(survey: Survey) -> str:
    return f"invite:{survey.event_key}"[:120]


def invite_promoter(survey: Survey, *, at=None) -> ReferralLink | None:
    """A 9–10 answer: the thank-you page invites the customer to refer, with their own link.
    The invitation is an ask (kind referral invitation, on the page): the policy decides
    (never while asks are on hold, one invitation per `referral_invite_days`), and the
    survey's key makes it one invitation however often the answer is changed. Returns the
    link, or None when the policy says no."""
    try:
        record_ask(
            survey.customer,
            Ask.Kind.REFERRAL_INVITE,
            Ask.Channel.WEB,
            at=at,
            key=invitation_key(survey),
            source="Survey thank-you page (promoter)",
        )
    except AskRefused:
        return None
    return referral_link_for(survey.customer, staff=survey.staff, survey=survey, at=at)


def invitation_for(survey: Survey) -> ReferralLink | None:
    """The link this survey's thank-you page shows: only when its invitation was logged."""
    invited = Ask.objects.filter(
        dealership_id=survey.dealership_id, key=invitation_key(survey)
    ).exists()
    if not invited:
        return None
    return ReferralLink.objects.filter(
        dealership_id=survey.dealership_id, customer_id=survey.customer_id
    ).first()


@transaction.atomic
def referral_link_for(customer, *, staff=None, survey=None, at=None) -> ReferralLink:
    """The customer's own referral link: made on first use, renewed when it ran out."""
    at = at or timezone.now()
    link = (
        ReferralLink.objects.select_for_update()
        .filter(dealership_id=customer.dealership_id, customer=customer)
        .first()
    )
    if link is not None and link.expires_at > at:
        return link
    salt = links.new_salt()
    values = {
        "salt": salt,
        "token_hash": links.hash_token(links.derived_token(salt)),
        "created_at": at,
        "expires_at": at + timedelta(days=REFERRAL_LINK_DAYS),
        "staff": staff,
        "survey": survey,
    }
    if link is None:
        return ReferralLink.objects.create(
            dealership_id=customer.dealership_id, customer=customer, **values
        )
    for name, value in values.items():
        setattr(link, name, value)
    link.save(update_fields=list(values))
    return link


def referral_link_for_token(token: str) -> ReferralLink | None:
    if not token or len(token) > 100:
        return None
    return storewall.opened_by_token(
        lambda: (
            ReferralLink.objects.select_related("customer", "dealership", "staff")
            .filter(token_hash=links.hash_token(token), expires_at__gt=timezone.now())
            .first()
        ),
        "a promoter's referral link names its store by its token",
    )


def _receiver(link: ReferralLink):
    """Who a friend's referral goes to: the staff member the survey named, else the
    customer's salesperson, else a sales manager, else a dealer admin (all active)."""
    staff = User.objects.filter(dealership_id=link.dealership_id, is_active=True)
    for pk in (link.staff_id, link.customer.salesperson_id):
        if pk and (found := staff.filter(pk=pk).first()):
            return found
    for role in (User.Role.SALES_MANAGER, User.Role.DEALER_ADMIN):
        if found := staff.filter(role=role).order_by("pk").first():
            return found
    raise ValidationError("This store has nobody to receive the referral.")


@transaction.atomic
def refer_friend(
    link: ReferralLink,
    *,
    first_name: str,
    last_name: str = "",
    phone: str = "",
    email: str = "",
    interest: str = "",
    consent: bool,
    consent_wording: str,
    by_promoter: bool,
    at=None,
    notify: bool = True,
) -> Referral:
    """Someone arrives through a promoter's link (the friend fills in the form) or the
    promoter introduces a friend from the thank-you page. The friend becomes a customer
    (or is found by phone or email), their consent is recorded with the words they saw,
    and an internal referral credited to the promoter is sent as *earned* (source "card or
    link") to the staff member the survey named."""
    at = at or timezone.now()
    link = ReferralLink.objects.select_for_update().select_related("customer").get(pk=link.pk)
    store = link.customer.dealership
    errors = {}
    first_name, last_name = (first_name or "").strip(), (last_name or "").strip()
    email = (email or "").strip()
    if not first_name:
        errors["first_name"] = ["Your friend's first name, please."]
    number = ""
    if phone and phone.strip():
        try:
            number = normalise_phone(phone, store.phone_region)
        except ValidationError as exc:
            errors["phone"] = exc.messages
    if not number and not email and "phone" not in errors:
        errors["phone"] = ["A phone number or an email, so we can reach them."]
    if not consent:
        errors["consent"] = ["We only contact people who agreed to it."]
    recent = Referral.objects.filter(
        dealership_id=store.pk,
        referrer_customer=link.customer,
        source=Referral.Source.CARD,
        sent_at__gte=at - timedelta(days=1),
    ).count()
    if recent >= ARRIVALS_PER_DAY:
        errors["__all__"] = ["That is plenty for today — thank you! Try again tomorrow."]
    if errors:
        raise ValidationError(errors)
    promoter = link.customer
    receiver = _receiver(link)
    friend = Customer.objects.with_contact(store, phone=number, email=email)
    if friend is None:
        friend = create_customer(
            store,
            acting_user=None,
            phones={"mobile": number} if number else None,
            emails={"personal": email} if email else None,
            confirm_new=True,
            reason=f"Introduced by {promoter.display_name} (referral link)",
            first_name=first_name[:80],
            last_name=last_name[:80],
            relationship=Customer.Relationship.PROSPECT,
            salesperson=receiver if receiver.role in User.SALES_ROLES else None,
        )
        # Consent only for a person we did not know: an open form never changes what a
        # customer of the store told us.
        for channel, given in (("email", bool(email)), ("text", bool(number))):
            if given:
                set_consent(
                    friend,
                    channel,
                    granted=True,
                    method="web",
                    acting_user=None,
                    wording=consent_wording[:500],
                    at=at,
                )
    how = "introduced by" if by_promoter else "arrived through the referral link of"
    referral = send_referral(
        friend,
        acting_user=receiver,
        interest=(interest or "").strip()[:300] or "Referred by a friend",
        to_user=receiver,
        source=Referral.Source.CARD,
        referrer_kind=Referral.Referrer.CUSTOMER,
        referrer_customer=promoter,
        note=f"{friend.first_name} {how} {promoter.display_name}.",
        at=at,
        notify=notify,
    )
    link.arrivals += 1
    link.save(update_fields=["arrivals"])
    record_event(
        promoter,
        CustomerEvent.Verb.FRIEND_INTRODUCED,
        actor=None,
        at=at,
        subject=friend.display_name[:120],
        reason="Through the thank-you page" if by_promoter else "Through their referral link",
    )
    return referral
