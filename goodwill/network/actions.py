"""Every change to the network goes through here: one transaction, the change and its
NetworkEvent together."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from goodwill.core import storewall
from goodwill.core.contact import normalise_email, normalise_phone
from goodwill.network.models import CardPhoto, NetworkEvent, Partnership, Pro, ProMake

PRO_FIELDS = (
    "store_name",
    "first_name",
    "last_name",
    "title",
    "phone",
    "email",
    "makes",
    "specialties",
    "street",
    "city",
    "region",
    "postal_code",
    "latitude",
    "longitude",
    "website",
    "notes",
)


def _event(pro, verb, *, actor, changes=None, reason=""):
    return NetworkEvent.objects.create(
        dealership_id=pro.dealership_id,
        pro=pro,
        actor=actor,
        verb=verb,
        changes=changes or {},
        reason=reason,
    )


def _clean_list(values) -> list[str]:
    seen, out = set(), []
    for v in values or []:
        v = str(v).strip()
        if v and v.lower() not in seen:
            seen.add(v.lower())
            out.append(v)
    return out


def _normalise(pro: Pro, region: str) -> None:
    errors = {}
    pro.makes = _clean_list(pro.makes)
    pro.specialties = _clean_list(pro.specialties)
    try:
        pro.phone = normalise_phone(pro.phone, region) if pro.phone else ""
    except ValidationError as exc:
        errors["phone"] = exc.messages
    try:
        pro.email = normalise_email(pro.email) if pro.email else ""
    except ValidationError as exc:
        errors["email"] = exc.messages
    if not pro.makes:
        errors["makes"] = ["Name at least one make this pro sells."]
    if errors:
        raise ValidationError(errors)
    pro.full_clean(
        exclude=["dealership", "store", "user", "recorded_by"],
        validate_unique=False,
        validate_constraints=False,
    )


def _sync_makes(pro: Pro) -> None:
    ProMake.objects.filter(pro=pro).delete()
    if not pro.is_active:
        return
    ProMake.objects.bulk_create(
        ProMake(
            dealership_id=pro.dealership_id,
            pro=pro,
            make=make.lower(),
            listed=pro.listed,
            latitude=pro.latitude,
            longitude=pro.longitude,
        )
        for make in pro.makes
    )


def _fill_from_store(pro: Pro, store) -> None:
    """A pro on Goodwill: what their store says about itself fills what was left empty."""
    pro.store_name = pro.store_name or store.name
    pro.makes = pro.makes or list(store.makes)
    pro.specialties = pro.specialties or list(store.specialties)
    for field, value in (
        ("street", store.street),
        ("city", store.city),
        ("region", store.region),
        ("postal_code", store.postal_code),
        ("website", store.website),
    ):
        if not getattr(pro, field):
            setattr(pro, field, value)
    if pro.latitude is None:
        pro.latitude, pro.longitude = store.latitude, store.longitude


@transaction.atomic
def record_pro(dealership, *, acting_user, linked_to: Pro | None = None, **fields) -> Pro:
    """Add a pro to `dealership`'s network. `linked_to` is a directory card of a member:
    the pro is then linked to that real account and store."""
    unknown = set(fields) - set(PRO_FIELDS)
    if unknown:
        raise TypeError(f"unknown pro fields: {sorted(unknown)}")
    pro = Pro(dealership=dealership, recorded_by=acting_user, **fields)
    if linked_to is not None:
        if not linked_to.listed or linked_to.store_id == dealership.id:
            raise ValidationError({"linked_to": ["Pick a pro of another store on Goodwill."]})
        if Pro.objects.filter(dealership=dealership, user_id=linked_to.user_id).exists():
            raise ValidationError({"linked_to": ["This pro is already in your network."]})
        pro.user_id, pro.store_id = linked_to.user_id, linked_to.store_id
        for field in ("first_name", "last_name", "title", "phone", "email"):
            if not getattr(pro, field):
                setattr(pro, field, getattr(linked_to, field))
        _fill_from_store(pro, linked_to.store)
    _normalise(pro, dealership.phone_region)
    pro.save(force_insert=True)
    _sync_makes(pro)
    _event(
        pro,
        "recorded",
        actor=acting_user,
        changes={
            "pro": ["", str(pro)],
            "makes": ["", pro.makes_display],
            **({"on Goodwill": ["", "linked to their account"]} if pro.user_id else {}),
        },
    )
    return pro


@transaction.atomic
def update_pro(pro: Pro, *, acting_user, reason: str = "", **fields) -> dict:
    unknown = set(fields) - set(PRO_FIELDS)
    if unknown:
        raise TypeError(f"unknown pro fields: {sorted(unknown)}")
    pro = Pro.objects.select_for_update().get(pk=pro.pk)
    before = {k: getattr(pro, k) for k in fields}
    for k, v in fields.items():
        setattr(pro, k, v)
    _normalise(pro, pro.dealership.phone_region)
    changes = {
        k: [str(before[k] or ""), str(getattr(pro, k) or "")]
        for k in fields
        if before[k] != getattr(pro, k)
    }
    if changes:
        pro.save(update_fields=list(changes))
        if {"makes", "latitude", "longitude"} & set(changes):
            _sync_makes(pro)
        _event(pro, "updated", actor=acting_user, changes=changes, reason=reason)
    return changes


@transaction.atomic
def publish_card(user, *, title: str = "", specialties=None) -> Pro:
    """A member's own card in the directory (idempotent: returns the existing one)."""
    existing = Pro.objects.filter(user=user, listed=True).first()
    if existing:
        return existing
    store = user.dealership
    pro = Pro(
        dealership=store,
        store=store,
        user=user,
        listed=True,
        recorded_by=user,
        first_name=user.first_name or user.username,
        last_name=user.last_name,
        title=title or user.title or user.get_role_display(),
        phone=user.phone or store.phone,
        email=user.email,
        specialties=list(specialties or []),
    )
    _fill_from_store(pro, store)
    _normalise(pro, store.phone_region)
    pro.save(force_insert=True)
    _sync_makes(pro)
    _event(pro, "published", actor=user, changes={"card": ["", str(pro)]})
    return pro


