"""What the floor tells the apps built on it (the Fails Department above all).

`floor` sits below `fails` in the layers: the floor logs ups and closes deals, fails works
back the ones that did not sell. So the floor never calls fails; it sends these signals and
fails connects its receivers in `FailsConfig.ready`. Receivers run inside the sending
action's transaction, so a failing receiver undoes the whole action."""

from django.dispatch import Signal

# A vehicle was sold (on the floor or recovered by Fails) and is now the customer's:
# `deal`, `vehicle` (customers.Vehicle), `previous_owner` (a Customer or None), `actor`, `at`.
# (Service books the first service and introduces the service advisor.)
vehicle_sold = Signal()

# A deal was marked not sold: `deal`, `actor`, `at`. (Fails puts it in its queue.)
deal_not_sold = Signal()

# An appointment's customer did not come: `appointment`. (Fails starts the be-back cadence.)
appointment_missed = Signal()

# Asked by the rotation: `dealership`, `user_ids`. A receiver returns the ids of the people
# among them who have overdue follow-ups (the "overdue work first" rule skips them).
overdue_owners = Signal()
