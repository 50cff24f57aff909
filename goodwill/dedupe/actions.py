"""Changes to duplicates: bulk runs, dismissals, merges and their undo. One transaction each,
with the customer timeline written through `record_event`."""

from __future__ import annotations

import json
import time
from collections import defaultdict

from django.apps import apps
from django.core import serializers
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from goodwill.audit import actions as audit
from goodwill.customers.actions import record_event
from goodwill.customers.matching import ROW_FIELDS, Rec, Weights, estimate_u
from goodwill.customers.models import (
    Consent,
    Customer,
    CustomerEmail,
    CustomerEvent,
    CustomerPhone,
    Vehicle,
)
from goodwill.dealerships.models import User
from goodwill.dedupe.bulk import clusters as find_clusters
from goodwill.dedupe.bulk import score_pairs
from goodwill.dedupe.models import (
    DedupeRun,
    DismissedPair,
    DuplicateCluster,
    DuplicateMember,
    Merge,
)

# Customer fields a merge decides one by one (the rest, like ids and timestamps, stay).
MERGE_FIELDS = (*Customer.EDITABLE_FIELDS, "salesperson", "service_advisor")
BATCH = 5_000


# --- the bulk pass -----------------------------------------------------------------------------
def load_records(dealership) -> list[Rec]:
    """Every customer of the store as a matching record: four streaming queries, no N+1."""
    phones, emails, vins = defaultdict(list), defaultdict(list), defaultdict(list)
    store = {"dealership": dealership}
    for cid, number in CustomerPhone.objects.filter(**store).values_list("customer_id", "number"):
        phones[cid].append(number)
    for cid, addr in CustomerEmail.objects.filter(**store).values_list(
        "customer_id", "address_lower"
    ):
        emails[cid].append(addr)
    for cid, vin in (
        Vehicle.objects.filter(**store).exclude(vin="").values_list("customer_id", "vin")
    ):
        vins[cid].append(vin)
    rows = (
        Customer.objects.filter(**store)
        .order_by("id")  # deterministic: reasons read oldest record first
        .values_list(*ROW_FIELDS)
        .iterator(chunk_size=BATCH)
    )
    return [
        Rec.from_row((*row, phones.get(row[0], ()), emails.get(row[0], ()), vins.get(row[0], ())))
        for row in rows
    ]


def run_dedupe(dealership, *, acting_user=None, progress=None) -> DedupeRun:
    """Find duplicate clusters across the store and replace the open proposals with them.
    Dismissed pairs are never proposed again; nothing is merged."""
    started = time.perf_counter()
    at = timezone.now()
    recs = load_records(dealership)
    if progress:
        progress("loaded", len(recs))
    weights = Weights(u=estimate_u(recs))
    dismissed = set(
        DismissedPair.objects.filter(dealership=dealership).values_list(
            "customer_low", "customer_high"
        )
    )
    compared = 0

    def count(done):
        nonlocal compared
        compared = done
        if progress:
            progress("compared", done)

    def skip(a, b):
        return (min(a.id, b.id), max(a.id, b.id)) in dismissed

    pairs = score_pairs(recs, weights=weights, progress=count, skip=skip)
    groups = find_clusters(len(recs), pairs)
    best = {}
    for p in pairs:
        for i in (p.a, p.b):
            if i not in best or best[i].comparison.score < p.comparison.score:
                best[i] = p
    with transaction.atomic():
        # Open proposals are replaced; merged and dismissed ones are history.
        DuplicateCluster.objects.filter(
            dealership=dealership, status=DuplicateCluster.Status.OPEN
        ).delete()
        run = DedupeRun.objects.create(
            dealership=dealership,
            started_by=acting_user,
            started_at=at,
            customers_scanned=len(recs),
            pairs_compared=compared,
            clusters_found=len(groups),
        )
        for start in range(0, len(groups), BATCH):
            chunk = groups[start : start + BATCH]
            objs = []
            for members in chunk:
                top = max((best[i] for i in members), key=lambda p: p.comparison.score)
                objs.append(
                    DuplicateCluster(
                        dealership=dealership,
                        run=run,
                        # Never shown as a certainty: a proposal is a proposal.
                        score=min(round(top.comparison.probability * 100, 1), 99.0),
                        reasons=top.comparison.reasons(recs[top.a], recs[top.b]),
                    )
                )
            DuplicateCluster.objects.bulk_create(objs)
            DuplicateMember.objects.bulk_create(
                DuplicateMember(dealership=dealership, cluster=cluster, customer_id=recs[i].id)
                for cluster, members in zip(objs, chunk, strict=True)
                for i in members
            )
        run.seconds = round(time.perf_counter() - started, 2)
        run.save(update_fields=["seconds"])
    return run