CARD_FIELDS = ("title", "phone", "email", "specialties", "card_line")


@transaction.atomic
def edit_card(
    card: Pro, *, acting_user, photo: bytes | None = None, remove_photo=False, **fields
) -> dict:
    """A member edits their own card: title, phone, email, specialties, the line at its foot
    and the photo (`photo` is a JPEG from `cards.card_photo_jpeg`). One history row."""
    unknown = set(fields) - set(CARD_FIELDS)
    if unknown:
        raise TypeError(f"unknown card fields: {sorted(unknown)}")
    card = Pro.objects.select_for_update().get(pk=card.pk)
    if not card.listed or card.user_id != acting_user.pk:
        raise PermissionDenied("Only its owner edits a card.")
    before = {k: getattr(card, k) for k in fields}
    for k, v in fields.items():
        setattr(card, k, v)
    _normalise(card, card.dealership.phone_region)
    changes = {
        k: [", ".join(before[k]) if k == "specialties" else str(before[k] or ""),
            ", ".join(getattr(card, k)) if k == "specialties" else str(getattr(card, k) or "")]
        for k in fields
        if before[k] != getattr(card, k)
    }  # fmt: skip
    if photo:
        CardPhoto.objects.update_or_create(
            pro=card, defaults={"dealership_id": card.dealership_id, "jpeg": photo}
        )
        changes["photo"] = ["a photo" if card.photo_version else "", "a new photo"]
        card.photo_version += 1
    elif remove_photo and card.photo_version:
        CardPhoto.objects.filter(pro=card).delete()
        changes["photo"] = ["a photo", ""]
        card.photo_version = 0
    if changes:
        card.save(update_fields=[k for k in changes if k != "photo"] + ["photo_version"])
        _event(card, "card_edited", actor=acting_user, changes=changes)
    return changes


@transaction.atomic
def deactivate_pro(pro: Pro, *, acting_user, reason: str = "") -> None:
    if not pro.is_active:
        return
    pro.is_active = False
    pro.save(update_fields=["is_active"])
    _sync_makes(pro)
    _event(pro, "deactivated", actor=acting_user, changes={"active": ["yes", "no"]}, reason=reason)


