"""The conversation with a customer (texts and emails, compose) and the store's templates.
Thin: `actions` decides and writes."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from goodwill.core.forms import errors_to_form
from goodwill.core.tenancy import get_visible_or_404, manager_required, staff_required
from goodwill.customers.models import Customer
from goodwill.fails.models import FollowUp
from goodwill.messaging import actions
from goodwill.messaging.forms import ComposeForm, NumberForm, TemplateForm
from goodwill.messaging.models import PLACEHOLDERS, Message, MessageTemplate
from goodwill.outreach import policy
from goodwill.outreach.models import Ask


def _follow_up(request, customer, raw):
    """The due follow-up of this customer the message answers (mine, or any for a manager)."""
    try:
        follow_up_id = uuid.UUID(str(raw))
    except ValueError:
        return None
    rows = FollowUp.objects.for_dealership(request.dealership).filter(
        customer=customer, status=FollowUp.Status.DUE, public_id=follow_up_id
    )
    if not request.user.is_manager:
        rows = rows.filter(owner=request.user)
    return rows.first()


@staff_required
def conversation(request, customer_id):
    customer = get_visible_or_404(Customer.objects.visible_to(request.user), public_id=customer_id)
    raw_follow_up = request.POST.get("follow_up") or request.GET.get("follow_up") or ""
    follow_up = _follow_up(request, customer, raw_follow_up) if raw_follow_up else None
    initial = {"channel": request.GET.get("channel", "text")}
    if follow_up is not None:
        initial["follow_up"] = follow_up.public_id
    form = ComposeForm(request.POST or None, dealership=request.dealership, initial=initial)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                message = actions.send_message(
                    customer,
                    channel=data["channel"],
                    body=data["body"],
                    subject=data["subject"],
                    template=data["template"],
                    follow_up=follow_up,
                    by=request.user,
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                what = "Text" if message.channel == Message.Channel.TEXT else "Email"
                messages.success(request, f"{what} to {customer.display_name} is on its way.")
                return redirect("messaging:conversation", customer_id=customer.public_id)
    else:
        actions.mark_read(customer, user=request.user)
    kind = Ask.Kind.FOLLOW_UP if follow_up else Ask.Kind.MESSAGE
    thread = list(
        Message.objects.for_dealership(request.dealership)
        .filter(customer=customer)
        .select_related("by")
        .order_by("-at", "-id")[:50]
    )[::-1]
    return render(
        request,
        "messaging/conversation.html",
        {
            "nav": "customers",
            "customer": customer,
            "form": form,
            "thread": thread,
            "follow_up": follow_up,
            "text_ok": policy.may_ask(customer, kind, Ask.Channel.TEXT),
            "email_ok": policy.may_ask(customer, kind, Ask.Channel.EMAIL),
            "placeholders": PLACEHOLDERS,
        },
        status=status,
    )


@manager_required
def templates(request):
    store = request.dealership
    form = TemplateForm(request.POST or None)
    number_form = NumberForm(initial={"sms_number": actions.sms_number(store)})
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                actions.save_template(store, acting_user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, "Template saved.")
                return redirect("messaging:templates")
    return _templates_page(request, form, number_form, status)


def _templates_page(request, form, number_form, status):
    return render(
        request,
        "messaging/templates.html",
        {
            "nav": "customers",
            "form": form,
            "number_form": number_form,
            "rows": list(MessageTemplate.objects.for_dealership(request.dealership)),
            "placeholders": PLACEHOLDERS,
        },
        status=status,
    )


@manager_required
def template_edit(request, template_id):
    template = get_visible_or_404(
        MessageTemplate.objects.for_dealership(request.dealership), public_id=template_id
    )
    form = TemplateForm(request.POST or None, instance=template)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in TemplateForm.Meta.fields}
        try:
            actions.save_template(
                request.dealership, acting_user=request.user, template=template, **data
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, "Template saved.")
            return redirect("messaging:templates")
    return render(
        request,
        "messaging/template_edit.html",
        {"nav": "customers", "form": form, "template": template, "placeholders": PLACEHOLDERS},
        status=422 if request.method == "POST" else 200,
    )


@manager_required
@require_POST
def number(request):
    number_form = NumberForm(request.POST)
    if number_form.is_valid():
        try:
            actions.set_sms_number(
                request.dealership,
                acting_user=request.user,
                number=number_form.cleaned_data["sms_number"],
            )
        except ValidationError as exc:
            errors_to_form(number_form, exc)
        else:
            messages.success(request, "Texting number saved.")
            return redirect("messaging:templates")
    return _templates_page(request, TemplateForm(), number_form, 422)
