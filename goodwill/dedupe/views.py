"""Pages: the as-you-type match panel on the customer form, and a dealer admin's review of
duplicate proposals (merge or dismiss) and of past merges (undo)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from goodwill.core.paging import page_number
from goodwill.core.tenancy import dealer_admin_required, get_visible_or_404, staff_required
from goodwill.customers.duplicates import matches_for
from goodwill.customers.models import Customer
from goodwill.dedupe import actions
from goodwill.dedupe.jobs import find_duplicates
from goodwill.dedupe.models import DedupeRun, DuplicateCluster, DuplicateMember, Merge
from goodwill.jobs.queue import enqueue

PAGE_SIZE = 25
# The customer form's fields, the floor board's single "phone" / "email", and the referral
# form's "new customer" fields.
PHONE_FIELDS = ("phone_mobile", "phone_home", "phone_work", "phone", "new_phone")
EMAIL_FIELDS = ("email_personal", "email_work", "email", "new_email")


@staff_required
def check(request):
    """The match panel, fed by the customer form's fields (htmx, as the user types)."""
    q = request.GET
    matches = matches_for(
        request.user,
        first_name=(q.get("first_name") or q.get("new_first_name", ""))[:80],
        last_name=(q.get("last_name") or q.get("new_last_name", ""))[:80],
        company_name=q.get("company_name", "")[:150],
        phones=[q.get(name, "")[:40] for name in PHONE_FIELDS],
        emails=[q.get(name, "")[:254] for name in EMAIL_FIELDS],
        vin=q.get("vehicle-vin", q.get("vin", ""))[:20],
        street=q.get("street", "")[:200],
        postal_code=q.get("postal_code", "")[:12],
    )
    return render(request, "dedupe/matches.html", {"matches": matches})


def _clusters(dealership, status):
    members = DuplicateMember.objects.order_by("id")
    return (
        DuplicateCluster.objects.for_dealership(dealership)
        .filter(status=status)
        .prefetch_related(Prefetch("members", queryset=members))
    )


def _attach_customers(dealership, clusters):
    """One query for every member's customer (members keep ids even after a merge)."""
    ids = {m.customer_id for c in clusters for m in c.members.all()}
    customers = Customer.objects.for_dealership(dealership).filter(pk__in=ids)
    by_id = {c.pk: c for c in customers.select_related("salesperson")}
    for cluster in clusters:
        cluster.people = [
            by_id[m.customer_id] for m in cluster.members.all() if m.customer_id in by_id
        ]
    return clusters


@dealer_admin_required
def review(request):
    status = request.GET.get("status", DuplicateCluster.Status.OPEN)
    if status not in DuplicateCluster.Status.values:
        status = DuplicateCluster.Status.OPEN
    page = page_number(request)
    rows = list(
        _clusters(request.dealership, status)[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1]
    )
    clusters = _attach_customers(request.dealership, rows[:PAGE_SIZE])
    return render(
        request,
        "dedupe/review.html",
        {
            "nav": "dedupe",
            "clusters": clusters,
            "status": status,
            "statuses": DuplicateCluster.Status.choices,
            "page": page,
            "has_next": len(rows) > PAGE_SIZE,
            "last_run": DedupeRun.objects.for_dealership(request.dealership).first(),
        },
    )


@require_POST
@dealer_admin_required
def run(request):
    """A background job (scoring a big store takes minutes); its page shows the progress,
    then comes back here with the count."""
    job = enqueue(
        find_duplicates,
        dealership=request.dealership,
        user=request.user,
        title=f"Duplicate search in {request.dealership.name}",
    )
    return redirect("jobs:detail", job_id=job.public_id)


def _get_cluster(request, cluster_id) -> DuplicateCluster:
    return get_visible_or_404(
        DuplicateCluster.objects.for_dealership(request.dealership), public_id=cluster_id
    )


@dealer_admin_required
def cluster_detail(request, cluster_id):
    cluster = _get_cluster(request, cluster_id)
    _attach_customers(request.dealership, [cluster])
    people = cluster.people
    survivor_id = request.GET.get("keep")
    survivor = next((p for p in people if str(p.public_id) == survivor_id), None)
    survivor = survivor or actions.suggest_survivor(people)
    others = [p for p in people if p.pk != survivor.pk] if survivor else []
    previews = [(other, actions.merge_preview(survivor, other)) for other in others]
    return render(
        request,
        "dedupe/cluster.html",
        {
            "nav": "dedupe",
            "cluster": cluster,
            "people": people,
            "survivor": survivor,
            "previews": previews,
        },
    )


@require_POST
@dealer_admin_required
def cluster_dismiss(request, cluster_id):
    cluster = _get_cluster(request, cluster_id)
    try:
        actions.dismiss_cluster(cluster, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Marked as different people; they will not be proposed again.")
    return redirect("dedupe:review")


@require_POST
@dealer_admin_required
def cluster_merge(request, cluster_id):
    """Merge one member of the cluster into the kept one, with the admin's field choices."""
    cluster = _get_cluster(request, cluster_id)
    store = Customer.objects.for_dealership(request.dealership)
    member_ids = set(cluster.members.values_list("customer_id", flat=True))
    survivor = store.filter(pk__in=member_ids, public_id=request.POST.get("survivor")).first()
    merged = store.filter(pk__in=member_ids, public_id=request.POST.get("merged")).first()
    if survivor is None or merged is None:
        messages.error(request, "Pick the customer to keep and the one to merge into it.")
        return redirect("dedupe:cluster", cluster_id=cluster.public_id)
    choices = {
        name: request.POST[f"choice_{name}"]
        for name in actions.MERGE_FIELDS
        if request.POST.get(f"choice_{name}")
    }
    try:
        record = actions.merge_customers(
            survivor,
            merged,
            acting_user=request.user,
            choices=choices,
            cluster=cluster,
            reason=request.POST.get("reason", "")[:300],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("dedupe:cluster", cluster_id=cluster.public_id)
    messages.success(request, f"{record.merged_name} merged into {record.survivor_name}.")
    return redirect("dedupe:merge_detail", merge_id=record.public_id)


def _get_merge(request, merge_id) -> Merge:
    return get_visible_or_404(
        Merge.objects.for_dealership(request.dealership).select_related("merged_by", "undone_by"),
        public_id=merge_id,
    )


@dealer_admin_required
def merge_list(request):
    merges = Merge.objects.for_dealership(request.dealership).select_related(
        "merged_by", "undone_by"
    )[:100]
    return render(request, "dedupe/merges.html", {"nav": "dedupe", "merges": merges})


@dealer_admin_required
def merge_detail(request, merge_id):
    record = _get_merge(request, merge_id)
    survivor = (
        Customer.objects.for_dealership(request.dealership).filter(pk=record.survivor_id).first()
    )
    return render(
        request,
        "dedupe/merge.html",
        {
            "nav": "dedupe",
            "merge": record,
            "survivor": survivor,
            "field_rows": actions.describe_fields(record),
            "moved": actions.describe_moved(record),
        },
    )


@require_POST
@dealer_admin_required
def merge_undo(request, merge_id):
    record = _get_merge(request, merge_id)
    try:
        restored = actions.undo_merge(
            record, acting_user=request.user, reason=request.POST.get("reason", "")[:300]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("dedupe:merge_detail", merge_id=record.public_id)
    messages.success(request, f"Merge undone: {restored.display_name} is back.")
    return redirect("customers:detail", customer_id=restored.public_id)
