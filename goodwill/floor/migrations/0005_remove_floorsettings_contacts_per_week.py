"""The weekly contact cap moves to the store's ask policy (`outreach.OutreachSettings`): a
store that changed it keeps its number there."""

from django.db import migrations


def move_cap(apps, schema_editor):
    FloorSettings = apps.get_model("floor", "FloorSettings")
    OutreachSettings = apps.get_model("outreach", "OutreachSettings")
    for rules in FloorSettings.objects.exclude(contacts_per_week=2):
        OutreachSettings.objects.update_or_create(
            dealership_id=rules.dealership_id,
            defaults={"asks_per_week": rules.contacts_per_week},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("floor", "0004_follow_up_paced_event"),
        ("outreach", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(move_cap, migrations.RunPython.noop),
        migrations.RemoveField(model_name="floorsettings", name="contacts_per_week"),
    ]