@transaction.atomic
def dismiss_cluster(cluster: DuplicateCluster, *, acting_user) -> DuplicateCluster:
    """ "These are different people": remember every pair so no later run proposes them."""
    cluster = DuplicateCluster.objects.select_for_update().get(pk=cluster.pk)
    if cluster.status != DuplicateCluster.Status.OPEN:
        raise ValidationError({"__all__": ["This proposal was already resolved."]})
    ids = sorted(cluster.members.values_list("customer_id", flat=True))
    at = timezone.now()
    DismissedPair.objects.bulk_create(
        [
            DismissedPair(
                dealership_id=cluster.dealership_id,
                customer_low=a,
                customer_high=b,
                dismissed_by=acting_user,
                dismissed_at=at,
            )
            for x, a in enumerate(ids)
            for b in ids[x + 1 :]
        ],
        ignore_conflicts=True,
    )
    cluster.status = DuplicateCluster.Status.DISMISSED
    cluster.resolved_by, cluster.resolved_at = acting_user, at
    cluster.save(update_fields=["status", "resolved_by", "resolved_at"])
    for customer in Customer.objects.filter(pk__in=ids):
        record_event(
            customer,
            CustomerEvent.Verb.DUPLICATE_DISMISSED,
            actor=acting_user,
            subject=f"{len(ids)} records",
            reason="Marked as different people",
        )
    return cluster


# --- merge ---------------------------------------------------------------------------------------
def customer_relations():
    """Every (model, foreign key) pointing at Customer, found at run time, so rows of models
    that other apps add later (referrals, deals, repair orders, surveys …) move too.
    Hidden relations (related_name="+") and many-to-many through tables are included."""
    for rel in Customer._meta.get_fields(include_hidden=True):
        if not rel.auto_created or rel.concrete or rel.many_to_many:
            continue
        if not (rel.one_to_many or rel.one_to_one):
            continue
        model = rel.related_model
        if getattr(model, "MERGE_LEAVES_IN_PLACE", False):
            continue
        yield model, rel.field


def _label(model) -> str:
    return model._meta.label_lower


def _serialise(obj) -> str:
    return serializers.serialize("json", [obj])


def _unique_sets(model, field) -> list[tuple[str, ...]]:
    """Field sets that must stay unique and include `field`: a moved row could clash."""
    sets = []
    if field.unique:
        sets.append((field.name,))
    for together in model._meta.unique_together:
        if field.name in together:
            sets.append(tuple(together))
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and field.name in (
            constraint.fields or ()
        ):
            sets.append(tuple(constraint.fields))
    return sets


def _field_value(customer, name):
    return (
        getattr(customer, name + "_id")
        if name in ("salesperson", "service_advisor")
        else (getattr(customer, name))
    )


def _default_choice(name, survivor, merged) -> str:
    if name == "notes" and survivor.notes and merged.notes and survivor.notes != merged.notes:
        return "both"
    return (
        "merged" if not _field_value(survivor, name) and _field_value(merged, name) else "survivor"
    )


def merge_preview(survivor, merged) -> list[dict]:
    """Field by field: both values and the default choice, for the review screen."""
    out = []
    for name in MERGE_FIELDS:
        a, b = _field_value(survivor, name), _field_value(merged, name)
        if name in ("salesperson", "service_advisor"):
            a_text = str(getattr(survivor, name) or "")
            b_text = str(getattr(merged, name) or "")
        else:
            a_text, b_text = str(a or ""), str(b or "")
        out.append(
            {
                "name": name,
                "label": Customer._meta.get_field(name).verbose_name.capitalize(),
                "survivor": a_text,
                "merged": b_text,
                "differs": a != b,
                "choice": _default_choice(name, survivor, merged),
            }
        )
    return out


