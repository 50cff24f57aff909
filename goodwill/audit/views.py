"""The audit log page (dealer admins): filters, pages and the CSV download."""

import csv
import json

from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from goodwill.audit.actions import Verb, record
from goodwill.audit.forms import AuditFilterForm
from goodwill.audit.models import AuditEntry
from goodwill.core import storewall
from goodwill.core.paging import page_number
from goodwill.core.spreadsheet import safe_cell
from goodwill.core.tenancy import dealer_admin_required

PAGE_SIZE = 100
CSV_COLUMNS = ["when", "who", "username", "act", "verb", "object", "object id", "record",
               "detail", "address", "via"]  # fmt: skip


def _entries(request):
    form = AuditFilterForm(request.GET, dealership=request.dealership)
    entries = AuditEntry.objects.visible_to(request.user).matching(**form.filters())
    return form, entries.select_related("user")


@dealer_admin_required
def audit_log(request):
    form, entries = _entries(request)
    page = page_number(request)
    rows = list(entries[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/log.html",
        {
            "nav": "audit",
            "form": form,
            "entries": rows[:PAGE_SIZE],
            "page": page,
            "has_next": len(rows) > PAGE_SIZE,
            "query": query.urlencode(),
        },
    )


class _Echo:
    def write(self, value):
        return value


@dealer_admin_required
def audit_csv(request):
    """The filtered log as CSV, every matching entry, streamed; cells are formula-safe."""
    form, entries = _entries(request)
    record(request, Verb.EXPORTED, what="audit log", filters=request.GET.dict())
    writer = csv.writer(_Echo())
    zone = timezone.get_current_timezone()

    def rows():
        yield "\ufeff"  # Excel opens UTF-8 with a BOM correctly
        yield writer.writerow(CSV_COLUMNS)
        for e in entries.iterator(chunk_size=2000):
            who = e.user
            cells = [
                timezone.localtime(e.at, zone).isoformat(timespec="seconds"),
                who.display_name if who else "",
                who.username if who else "",
                e.get_verb_display(),
                e.verb,
                e.object_kind,
                e.object_id,
                e.object_label,
                json.dumps(e.detail, ensure_ascii=False, sort_keys=True) if e.detail else "",
                e.ip or "",
                e.via,
            ]
            yield writer.writerow([safe_cell(c) for c in cells])

    response = StreamingHttpResponse(
        storewall.in_same_scope(rows()), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    return response
