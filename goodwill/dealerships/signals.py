"""Signals the store sends for the apps built on it.

`dealerships` sits below `customers`, `api` and the rest, so it cannot call them; what they
must do when a staff member leaves they do in a receiver connected in their `AppConfig.ready`.
Receivers run inside the sending action's transaction: if one fails, nothing is saved."""

from django.dispatch import Signal

# Sent by `deactivate_staff` before the login is switched off, with `user`, `acting_user`,
# `reassign_to` (a User or None) and `reason`. A receiver returns how many records it handed
# over (customers to the colleague, say), or None.
staff_deactivating = Signal()

# An act the audit log records (`goodwill.audit`), sent by the store's own actions and by the
# layers below the audit app, which cannot call `audit.actions.record`: `actor` (the acting
# user, or None), `verb` (an `AuditEntry.Verb` value), `obj` (a model instance or None),
# `dealership` (whose log) and `detail` (a small dict). The receiver writes the row inside
# the sender's transaction.
audited = Signal()
