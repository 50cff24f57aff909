"""Follow-up contacts move into the one ask log (`outreach.Ask`, kind "follow_up"): each
`Contact` becomes an ask, linked from its follow-up, and the table goes."""

import uuid

import django.db.models.deletion
from django.db import migrations, models


def contacts_to_asks(apps, schema_editor):
    Contact = apps.get_model("fails", "Contact")
    Ask = apps.get_model("outreach", "Ask")
    FollowUp = apps.get_model("fails", "FollowUp")
    labels = {"fails": "Fails follow-up", "be_back": "Be-back follow-up"}
    for contact in Contact.objects.select_related("follow_up").iterator(chunk_size=500):
        ask = Ask.objects.create(
            dealership_id=contact.dealership_id,
            public_id=uuid.uuid4(),
            customer_id=contact.customer_id,
            kind="follow_up",
            channel=contact.channel,
            by_id=contact.by_id,
            at=contact.at,
            outcome="sent",
            source=labels.get(contact.follow_up.kind, "") if contact.follow_up_id else "",
            note=contact.note,
        )
        if contact.follow_up_id:
            FollowUp.objects.filter(pk=contact.follow_up_id).update(ask=ask)


class Migration(migrations.Migration):
    dependencies = [
        ("fails", "0003_referral_links"),
        ("outreach", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="followup",
            name="ask",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="follow_up",
                to="outreach.ask",
            ),
        ),
        migrations.RunPython(contacts_to_asks, migrations.RunPython.noop),
        migrations.DeleteModel(name="Contact"),
    ]
