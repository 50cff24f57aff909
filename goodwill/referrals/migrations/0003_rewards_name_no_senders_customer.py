"""Rewards a receiving store pays named the sending store's referrer customer as payee
(issue 11, finding 3): they now name the salesperson who sent the business, as new rewards do
(`actions.payee_for`)."""

from django.db import migrations
from django.db.models import F


def rename_payees(apps, schema_editor):
    Reward = apps.get_model("referrals", "Reward")
    rows = (
        Reward.objects.exclude(dealership_id=F("referral__from_dealership_id"))
        .filter(referral__referrer_customer__isnull=False)
        .select_related("referral__sent_by", "referral__from_dealership")
    )
    for reward in rows.iterator():
        sender = reward.referral.sent_by
        name = f"{sender.first_name} {sender.last_name}".strip() or sender.username
        reward.payee = f"{name} ({reward.referral.from_dealership.name})"[:160]
        reward.save(update_fields=["payee"])


class Migration(migrations.Migration):
    dependencies = [("referrals", "0002_store_hours")]

    operations = [migrations.RunPython(rename_payees, migrations.RunPython.noop, elidable=True)]
