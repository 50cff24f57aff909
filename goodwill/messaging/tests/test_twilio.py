"""The Twilio backend over real HTTP, against a local fake of Twilio's Messages API."""

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from goodwill.customers.actions import set_consent
from goodwill.messaging import actions, sms
from goodwill.outreach.models import Ask

SID = "AC" + "1" * 32


class FakeTwilio(BaseHTTPRequestHandler):
    requests: list = []
    answer: tuple[int, dict] = (201, {})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        FakeTwilio.requests.append(
            {"path": self.path, "form": form, "auth": self.headers.get("Authorization", "")}
        )
        status, body = FakeTwilio.answer
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def twilio(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeTwilio)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeTwilio.requests = []
    settings.GOODWILL_SMS_BACKEND = "goodwill.messaging.sms.TwilioBackend"
    settings.GOODWILL_TWILIO_ACCOUNT_SID = SID
    settings.GOODWILL_TWILIO_AUTH_TOKEN = "secret-token"
    settings.GOODWILL_TWILIO_API_BASE = f"http://127.0.0.1:{server.server_port}"
    yield FakeTwilio
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_the_twilio_backend_posts_the_text_to_the_messages_api(twilio):
    twilio.answer = (201, {"sid": "SM" + "a" * 32, "status": "queued", "account_sid": SID})
    sid = sms.get_backend().send(to="+15125550123", from_="+15125550100", body="Hello")
    assert sid == "SM" + "a" * 32
    [request] = twilio.requests
    assert request["path"] == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert request["form"] == {"To": "+15125550123", "From": "+15125550100", "Body": "Hello"}
    assert request["auth"] == "Basic " + base64.b64encode(f"{SID}:secret-token".encode()).decode()


def test_a_refused_text_is_not_delivered_and_not_counted(
    twilio, customer, alice, store_number, django_capture_on_commit_callbacks
):
    twilio.answer = (400, {"code": 21211, "message": "Invalid 'To' Phone Number", "status": 400})
    set_consent(customer, "text", granted=True, method="in_person", acting_user=alice)
    with django_capture_on_commit_callbacks(execute=True):
        message = actions.send_message(customer, channel="text", body="Hi", by=alice)
    message.refresh_from_db()
    assert message.status == "failed" and "21211" in message.error
    assert message.ask.outcome == Ask.Outcome.FAILED  # the cap does not count it
    assert len(twilio.requests) == 1


def test_twilio_without_credentials_says_what_to_set(settings):
    settings.GOODWILL_SMS_BACKEND = "goodwill.messaging.sms.TwilioBackend"
    settings.GOODWILL_TWILIO_ACCOUNT_SID = ""
    with pytest.raises(sms.SmsRefused, match="GOODWILL_TWILIO_ACCOUNT_SID"):
        sms.get_backend()


def test_the_file_backend_writes_one_line_per_text(settings, tmp_path):
    settings.GOODWILL_SMS_BACKEND = "goodwill.messaging.sms.FileBackend"
    settings.GOODWILL_SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    sms.get_backend().send(to="+15125550123", from_="+15125550100", body="One")
    sms.get_backend().send(to="+15125550123", from_="+15125550100", body="Two")
    lines = [json.loads(x) for x in (tmp_path / "sms.jsonl").read_text().splitlines()]
    assert [x["body"] for x in lines] == ["One", "Two"]