def _refresh_primary(customer) -> None:
    customer.primary_phone = (
        CustomerPhone.objects.filter(customer=customer)
        .order_by("id")
        .values_list("number", flat=True)
        .first()
        or ""
    )
    customer.primary_email = (
        CustomerEmail.objects.filter(customer=customer)
        .order_by("id")
        .values_list("address", flat=True)
        .first()
        or ""
    )
    customer.refresh_search_name()
    customer.save(update_fields=["primary_phone", "primary_email", "search_name", "updated_at"])


@transaction.atomic
def merge_customers(
    survivor: Customer,
    merged: Customer,
    *,
    acting_user,
    choices: dict | None = None,
    reason: str = "",
    cluster: DuplicateCluster | None = None,
) -> Merge:
    """Keep `survivor`; move every row pointing at `merged` onto it; delete `merged`.
    Everything needed to undo it is kept on the returned Merge."""
    if survivor.pk == merged.pk:
        raise ValidationError({"__all__": ["Pick two different customers."]})
    if survivor.dealership_id != merged.dealership_id:
        raise ValidationError({"__all__": ["Both customers must belong to this store."]})
    survivor = Customer.objects.select_for_update().get(pk=survivor.pk)
    merged = Customer.objects.select_for_update().get(pk=merged.pk)
    choices = dict(choices or {})
    unknown = set(choices) - set(MERGE_FIELDS)
    if unknown:
        raise ValidationError({"__all__": [f"Unknown fields: {', '.join(sorted(unknown))}."]})
    record = Merge(
        dealership_id=survivor.dealership_id,
        cluster=cluster,
        survivor=survivor,
        merged_pk=merged.pk,
        merged_public_id=merged.public_id,
        merged_name=merged.display_name,
        survivor_name=survivor.display_name,
        snapshot=_serialise(merged),
        reason=reason,
        merged_by=acting_user,
        merged_at=timezone.now(),
    )
    # 1. Field by field.
    field_log, event_changes, update = {}, {}, []
    for name in MERGE_FIELDS:
        choice = choices.get(name) or _default_choice(name, survivor, merged)
        if choice not in ("survivor", "merged", "both"):
            raise ValidationError({name: [f"Choose survivor or merged, not “{choice}”."]})
        old = _field_value(survivor, name)
        if choice == "merged":
            new = _field_value(merged, name)
        elif choice == "both" and name == "notes":
            new = "\n\n".join(n for n in (survivor.notes, merged.notes) if n)[:5000]
        else:
            new = old
        field_log[name] = {"choice": choice, "old": old, "new": new}
        if new != old:
            attname = name + "_id" if name in ("salesperson", "service_advisor") else name
            setattr(survivor, attname, new)
            update.append(attname)
            event_changes[name] = ["" if old is None else str(old), "" if new is None else str(new)]
    if update:
        survivor.refresh_search_name()
        survivor.full_clean(
            exclude=["dealership", "salesperson", "service_advisor", "created_by"],
            validate_unique=False,
            validate_constraints=False,
        )
        survivor.save(update_fields=[*update, "search_name", "updated_at"])
    record.fields = field_log

    # 2. Every row that points at the merged customer.
    moved, relabelled, dropped, consent_log = [], [], [], []
    for model, field in customer_relations():
        rows = list(model._base_manager.filter(**{field.name: merged}))
        if not rows:
            continue
        to_move = []
        for row in rows:
            outcome = _place_row(model, field, row, survivor, relabelled, consent_log)
            if outcome == "drop":
                dropped.append(_serialise(row))
                model._base_manager.filter(pk=row.pk).delete()
            else:
                to_move.append(row.pk)
        if to_move:
            model._base_manager.filter(pk__in=to_move).update(**{field.attname: survivor.pk})
            moved.append({"model": _label(model), "field": field.name, "pks": to_move})
    record.moved, record.relabelled = moved, relabelled
    record.dropped, record.consents = dropped, consent_log
    Customer.objects.filter(pk=merged.pk).delete()
    _refresh_primary(survivor)
    record.save()
    if cluster is not None:
        member_ids = cluster.members.values_list("customer_id", flat=True)
        remaining = Customer.objects.filter(pk__in=member_ids).count()
        if remaining <= 1:
            cluster.status = DuplicateCluster.Status.MERGED
            cluster.resolved_by, cluster.resolved_at = acting_user, record.merged_at
            cluster.save(update_fields=["status", "resolved_by", "resolved_at"])
    moved_count = sum(len(m["pks"]) for m in moved)
    record_event(
        survivor,
        CustomerEvent.Verb.MERGED,
        actor=acting_user,
        subject=f"{record.merged_name} merged in",
        changes={**event_changes, "rows moved": ["", str(moved_count)]},
        reason=reason,
    )
    audit.record(
        acting_user,
        audit.Verb.MERGED,
        survivor,
        dealership=survivor.dealership_id,
        merged=record.merged_public_id,
        merged_name=record.merged_name,
        rows_moved=moved_count,
    )
    return record


