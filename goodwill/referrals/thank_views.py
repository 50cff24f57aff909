"""Thank-you pages: sending a note (in Goodwill, by email, as a printed letter), the
print-ready letter, and the note as the person thanked reads it. The sending itself is
`referrals.thanks.send_thank_you`."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from goodwill.core.tenancy import get_visible_or_404, staff_required
from goodwill.referrals import thanks
from goodwill.referrals.forms import ThankYouForm
from goodwill.referrals.models import ThankYou

SENT_WORDS = {
    ThankYou.Method.GOODWILL: "is in {whom}'s Goodwill inbox",
    ThankYou.Method.EMAIL: "is on its way to {whom} by email",
    ThankYou.Method.LETTER: "is logged as a letter to {whom}: print it now",
}


def _store_task(request, thankyou_id) -> ThankYou:
    return get_visible_or_404(
        ThankYou.objects.for_dealership(request.dealership).select_related(
            "referral__from_dealership",
            "to_customer",
            "to_user",
            "to_pro",
            "assigned_to",
            "done_by",
        ),
        public_id=thankyou_id,
    )


@require_POST
@staff_required
def thank_you_send(request, thankyou_id):
    task = _store_task(request, thankyou_id)
    thanks.check_can_send(task, request.user)
    form = ThankYouForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("referrals:thanks")
    method = form.cleaned_data["method"]
    try:
        thanks.send_thank_you(
            task, method=method, acting_user=request.user, message=form.cleaned_data["message"]
        )
    except ValidationError as exc:
        messages.error(request, f"Not sent to {task.thank_whom}: {' '.join(exc.messages)}")
        return redirect("referrals:thanks")
    messages.success(
        request, "The thank-you " + SENT_WORDS[method].format(whom=task.thank_whom) + "."
    )
    if method == ThankYou.Method.LETTER:
        return redirect("referrals:thank_you_letter", thankyou_id=task.public_id)
    return redirect("referrals:thanks")


@staff_required
def thank_you_letter(request, thankyou_id):
    """The note as a one-page letter on the store's letterhead (print CSS, letter size)."""
    task = _store_task(request, thankyou_id)
    store = task.dealership
    person = task.to_customer
    if person is not None:
        recipient = [person.display_name, person.street, _city_line(person)]
    elif task.to_user_id:
        pro_store = task.to_user.dealership
        recipient = [task.to_user.display_name, pro_store.name, pro_store.street]
        recipient.append(_city_line(pro_store))
    elif task.to_pro_id:
        pro = task.to_pro
        recipient = [pro.name, pro.store_name, pro.street, _city_line(pro)]
    else:
        recipient = [task.thank_whom]
    return render(
        request,
        "referrals/letter.html",
        {
            "task": task,
            "store": store,
            "recipient": [line for line in recipient if line],
            "dated": timezone.localtime(task.done_at or timezone.now()).date(),
            "paragraphs": [p.strip() for p in task.message.split("\n\n") if p.strip()],
            "can_send": task.status == ThankYou.Status.OPEN
            and ThankYou.Method.LETTER in thanks.methods_for(task),
        },
    )


def _city_line(place) -> str:
    tail = " ".join(p for p in (place.region, place.postal_code) if p)
    return ", ".join(p for p in (place.city, tail) if p)


@staff_required
def thank_you_detail(request, thankyou_id):
    """A note as its reader sees it: the person thanked (who may work at another store: they
    read this note and nothing else of that store), or the thanking store's staff."""
    task = get_visible_or_404(
        ThankYou.objects.filter(
            Q(dealership=request.dealership) | Q(to_user=request.user, status="done")
        ).select_related("dealership", "referral", "done_by", "assigned_to"),
        public_id=thankyou_id,
    )
    if task.to_user_id == request.user.pk and task.seen_at is None:
        task = thanks.mark_read(task, user=request.user)
    return render(
        request,
        "referrals/thank_you.html",
        {"nav": "referrals", "task": task, "mine": task.to_user_id == request.user.pk},
    )
