"""Every change this app makes: a referral from someone not on Goodwill logged for them,
the private link of a pro not on Goodwill and what they report through it, and the
invitation of a pro to join. One transaction each; the referral steps go through the
referrals app's own actions (`send_referral`, `transition`), the up through the floor's
`log_up`, the new store through `dealerships.setup_store`."""

import hashlib
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from goodwill.core import storewall
from goodwill.core.contact import normalise_phone
from goodwill.core.links import site_url
from goodwill.customers import duplicates as duplicate_rule
from goodwill.customers.actions import create_customer, set_consent
from goodwill.customers.models import Consent, Customer
from goodwill.dealerships.actions import setup_store
from goodwill.dealerships.models import Dealership
from goodwill.feedback import links
from goodwill.floor.actions import log_up
from goodwill.network import actions as network_actions
from goodwill.network.models import NetworkEvent, Pro
from goodwill.outside.models import ProInvitation, ProLink
from goodwill.referrals import actions as referral_actions
from goodwill.referrals.models import Referral, ReferralEvent

# A pro's link works this long: a referral can take weeks to become a sale.
LINK_DAYS = 60
# Invitations to join: how long the link works, how soon the same pro may be asked again,
# how often at most, and how many a store may send in a day (no store becomes a spammer).
INVITATION_DAYS = 14
INVITE_AGAIN_AFTER_DAYS = 7
INVITATIONS_PER_PRO = 3
INVITATIONS_PER_STORE_PER_DAY = 20


class How:
    """How someone outside Goodwill sent us the customer (the first words of the note)."""

    CHOICES = [
        ("phone", "They called"),
        ("text", "They texted"),
        ("email", "They emailed"),
        ("in_person", "In person"),
        ("card", "The customer brought their card"),
    ]
    LABELS = dict(CHOICES)


