"""Plain Django views over one table: `.values()` into `JsonResponse`, a template for the page.
What a developer writes first, with no layers, no auth and no validation beyond JSON."""

import json
import re

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from bare.models import BareCustomer

FIELDS = (
    "public_id",
    "kind",
    "first_name",
    "last_name",
    "company_name",
    "relationship",
    "street",
    "city",
    "region",
    "postal_code",
    "notes",
    "primary_phone",
    "primary_email",
    "salesperson_id",
    "service_advisor_id",
    "created_at",
    "updated_at",
)
WRITABLE = FIELDS[1:11]


def _store():
    return BareCustomer.objects.filter(dealership_id=settings.BARE_DEALERSHIP_ID)


def _search(qs, q: str):
    q = q.strip()
    if not q:
        return qs
    if "@" in q:
        return qs.filter(primary_email=q.lower())
    if re.fullmatch(r"[A-HJ-NPR-Z0-9]{17}", q.upper()):
        return qs.filter(vin=q.upper())
    if re.fullmatch(r"\+?[\d\s()\-.]+", q):
        return qs.filter(primary_phone="+" + re.sub(r"\D", "", q))
    for token in q.lower().split()[:5]:
        qs = qs.filter(search_name__contains=token)
    return qs


def up(request):
    return HttpResponse("ok")


@csrf_exempt
def customers(request):
    if request.method == "POST":
        body = json.loads(request.body)
        fields = {f: body[f] for f in WRITABLE if f in body}
        phones, emails = body.get("phones") or [], body.get("emails") or []
        names = (fields.get("first_name"), fields.get("last_name"), fields.get("company_name"))
        row = BareCustomer.objects.create(
            dealership_id=settings.BARE_DEALERSHIP_ID,
            primary_phone=phones[0]["number"] if phones else "",
            primary_email=emails[0]["address"].lower() if emails else "",
            search_name=" ".join(n for n in names if n).lower(),
            **fields,
        )
        return JsonResponse({f: getattr(row, f) for f in FIELDS}, status=201)
    limit = min(int(request.GET.get("limit", 50)), 200)
    offset = int(request.GET.get("offset", 0))
    rows = list(
        _search(_store(), request.GET.get("q", "")).values(*FIELDS)[offset : offset + limit + 1]
    )
    return JsonResponse(
        {"items": rows[:limit], "limit": limit, "offset": offset, "has_more": len(rows) > limit}
    )


def customer(request, public_id):
    row = _store().filter(public_id=public_id).values(*FIELDS).first()
    if row is None:
        raise Http404
    return JsonResponse(row)


def customer_list(request):
    query = request.GET.get("q", "").strip()
    rows = list(_search(_store(), query)[:51])
    return render(
        request,
        "bare/list.html",
        {"customers": rows[:50], "has_next": len(rows) > 50, "query": query},
    )
