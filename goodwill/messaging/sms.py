"""Pluggable SMS backends, chosen by `GOODWILL_SMS_BACKEND` (a dotted path), in the manner
of Django's email backends:

- `goodwill.messaging.sms.ConsoleBackend` (the default: the demo prints each text),
- `goodwill.messaging.sms.FileBackend` (appends JSON lines to `GOODWILL_SMS_FILE_PATH`),
- `goodwill.messaging.sms.MemoryBackend` (tests: `sms.outbox`, like `mail.outbox`),
- `goodwill.messaging.sms.TwilioBackend` (Twilio's REST API through the `twilio` library;
  `GOODWILL_TWILIO_ACCOUNT_SID`, `GOODWILL_TWILIO_AUTH_TOKEN`; `GOODWILL_TWILIO_API_BASE`
  points it at a proxy or, in tests, at a local fake server).

`send(to=, from_=, body=)` returns the provider's id of the message, or raises `SmsRefused`
(the provider said no: a bad number, an opted-out phone; not worth retrying). Any other
error is worth a retry (the delivery job retries)."""

import json
import sys
import threading
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

TWILIO_API = "https://api.twilio.com"

outbox: list[dict] = []  # MemoryBackend's sent texts


class SmsRefused(Exception):
    """The provider refused this text for good (its reason is the message)."""


class BaseBackend:
    def send(self, *, to: str, from_: str, body: str) -> str:
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, *, to, from_, body):
        sid = f"console-{uuid.uuid4().hex[:16]}"
        self.stream.write(f"SMS {sid} from {from_} to {to}:\n{body}\n{'-' * 40}\n")
        self.stream.flush()
        return sid


class FileBackend(BaseBackend):
    _lock = threading.Lock()

    def send(self, *, to, from_, body):
        sid = f"file-{uuid.uuid4().hex[:16]}"
        path = Path(
            getattr(settings, "GOODWILL_SMS_FILE_PATH", "") or settings.DATA_DIR / "sms.jsonl"
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        line = {"sid": sid, "to": to, "from": from_, "body": body, "at": timezone.now()}
        with self._lock, path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, default=str) + "\n")
        return sid


class MemoryBackend(BaseBackend):
    def send(self, *, to, from_, body):
        sid = f"mem-{len(outbox) + 1}"
        outbox.append({"sid": sid, "to": to, "from": from_, "body": body})
        return sid


class _BaseUrlHttpClient(TwilioHttpClient):
    """Twilio's HTTP client with the API's address replaced (a proxy, a local fake)."""

    def __init__(self, base: str, **kwargs):
        super().__init__(**kwargs)
        self.base = base.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        if url.startswith(TWILIO_API):
            url = self.base + url[len(TWILIO_API) :]
        return super().request(method, url, *args, **kwargs)


class TwilioBackend(BaseBackend):
    def __init__(self):
        sid = settings.GOODWILL_TWILIO_ACCOUNT_SID
        token = settings.GOODWILL_TWILIO_AUTH_TOKEN
        if not sid or not token:
            raise SmsRefused(
                "Texting through Twilio needs GOODWILL_TWILIO_ACCOUNT_SID and "
                "GOODWILL_TWILIO_AUTH_TOKEN."
            )
        base = getattr(settings, "GOODWILL_TWILIO_API_BASE", "") or TWILIO_API
        http = _BaseUrlHttpClient(base, timeout=15) if base != TWILIO_API else None
        self.client = Client(sid, token, http_client=http)

    def send(self, *, to, from_, body):
        try:
            message = self.client.messages.create(to=to, from_=from_, body=body)
        except TwilioRestException as exc:
            if exc.status and 400 <= exc.status < 500 and exc.status != 429:
                raise SmsRefused(f"Twilio refused the text ({exc.code}): {exc.msg}") from exc
            raise
        return message.sid


def get_backend() -> BaseBackend:
    return import_string(settings.GOODWILL_SMS_BACKEND)()
