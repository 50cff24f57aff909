"""Idempotency-Key support for creates: a retry returns the first answer and creates
nothing; the same key with a different body is refused (422)."""

import hashlib
import json
from contextlib import nullcontext

from django.db import IntegrityError, connection, transaction
from ninja import Status
from ninja.errors import HttpError
from ninja.responses import NinjaJSONEncoder

from goodwill.api.models import IdempotencyRecord
from goodwill.api.responses import json_answer, render

HEADER = "Idempotency-Key"


def run_idempotent(
    request, create, *, schema, status: int = 201, trusted: bool = False, at_once=None
):
    """`create()` returns the response payload for `schema`. Runs once per key; the stored
    answer is the JSON the client saw, so a replay is byte-for-byte the same.

    `trusted`: the payload is already shaped by the schema (an `*_out` function of values the
    ORM typed) and is rendered as it is, not validated again (`goodwill.api.responses`).

    `at_once(keep)`: a create that can write everything in one statement (a customer's on
    PostgreSQL, `customers.writes`); it returns the payload, or None having written nothing
    (then `create()` runs, the long way). With a key, `keep(payload)` gives the key's row,
    answer included, for that same statement: a retry fails on the key's unique index
    before anything of it is kept, and replays the answer, as below."""
    key = request.headers.get(HEADER, "").strip()
    if not key:
        payload = at_once(None) if at_once is not None else None
        if payload is None:
            payload = create()
        return json_answer(payload, status=status) if trusted else Status(status, payload)
    if len(key) > 255:
        raise HttpError(422, f"{HEADER} must be at most 255 characters.")
    fingerprint = hashlib.sha256(
        request.method.encode() + request.path.encode() + request.body
    ).hexdigest()
    user = request.auth
    scope = {"dealership_id": user.dealership_id, "user": user, "key": key}

    def answer(payload) -> dict:
        if trusted:
            rendered = render(payload)
        else:
            rendered = json.dumps(schema.model_validate(payload), cls=NinjaJSONEncoder)
        # The first answer is the stored JSON too, so a replay cannot differ from it (a
        # datetime's sub-millisecond digits, say).
        return json.loads(rendered)

    def reply(response: dict, code: int):
        return json_answer(response, status=code) if trusted else Status(code, response)

    try:
        if at_once is not None:
            kept = {}

            def keep(payload):
                kept["response"] = answer(payload)
                row = {"dealership_id": user.dealership_id, "user_id": user.pk, "key": key}
                return IdempotencyRecord, {
                    **row,
                    "request_hash": fingerprint,
                    "status_code": status,
                    "response": kept["response"],
                }

            # Inside a caller's transaction (a test's) a failed statement must not spoil it.
            savepoint = transaction.atomic() if connection.in_atomic_block else nullcontext()
            with savepoint:
                payload = at_once(keep)
            if payload is not None:
                return reply(kept["response"], status)
        with transaction.atomic():
            # The key row is written first: a retry fails on its unique index at once (a
            # concurrent one after waiting for the first to commit) and replays the answer,
            # without running the create again. No read before: a new key costs no query.
            record = IdempotencyRecord.objects.create(request_hash=fingerprint, **scope)
            payload = create()
            record.status_code, record.response = status, answer(payload)
            record.save(update_fields=["status_code", "response"])
            return reply(record.response, status)
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
    return reply(previous.response, previous.status_code)
