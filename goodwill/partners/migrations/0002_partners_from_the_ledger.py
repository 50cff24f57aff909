from django.db import migrations


def partners_from_the_ledger(apps, schema_editor):
    """Everyone the ledger already credits with a referral (a customer, friend or partner,
    or a pro not on Goodwill) becomes a partner of the store that logged it, since their
    first referral. A customer already is one "since they were entered" (no sale history is
    read here; a later sale does not change it)."""
    Referral = apps.get_model("referrals", "Referral")
    Partner = apps.get_model("partners", "Partner")
    PartnerEvent = apps.get_model("partners", "PartnerEvent")
    rows = Referral.objects.order_by("sent_at", "id").select_related("referrer_customer")
    for referral in rows.exclude(referrer_customer=None, referrer_pro=None).iterator():
        customer = referral.referrer_customer
        if customer is not None:
            lookup = {"customer_id": customer.pk}
            defaults = {
                "kind": "business" if customer.kind == "business" else "person",
                "became_customer_at": customer.created_at
                if customer.relationship == "customer"
                else None,
            }
        else:
            lookup, defaults = {"pro_id": referral.referrer_pro_id}, {"kind": "pro"}
        partner, made = Partner.objects.get_or_create(
            dealership_id=referral.from_dealership_id,
            **lookup,
            defaults={"since": referral.sent_at, **defaults},
        )
        if made:
            PartnerEvent.objects.create(
                dealership_id=partner.dealership_id,
                partner=partner,
                at=referral.sent_at,
                verb="added",
                changes={"kind": ["", partner.kind]},
                note="From the referral ledger",
            )


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0001_initial"),
        ("referrals", "0006_thank_you_recipient_and_method"),
    ]

    operations = [migrations.RunPython(partners_from_the_ledger, migrations.RunPython.noop)]
