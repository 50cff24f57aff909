from datetime import time

import pytest

from goodwill.customers.actions import set_consent
from goodwill.messaging import actions, sms
from goodwill.outreach import actions as outreach_actions

STORE_NUMBER = "+15125550100"
TOKEN = "test-auth-token"


@pytest.fixture(autouse=True)
def texting(settings):
    """Texts go to `sms.outbox`; Twilio's webhook is signed with TOKEN."""
    settings.GOODWILL_SMS_BACKEND = "goodwill.messaging.sms.MemoryBackend"
    settings.GOODWILL_TWILIO_AUTH_TOKEN = TOKEN
    settings.GOODWILL_SMS_FROM = ""
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture
def store_number(store_a, mike):
    """Store A texts from STORE_NUMBER; no quiet hours (the tests run at any hour)."""
    actions.set_sms_number(store_a, acting_user=mike, number=STORE_NUMBER)
    outreach_actions.update_settings(
        store_a, acting_user=mike, quiet_from=time(0), quiet_until=time(0)
    )
    return STORE_NUMBER


@pytest.fixture
def texter(customer, alice, store_number):
    """The shared customer (salesperson alice) agreed to texts and emails."""
    for channel in ("text", "email"):
        set_consent(customer, channel, granted=True, method="in_person", acting_user=alice)
    return customer
