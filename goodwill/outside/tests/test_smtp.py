"""The outside pro's link through a real local SMTP server (aiosmtpd): the referral email
Kim receives, parsed back as a mail program would, and its link followed to a report."""

import pytest

from goodwill.outside.tests.helpers import LINK
from goodwill.referrals import actions as referral_actions
from goodwill.referrals.models import Referral
from goodwill.referrals.tests.test_emails import smtp  # noqa: F401  the SMTP server fixture

pytestmark = pytest.mark.django_db


def test_the_pros_link_arrives_by_smtp_and_takes_a_report(  # noqa: PLR0913
    smtp,  # noqa: F811
    client,
    customer,
    alice,
    kim,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        referral = referral_actions.send_referral(
            customer, acting_user=alice, interest="A Kia Telluride", pro=kim
        )
    [message] = [m for rcpts, m in smtp.messages if rcpts == ["kim@roundrockkia.example"]]
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Tell us how it goes" in body and "lead.adf.xml" in [
        p.get_filename() for p in message.iter_attachments()
    ]
    token = LINK.search(body).group(1)
    path = f"/p/{token}/"
    assert "Robert" not in path and str(referral.public_id) not in path
    page = client.get(path)
    assert page.status_code == 200 and "A Kia Telluride" in page.text
    assert client.post(path, {"action": "contact"}).status_code == 302
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.CONTACTED