def _place_row(model, field, row, survivor, relabelled, consent_log) -> str:
    """Decide what happens to one row of the merged customer: "move" or "drop" (an exact
    repeat of what the survivor has). Contact points whose label is taken get a free label;
    consents merge conservatively (a withdrawal on either side wins)."""
    if model is CustomerPhone or model is CustomerEmail:
        value = "number" if model is CustomerPhone else "address_lower"
        theirs = {r.label: getattr(r, value) for r in model._base_manager.filter(customer=survivor)}
        if getattr(row, value) in theirs.values():
            return "drop"
        if row.label in theirs:
            # A voice line may take another voice label; a fax or a pager keeps its own.
            labels = CustomerPhone.VOICE if model is CustomerPhone else model.Label.values
            free = [label for label in labels if label not in theirs and row.label in labels]
            if not free:
                return "drop"
            relabelled.append({"model": _label(model), "pk": row.pk, "label": row.label})
            row.label = free[0]
            # Moved at once with its new label: relabelled where it was, it could clash with
            # another label of the merged customer.
            model._base_manager.filter(pk=row.pk).update(label=free[0], customer=survivor)
        return "move"
    if model is Consent:
        mine = Consent.objects.filter(customer=survivor, channel=row.channel).first()
        if mine is None:
            return "move"
        consent_log.append(_serialise(mine))
        if mine.granted and not row.granted:
            mine.granted, mine.method, mine.wording = False, row.method, row.wording
            mine.recorded_by_id, mine.recorded_at = row.recorded_by_id, row.recorded_at
            mine.save(update_fields=["granted", "method", "wording", "recorded_by", "recorded_at"])
        return "drop"
    for unique in _unique_sets(model, field):
        attnames = [model._meta.get_field(f).attname for f in unique]
        lookup = {a: getattr(row, a) for a in attnames}
        lookup[field.attname] = survivor.pk
        if model._base_manager.filter(**lookup).exclude(pk=row.pk).exists():
            return "drop"
    return "move"