def _hash(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


# --------------------------------------------------------------------------- from outside
def find_or_add_sender(
    store, *, acting_user, first_name: str, last_name: str = "", phone: str = "",
    email: str = "", company: str = "", relationship: str = Customer.Relationship.PARTNER,
    email_consent: bool = False,
) -> Customer:  # fmt: skip
    """The person (not a pro) who sent someone to us: found by phone or email, else added
    as a referral partner or friend with how to reach them. `email_consent`: they agreed
    to hear from us by email (the thank-you can then be emailed), recorded with its words."""
    errors = {}
    if not (first_name or "").strip() and not (company or "").strip():
        errors["sender_first_name"] = ["Give the name of whoever sent the customer."]
    if not (phone or "").strip() and not (email or "").strip():
        errors["sender_phone"] = ["Give a phone or an email to reach whoever sent them."]
    if relationship not in (Customer.Relationship.PARTNER, Customer.Relationship.FRIEND,
                            Customer.Relationship.CUSTOMER):  # fmt: skip
        errors["sender_relationship"] = ["Use partner, friend or customer."]
    if errors:
        raise ValidationError(errors)
    try:
        found = Customer.objects.with_contact(store, phone=_e164(store, phone), email=email)
    except ValidationError as exc:
        raise ValidationError({"sender_phone": exc.messages}) from exc
    if found is None:
        try:
            found = create_customer(
                store,
                acting_user=acting_user,
                phones={"mobile": phone} if phone else None,
                emails={"personal": email} if email else None,
                reason="Sent us a customer from outside Goodwill",
                confirm_new=True,
                first_name=first_name.strip(),
                last_name=last_name.strip(),
                company_name=company.strip(),
                relationship=relationship,
            )
        except ValidationError as exc:
            raise ValidationError(
                {f"sender_{k}" if k != "__all__" else k: v for k, v in exc.message_dict.items()}
            ) from exc
    if email_consent and found.primary_email:
        set_consent(
            found,
            Consent.Channel.EMAIL,
            granted=True,
            method=Consent.Method.PHONE,
            acting_user=acting_user,
            wording=f"I agree that {store.name} may email me (a thank-you when it works out).",
        )
    return found


def _e164(store, phone: str) -> str:
    return normalise_phone(phone, store.phone_region) if phone else ""


@transaction.atomic
def log_outside_referral(
    store: Dealership,
    *,
    acting_user,
    interest: str,
    customer: Customer | None = None,
    new_customer: dict | None = None,
    pro: Pro | None = None,
    sender: dict | None = None,
    to_user=None,
    to_department: str = "",
    how: str = "phone",
    note: str = "",
    arrived: bool = False,
    duplicates: str = duplicate_rule.SAME_CONTACT,
    confirm_new: bool = False,
    at=None,
    notify: bool = True,
) -> Referral:
    """Someone not on Goodwill — a pro of our network (`pro`) or a person (`sender`:
    first_name, last_name, phone, email, company, relationship, email_consent) — sent us
    `customer` (or `new_customer`: first_name, last_name, phone, email). It becomes an
    internal referral marked `from_outside` (credited and thanked as theirs) to `to_user`
    or `to_department` (default: sales), and, when the customer is here now (`arrived`),
    the up on the floor. Otherwise the referral waits on the board's list of referrals and
    becomes the up when they arrive (a walk-in of the same person is refused)."""
    if acting_user.dealership_id != store.pk:
        raise PermissionDenied("Not your store.")
    errors: dict[str, list[str]] = {}
    if (pro is None) == (sender is None):
        errors["pro"] = ["Say who sent the customer: a pro of your network or a person."]
    if how not in How.LABELS:
        errors["how"] = [f"Use one of {sorted(How.LABELS)}."]
    if not (interest or "").strip():
        errors["interest"] = ["Say what the customer wants, e.g. “a work truck”."]
    if customer is None and not new_customer:
        errors["customer"] = ["Pick the customer or give their name."]
    if customer is not None and customer.dealership_id != store.pk:
        errors["customer"] = ["Pick a customer of your store."]
    if errors:
        raise ValidationError(errors)
    at = at or timezone.now()
    referrer = None
    if sender is not None:
        referrer = find_or_add_sender(store, acting_user=acting_user, **sender)
    if customer is None:
        data = dict(new_customer)
        phone, email = data.pop("phone", ""), data.pop("email", "")
        fields = {k: v.strip() for k, v in data.items() if v and v.strip()}
        if not (fields.get("first_name") or fields.get("last_name")):
            raise ValidationError({"first_name": ["Give the customer's name (first is enough)."]})
        who = str(pro) if pro is not None else referrer.display_name
        customer = create_customer(
            store,
            acting_user=acting_user,
            phones={"mobile": phone} if phone else None,
            emails={"personal": email} if email else None,
            reason=f"Referred by {who}"[:200],
            duplicates=duplicates,
            confirm_new=confirm_new,
            **fields,
        )
    if referrer is not None and referrer.pk == customer.pk:
        raise ValidationError({"sender_first_name": ["Someone cannot refer themselves."]})
    said = f"{How.LABELS[how]}" + (f": {note.strip()}" if note.strip() else "")
    referral = referral_actions.send_referral(
        customer,
        acting_user=acting_user,
        interest=interest,
        to_user=to_user,
        to_department=to_department or ("" if to_user else Dealership.Department.SALES),
        source=Referral.Source.UNPROMPTED,
        referrer_kind=(
            Referral.Referrer.PARTNER
            if pro is not None
            else {
                Customer.Relationship.FRIEND: Referral.Referrer.FRIEND,
                Customer.Relationship.CUSTOMER: Referral.Referrer.CUSTOMER,
            }.get(referrer.relationship, Referral.Referrer.PARTNER)
        ),
        referrer_pro=pro,
        referrer_customer=referrer,
        from_outside=True,
        note=said[:1000],
        at=at,
        notify=notify,
    )
    if arrived:
        log_up(
            store,
            acting_user=acting_user,
            source="referral",
            referral=referral,
            at=at,
            notify=notify,
        )
    return referral


# --------------------------------------------------------------------------- the pro's link
def can_have_link(referral: Referral) -> bool:
    """A referral we sent to an active pro who is not on Goodwill, still open or closed."""
    return (
        referral.kind == Referral.Kind.PARTNER
        and referral.to_dealership_id is None
        and referral.pro_id is not None
        and referral.pro.user_id is None
    )


@transaction.atomic
def new_pro_link(referral: Referral, *, created_by=None, at=None) -> tuple[ProLink, str]:
    """A fresh private link for the pro of `referral` (earlier links stop working).
    Returns the link and its token, which is shown or emailed once: only its hash is kept."""
    if not can_have_link(referral):
        raise ValidationError({"referral": ["Only a referral to a pro not on Goodwill has one."]})
    if created_by is not None and created_by.dealership_id != referral.from_dealership_id:
        raise PermissionDenied("Only the sending store makes a link for its pro.")
    at = at or timezone.now()
    token, token_hash = links.new_token()
    ProLink.objects.filter(referral=referral, replaced_at__isnull=True).update(replaced_at=at)
    link = ProLink.objects.create(
        dealership_id=referral.from_dealership_id,
        referral=referral,
        pro_id=referral.pro_id,
        token_hash=token_hash,
        created_at=at,
        expires_at=at + timedelta(days=LINK_DAYS),
        created_by=created_by,
    )
    return link, token


def pro_link_url(token: str) -> str:
    return site_url(reverse("pro_report", kwargs={"token": token}))


def link_for_token(token: str) -> ProLink | None:
    return storewall.opened_by_token(
        lambda: (
            ProLink.objects.select_related(
                "referral", "referral__sent_by", "referral__from_dealership", "pro", "dealership"
            )
            .filter(token_hash=_hash(token))
            .first()
        ),
        "an outside pro's link names the sending store by its token",
    )


def link_problem(link: ProLink | None, *, now=None) -> str:
    """Why the link cannot be used, in words for the pro holding it; "" when it can."""
    if link is None:
        return "This link is not valid. Ask whoever sent you the customer for a new one."
    if link.replaced_at is not None:
        return "A newer link was sent for this referral: please use that one."
    if link.expires_at <= (now or timezone.now()):
        return "This link has expired. Ask whoever sent you the customer for a new one."
    return ""


@transaction.atomic
def report_through_link(
    link: ProLink,
    action: str,
    *,
    note: str = "",
    value: Decimal | None = None,
    reason: str = "",
) -> Referral:
    """The outside pro tells us what happened (contacted, appointment, won, lost): the same
    step as if the sender had recorded it, through `referrals.actions.transition`, with the
    history saying it came from the pro's link. The sender is emailed as for any step."""
    link = ProLink.objects.select_for_update().get(pk=link.pk)
    problem = link_problem(link)
    if problem:
        raise ValidationError({"__all__": [problem]})
    referral = referral_actions.transition(
        link.referral,
        action,
        acting_user=None,
        via=ReferralEvent.VIA_PRO_LINK,
        note=note,
        value=value,
        reason=reason,
    )
    link.last_used_at = timezone.now()
    link.times_used += 1
    link.save(update_fields=["last_used_at", "times_used"])
    return referral


def link_lines(referral: Referral) -> list[str]:
    """The lines the email to a pro not on Goodwill carries: their private link. Called
    inside the email job's transaction (the link commits with the email, or neither)."""
    if not can_have_link(referral):
        return []
    link, token = new_pro_link(referral)
    return [
        "Tell us how it goes, one tap, no account needed (contacted, appointment, won, lost):",
        pro_link_url(token),
        f"(This link is for this customer only and works until {link.expires_at:%B %-d, %Y}.)",
    ]


# --------------------------------------------------------------------------- invitations
def _network_event(pro, verb, *, actor, changes=None, reason=""):
    """The pro's history in the network app (its `NetworkEvent` rows)."""
    return NetworkEvent.objects.create(
        dealership_id=pro.dealership_id,
        pro=pro,
        actor=actor,
        verb=verb,
        changes=changes or {},
        reason=reason[:300],
    )


@transaction.atomic
def invite_pro(pro: Pro, *, acting_user, note: str = "", at=None) -> tuple[ProInvitation, str]:
    """Invite a pro of our network who is not on Goodwill to join with a store of their own:
    an email with a join link (and a "no thanks" link), recorded in the pro's history.

    The rules: a business address on file; never again once they said no; not while an
    invitation sent in the last 7 days is open (after that a new one replaces it); at most
    3 per pro; at most 20 a day per store."""
    if acting_user.dealership_id != pro.dealership_id:
        raise PermissionDenied("Not your network.")
    pro = Pro.objects.select_for_update().get(pk=pro.pk)
    at = at or timezone.now()
    mine = ProInvitation.objects.filter(pro=pro)
    problem = ""
    if pro.user_id is not None:
        problem = f"{pro.name} is on Goodwill already."
    elif not pro.is_active:
        problem = "This pro is no longer in your network."
    elif not pro.email:
        problem = f"Add {pro.first_name}'s email first: the invitation goes by email."
    elif (said_no := mine.filter(status=ProInvitation.Status.DECLINED).first()) is not None:
        problem = (
            f"{pro.first_name} said no on {timezone.localtime(said_no.answered_at):%b %-d, %Y}: "
            "we don't ask again."
        )
    elif mine.filter(
        status=ProInvitation.Status.SENT,
        expires_at__gt=at,
        sent_at__gt=at - timedelta(days=INVITE_AGAIN_AFTER_DAYS),
    ).exists():
        problem = f"{pro.first_name} was invited less than {INVITE_AGAIN_AFTER_DAYS} days ago."
    elif mine.count() >= INVITATIONS_PER_PRO:
        problem = f"{pro.first_name} was invited {INVITATIONS_PER_PRO} times already."
    elif (
        ProInvitation.objects.filter(
            dealership_id=pro.dealership_id, sent_at__gt=at - timedelta(days=1)
        ).count()
        >= INVITATIONS_PER_STORE_PER_DAY
    ):
        problem = (
            f"Your store sent {INVITATIONS_PER_STORE_PER_DAY} invitations today: try tomorrow."
        )
    if problem:
        raise ValidationError({"pro": [problem]})
    mine.filter(status=ProInvitation.Status.SENT).update(
        status=ProInvitation.Status.CANCELLED, answered_at=at
    )
    token, token_hash = links.new_token()
    try:
        with transaction.atomic():
            invitation = ProInvitation.objects.create(
                dealership_id=pro.dealership_id,
                pro=pro,
                email=pro.email,
                token_hash=token_hash,
                invited_by=acting_user,
                note=(note or "").strip()[:500],
                sent_at=at,
                expires_at=at + timedelta(days=INVITATION_DAYS),
            )
    except IntegrityError as exc:  # two clicks at once
        raise ValidationError({"pro": ["This pro already has an open invitation."]}) from exc
    _network_event(
        pro,
        "invited_to_goodwill",
        actor=acting_user,
        changes={"invitation": ["", f"sent to {pro.email}"]},
        reason=invitation.note,
    )
    transaction.on_commit(lambda: _send_invitation(invitation.pk, token), robust=True)
    return invitation, token


def join_url(token: str) -> str:
    return site_url(reverse("pro_join", kwargs={"token": token}))


def _send_invitation(invitation_pk: int, token: str) -> None:
    invitation = ProInvitation.objects.select_related("pro", "invited_by", "dealership").get(
        pk=invitation_pk
    )
    context = {"invitation": invitation, "pro": invitation.pro, "link": join_url(token)}
    EmailMessage(
        subject=f"{invitation.invited_by.display_name} invites you to Goodwill",
        body=render_to_string("outside/emails/invitation.txt", context),
        to=[invitation.email],
        reply_to=[invitation.invited_by.email] if invitation.invited_by.email else None,
    ).send()


def invitation_for_token(token: str) -> ProInvitation | None:
    return storewall.opened_by_token(
        lambda: (
            ProInvitation.objects.select_related("pro", "invited_by", "dealership")
            .filter(token_hash=_hash(token))
            .first()
        ),
        "a pro's invitation names the inviting store by its token",
    )


def invitation_problem(invitation: ProInvitation | None, *, now=None) -> str:
    if invitation is None:
        return "This invitation link is not valid: it may have been replaced by a newer one."
    if invitation.status == ProInvitation.Status.ACCEPTED:
        return "This invitation was already used. Sign in with the username you chose."
    if invitation.status == ProInvitation.Status.DECLINED:
        return "You said no to this invitation; nobody will ask again."
    if invitation.status == ProInvitation.Status.CANCELLED:
        return "A newer invitation replaced this one: use the link in the latest email."
    if invitation.expires_at <= (now or timezone.now()):
        return "This invitation has expired. Ask whoever invited you for a new one."
    return ""


def _locked_open(token: str) -> ProInvitation:
    invitation = invitation_for_token(token)
    if invitation is not None:
        invitation = (
            ProInvitation.objects.select_for_update()
            .select_related("pro", "invited_by", "dealership")
            .get(pk=invitation.pk)
        )
    problem = invitation_problem(invitation)
    if problem:
        raise ValidationError({"__all__": [problem]})
    return invitation


@transaction.atomic
def accept_pro_invitation(token: str, **store_fields):
    """The pro sets up their own store and becomes its first dealer admin, through the same
    `setup_store` as `goodwill setup` (every field checked first, nothing half-made). Then
    the inviting store's network entry is linked to their new account, their card is
    published in the directory, and both histories say so. Returns (store, user).
    It writes the inviting store's rows and the new store's: across stores."""
    with storewall.across_stores("a pro's invitation sets up their store beside the inviter's"):
        return _accept_pro_invitation(token, **store_fields)


def _accept_pro_invitation(token: str, **store_fields):
    invitation = _locked_open(token)
    pro = invitation.pro
    store_fields.setdefault("admin_email", invitation.email)
    store_fields.setdefault("admin_first_name", pro.first_name)
    store_fields.setdefault("admin_last_name", pro.last_name)
    store, admin = setup_store(**store_fields, via="pro_invitation")
    now = timezone.now()
    invitation.status, invitation.answered_at = ProInvitation.Status.ACCEPTED, now
    invitation.joined_store, invitation.joined_user = store, admin
    invitation.save(update_fields=["status", "answered_at", "joined_store", "joined_user"])
    network_actions.publish_card(admin, title=pro.title)
    Pro.objects.filter(pk=pro.pk).update(user=admin, store=store)
    _network_event(
        pro,
        "joined_goodwill",
        actor=None,
        changes={"on Goodwill": ["", f"{admin.display_name} · {store.name}"]},
        reason=f"Accepted the invitation of {invitation.invited_by.display_name}",
    )
    return store, admin


@transaction.atomic
def decline_pro_invitation(token: str) -> ProInvitation:
    """ "No thanks": recorded, and this store never invites the pro again."""
    invitation = _locked_open(token)
    invitation.status, invitation.answered_at = ProInvitation.Status.DECLINED, timezone.now()
    invitation.save(update_fields=["status", "answered_at"])
    _network_event(
        invitation.pro,
        "declined_goodwill",
        actor=None,
        changes={"invitation": ["sent", "declined"]},
        reason="Said no to joining Goodwill",
    )
    return invitation
