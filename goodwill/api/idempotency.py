"""Idempotency-Key support for creates: a retry returns the first answer and creates
nothing; the same key with a different body is refused (422)."""

import hashlib
import json

from django.db import IntegrityError, transaction
from ninja import Status
from ninja.errors import HttpError
from ninja.responses import NinjaJSONEncoder

from goodwill.api.models import IdempotencyRecord
from goodwill.api.responses import json_answer, render

HEADER = "Idempotency-Key"


def run_idempotent(request, create, *, schema, status: int = 201, trusted: bool = False):
    """`create()` returns the response payload for `schema`. Runs once per key; the stored
    answer is the JSON the client saw, so a replay is byte-for-byte the same.

    `trusted`: the payload is already shaped by the schema (an `*_out` function of values the
    ORM typed) and is rendered as it is, not validated again (`goodwill.api.responses`)."""
    key = request.headers.get(HEADER, "").strip()
    if not key:
        payload = create()
        return json_answer(payload, status=status) if trusted else Status(status, payload)
    if len(key) > 255:
        raise HttpError(422, f"{HEADER} must be at most 255 characters.")
    fingerprint = hashlib.sha256(
        request.method.encode() + request.path.encode() + request.body
    ).hexdigest()
    user = request.auth
    scope = {"dealership_id": user.dealership_id, "user": user, "key": key}
    try:
        with transaction.atomic():
            # The key row is written first: a retry fails on its unique index at once (a
            # concurrent one after waiting for the first to commit) and replays the answer,
            # without running the create again. No read before: a new key costs no query.
            record = IdempotencyRecord.objects.create(request_hash=fingerprint, **scope)
            payload = create()
            if trusted:
                rendered = render(payload)
            else:
                rendered = json.dumps(schema.model_validate(payload), cls=NinjaJSONEncoder)
            # The first answer is the stored JSON too, so a replay cannot differ from it (a
            # datetime's sub-millisecond digits, say).
            record.status_code, record.response = status, json.loads(rendered)
            record.save(update_fields=["status_code", "response"])
            if trusted:
                return json_answer(record.response, status=status)
            return Status(status, record.response)
    except IntegrityError:
        previous = IdempotencyRecord.objects.filter(**scope).first()
        if previous is None:
            raise
    if previous.request_hash != fingerprint:
        raise HttpError(
            422,
            f"This {HEADER} was already used with a different request. "
            "Use a new key for a new request.",
        )
    if trusted:
        return json_answer(previous.response, status=previous.status_code)
    return Status(previous.status_code, previous.response)
