"""Where an opportunity goes: an internal referral to sales on the one referral ledger, to
the customer's salesperson or, when they have none, to whoever the up rotation gives the next
up. Only staff hear of it: an opportunity is never sent to the customer."""

from django.core.exceptions import ValidationError
from django.db import transaction

from goodwill.customers import actions as customer_actions
from goodwill.customers.models import Assignment, Customer
from goodwill.dealerships.models import User
from goodwill.floor import actions as floor_actions
from goodwill.floor import rotation
from goodwill.referrals import actions as referral_actions
from goodwill.service.models import Opportunity, RepairOrder


def sender_for(ro: RepairOrder):
    """Who a rule's referral is sent in the name of: the RO's advisor (who earns the
    referrer's credit), else the store's service manager, else its dealer admin."""
    if ro.advisor_id and ro.advisor.is_active:
        return ro.advisor
    staff = User.objects.filter(dealership_id=ro.dealership_id, is_active=True)
    return (
        staff.filter(role=User.Role.SERVICE_MANAGER).order_by("id").first()
        or staff.filter(role=User.Role.DEALER_ADMIN).order_by("id").first()
    )


def salesperson_for(customer: Customer):
    """The customer's salesperson if they can still sell; else whoever the up rotation
    gives the next up to; None when nobody is on the floor (then the sales department)."""
    person = customer.salesperson
    if (
        person is not None
        and person.is_active
        and not person.deactivated_at
        and person.role in User.SALES_ROLES
    ):
        return person
    store = customer.dealership
    return rotation.next_in_line(rotation.line(store, floor_actions.floor_settings(store)))


@transaction.atomic
def refer(opportunity: Opportunity, *, acting_user=None, note: str = "", notify: bool = True):
    """The opportunity becomes an internal referral to sales on the referral ledger. Only
    staff are told: an opportunity is never sent to the customer."""
    opp = (
        # Only the opportunity's row is locked: PostgreSQL refuses FOR UPDATE on the
        # nullable side of the outer joins (an RO without an advisor, an unassigned customer).
        Opportunity.objects.select_for_update(of=("self",))
        .select_related("repair_order__advisor", "customer__salesperson", "vehicle")
        .get(pk=opportunity.pk)
    )
    if opp.referral_id:
        return opp
    if opp.dismissed_at:
        raise ValidationError({"opportunity": ["This opportunity was dismissed."]})
    sibling = (
        Opportunity.objects.filter(
            vehicle_id=opp.vehicle_id,
            referral__status__in=["sent", "acknowledged", "contacted", "appointment"],
        )
        .exclude(pk=opp.pk)
        .select_related("referral")
        .first()
    )
    if sibling is not None:
        # Sales already has this customer about this vehicle: one referral, every reason.
        opp.referral = sibling.referral
        opp.save(update_fields=["referral"])
        return opp
    sender = acting_user or sender_for(opp.repair_order)
    if sender is None:
        raise ValidationError({"opportunity": ["Nobody in service or management to send it."]})
    to_user = salesperson_for(opp.customer)
    referral = referral_actions.send_referral(
        opp.customer,
        acting_user=sender,
        interest=f"Replacement for the {opp.vehicle}"[:300],
        to_user=to_user,
        to_department="" if to_user else "sales",
        make=opp.vehicle.make,
        note=f"{opp.reason}. {note}".strip()[:1000],
        notify=notify,
    )
    opp.referral = referral
    opp.save(update_fields=["referral"])
    if to_user is not None and opp.customer.salesperson_id is None:
        customer_actions.assign(
            opp.customer,
            Assignment.Role.SALES,
            to_user,
            acting_user=sender,
            reason="Service opportunity: next in the up rotation",
        )
    return opp
