"""The survey through a real local SMTP server (aiosmtpd): the email a customer receives,
parsed back as a mail program would, and its link followed to an answer."""

import pytest

from goodwill.feedback.models import SurveyResponse
from goodwill.feedback.tests.helpers import allow_email, link_in, run_survey_jobs, sell
from goodwill.referrals.tests.test_emails import smtp  # noqa: F401  the SMTP server fixture

pytestmark = pytest.mark.django_db


def test_a_survey_arrives_by_smtp_and_its_link_takes_the_answer(smtp, client, customer, alice):  # noqa: F811
    allow_email(customer, alice)
    sell(customer, alice, vehicle="2026 Ford Bronco")
    run_survey_jobs()
    [(recipients, message)] = smtp.messages
    assert recipients == ["bob.k@example.com"]
    assert message["Subject"] == "How did we do, Robert?"
    body = message.get_content()
    assert "Alice Test" in body and "your 2026 Ford Bronco" in body
    path, token = link_in(message)
    assert "Kowalski" not in path and "bob" not in path and str(customer.public_id) not in path
    page = client.get(path)
    assert page.status_code == 200 and "Alice Test" in page.text
    answered = client.post(path, {"score": "9", "comment": "Smooth from test drive to keys"})
    assert answered.status_code == 302
    thanks = client.get(answered["Location"])
    assert thanks.status_code == 200 and "Thank you, Robert" in thanks.text
    response = SurveyResponse.objects.get(customer=customer)
    assert (response.score, response.comment) == (9, "Smooth from test drive to keys")
    assert len(smtp.messages) == 1
