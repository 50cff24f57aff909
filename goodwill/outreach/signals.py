"""Events worth asking the customer about, sent by the app that owns them.

`outreach` sits low in the layers, so every app can send this and the feedback app (above
them all) can receive it without anyone importing anyone upwards: the floor for a sale, the
referrals app for a handled referral, the service app for a closed repair order.

    experience_completed.send(
        sender=RepairOrder,
        customer=ro.customer,          # the store's Customer
        department="service",          # "sales" | "service" | "referral"
        staff=ro.advisor,              # the User the survey names (or None)
        key=f"ro:{ro.public_id}",      # one survey per key, however often it is sent
        at=ro.closed_at,               # the survey goes out the store's delay after this
        subject="your 2019 Ford F-150's repair",
    )

Receivers run inside the sender's transaction."""

from django.dispatch import Signal

experience_completed = Signal()