@transaction.atomic
def propose_partnership(pro: Pro, *, acting_user, terms: str = "") -> Partnership:
    """Propose to a pro on Goodwill (they accept in their inbox) or, for an external pro,
    record the proposal until we mark it agreed."""
    if acting_user.dealership_id != pro.dealership_id:
        raise PermissionDenied("Not your network.")
    if pro.store_id == pro.dealership_id:
        raise ValidationError({"pro": ["A partnership is with another store."]})
    try:
        with transaction.atomic():
            partnership = Partnership.objects.create(
                dealership_id=pro.dealership_id,
                pro=pro,
                partner_store_id=pro.store_id,
                partner_user_id=pro.user_id,
                terms=terms,
                proposed_by=acting_user,
            )
    except IntegrityError as exc:
        raise ValidationError(
            {"pro": ["There is already an open partnership with this pro."]}
        ) from exc
    _event(
        pro, "partnership_proposed", actor=acting_user, changes={"partnership": ["", "proposed"]}
    )
    return partnership


def _set_status(partnership, status, *, acting_user, reason=""):
    old = partnership.status
    partnership.status = status
    partnership.answered_by = acting_user
    fields = ["status", "answered_by"]
    if status == Partnership.Status.AGREED:
        partnership.agreed_at = timezone.now()
        fields.append("agreed_at")
    partnership.save(update_fields=fields)
    _event(
        partnership.pro,
        f"partnership_{status}",
        actor=acting_user,
        changes={"partnership": [old, status]},
        reason=reason,
    )


def answer_partnership(partnership: Partnership, *, acting_user, **answer):
    """The partner store's side writes the proposer's history of its card too: across the
    two stores (the second wall, core/storewall.py); the checks inside still decide who
    may answer."""
    with storewall.across_stores("a partnership's answer is written on both stores' rows"):
        return _answer_partnership(partnership, acting_user=acting_user, **answer)


@transaction.atomic
def _answer_partnership(partnership: Partnership, *, acting_user, accept: bool, reason=""):
    """The partner store's answer. Only the other side answers a proposal on Goodwill."""
    partnership = (
        Partnership.objects.select_for_update().select_related("pro").get(pk=partnership.pk)
    )
    if partnership.partner_store_id is None:
        raise ValidationError({"status": ["An external pro's partnership is marked agreed."]})
    if acting_user.dealership_id != partnership.partner_store_id:
        raise PermissionDenied("Only the partner store answers this proposal.")
    if partnership.status != Partnership.Status.PROPOSED:
        raise ValidationError({"status": [f"This partnership is {partnership.status} already."]})
    status = Partnership.Status.AGREED if accept else Partnership.Status.DECLINED
    _set_status(partnership, status, acting_user=acting_user, reason=reason)
    return partnership


@transaction.atomic
def mark_agreed(partnership: Partnership, *, acting_user, reason=""):
    """An external pro said yes in person: the proposer records it."""
    partnership = (
        Partnership.objects.select_for_update().select_related("pro").get(pk=partnership.pk)
    )
    if partnership.partner_store_id is not None:
        raise ValidationError({"status": ["A pro on Goodwill accepts the proposal themselves."]})
    if acting_user.dealership_id != partnership.dealership_id:
        raise PermissionDenied("Not your partnership.")
    if partnership.status != Partnership.Status.PROPOSED:
        raise ValidationError({"status": [f"This partnership is {partnership.status} already."]})
    _set_status(partnership, Partnership.Status.AGREED, acting_user=acting_user, reason=reason)
    return partnership


def end_partnership(partnership: Partnership, *, acting_user, **answer):
    """The partner store's side writes the proposer's history of its card too: across the
    two stores (the second wall, core/storewall.py); the checks inside still decide who
    may answer."""
    with storewall.across_stores("a partnership's answer is written on both stores' rows"):
        return _end_partnership(partnership, acting_user=acting_user, **answer)


@transaction.atomic
def _end_partnership(partnership: Partnership, *, acting_user, reason=""):
    partnership = (
        Partnership.objects.select_for_update().select_related("pro").get(pk=partnership.pk)
    )
    if acting_user.dealership_id not in (partnership.dealership_id, partnership.partner_store_id):
        raise PermissionDenied("Not your partnership.")
    if partnership.status not in (Partnership.Status.PROPOSED, Partnership.Status.AGREED):
        raise ValidationError({"status": [f"This partnership is {partnership.status} already."]})
    _set_status(partnership, Partnership.Status.ENDED, acting_user=acting_user, reason=reason)
    return partnership