@transaction.atomic
def undo_merge(record: Merge, *, acting_user, reason: str = "") -> Customer:
    """Put a merge back: the merged customer returns with its id, exactly the rows that moved
    go back to it, dropped repeats come back, and the survivor's fields and consents are as
    they were before."""
    record = Merge.objects.select_for_update().get(pk=record.pk)
    if record.is_undone:
        raise ValidationError({"__all__": ["This merge was already undone."]})
    survivor = Customer.objects.select_for_update().filter(pk=record.survivor_id).first()
    if survivor is None:
        raise ValidationError(
            {"__all__": ["The surviving customer was merged again since; undo that merge first."]}
        )
    if Customer.objects.filter(pk=record.merged_pk).exists():
        raise ValidationError({"__all__": ["The merged customer exists already."]})
    for obj in serializers.deserialize("json", record.snapshot):
        obj.save()
    merged = Customer.objects.get(pk=record.merged_pk)
    for item in record.moved:
        model = apps.get_model(item["model"])
        attname = model._meta.get_field(item["field"]).attname
        model._base_manager.filter(pk__in=item["pks"], **{attname: survivor.pk}).update(
            **{attname: merged.pk}
        )
    # Back on the merged customer first, then the old labels: no clash with the survivor's.
    # Two steps (a placeholder label, then the old one) so swapped labels cannot collide.
    for n, item in enumerate(record.relabelled):
        apps.get_model(item["model"])._base_manager.filter(pk=item["pk"]).update(label=f"~{n}")
    for item in record.relabelled:
        apps.get_model(item["model"])._base_manager.filter(pk=item["pk"]).update(
            label=item["label"]
        )
    for text in record.consents:
        for obj in serializers.deserialize("json", text):
            obj.save()
    for text in record.dropped:
        for obj in serializers.deserialize("json", text):
            obj.save()
    changes, update = {}, []
    for name, entry in record.fields.items():
        attname = name + "_id" if name in ("salesperson", "service_advisor") else name
        if entry["old"] != entry["new"] and getattr(survivor, attname) == entry["new"]:
            setattr(survivor, attname, entry["old"])
            update.append(attname)
            changes[name] = [str(entry["new"] or ""), str(entry["old"] or "")]
    if update:
        survivor.save(update_fields=update)
    _refresh_primary(survivor)
    _refresh_primary(merged)
    record.undone_by, record.undone_at = acting_user, timezone.now()
    record.save(update_fields=["undone_by", "undone_at"])
    if record.cluster_id:
        DuplicateCluster.objects.filter(pk=record.cluster_id).update(
            status=DuplicateCluster.Status.OPEN, resolved_by=None, resolved_at=None
        )
    record_event(
        survivor,
        CustomerEvent.Verb.MERGE_UNDONE,
        actor=acting_user,
        subject=f"{merged.display_name} split off again",
        changes=changes,
        reason=reason,
    )
    record_event(
        merged,
        CustomerEvent.Verb.MERGE_UNDONE,
        actor=acting_user,
        subject=f"restored from {survivor.display_name}",
        reason=reason,
    )
    audit.record(
        acting_user,
        audit.Verb.MERGE_UNDONE,
        merged,
        dealership=merged.dealership_id,
        survivor=survivor.public_id,
    )
    return merged


# --- for the pages -----------------------------------------------------------------------------
def suggest_survivor(people):
    """The record to keep by default: the one with most contact points, then the oldest."""
    if not people:
        return None

    def richness(c):
        filled = sum(bool(getattr(c, f)) for f in MERGE_FIELDS)
        return (-(bool(c.primary_phone) + bool(c.primary_email) + filled), c.created_at, c.pk)

    return min(people, key=richness)


CHOICES = {"survivor": "kept", "merged": "taken from the merged record", "both": "both joined"}


def describe_fields(record: Merge) -> list[dict]:
    """Field by field, for the merge's page: the kept record's value before, the merged
    record's (from its snapshot), the value after, and whether the field changed. Fields
    empty on both sides are left out; staff fields show names."""
    merged = json.loads(record.snapshot)[0]["fields"] if record.snapshot else {}
    staff_ids = {
        v
        for name in ("salesperson", "service_advisor")
        for v in (record.fields.get(name, {}).get("old"), record.fields.get(name, {}).get("new"))
        if v
    } | {merged.get(n) for n in ("salesperson", "service_advisor") if merged.get(n)}
    staff = {u.pk: u.display_name for u in User.objects.filter(pk__in=staff_ids)}

    def shown(name, value):
        if value in (None, ""):
            return ""
        if name in ("salesperson", "service_advisor"):
            return staff.get(value, "—")
        if name in ("kind", "relationship"):
            return str(dict(Customer._meta.get_field(name).choices).get(value, value))
        return str(value)

    rows = []
    for name, entry in record.fields.items():
        before, after = shown(name, entry["old"]), shown(name, entry["new"])
        theirs = shown(name, merged.get(name))
        if not (before or after or theirs):
            continue
        rows.append(
            {
                "label": Customer._meta.get_field(name).verbose_name.capitalize(),
                "choice": CHOICES.get(entry["choice"], entry["choice"]),
                "old": before,
                "merged": theirs,
                "new": after,
                "changed": entry["old"] != entry["new"],
            }
        )
    return rows


def describe_moved(record: Merge) -> list[tuple[str, int]]:
    """[("2 vehicles"), ("1 customer event"), …]: what a merge moved, counted in words."""
    out = []
    for item in record.moved:
        count = len(item["pks"])
        try:
            meta = apps.get_model(item["model"])._meta
            name = str(meta.verbose_name if count == 1 else meta.verbose_name_plural)
        except LookupError:
            name = item["model"]
        out.append((name, count))
    return out
