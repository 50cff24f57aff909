"""Feedback pages. The customer's side (the survey and its thank-you page) opens without a
login: the link's token is the key, it opens that one survey and nothing else, and every
request is rate-limited by address. The staff side lists surveys and answers (managers)."""

import uuid
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from goodwill.core.forms import settings_page
from goodwill.core.links import site_url
from goodwill.core.tenancy import get_visible_or_404, manager_required, staff_required
from goodwill.feedback import actions, links
from goodwill.feedback.forms import AnswerForm, CloseRecoveryForm, FriendForm, SettingsForm
from goodwill.feedback.models import Department, RecoveryTask, Survey, SurveyResponse
from goodwill.network.cards import qr_svg

PAGE_SIZE = 100


def _problem(request, problem: str, status: int):
    return render(request, "feedback/link_problem.html", {"problem": problem}, status=status)


def _open_survey(request, token):
    """(survey, None) for a usable link, else (None, the page that says why)."""
    if links.throttled(request):
        return None, _problem(
            request, "Too many requests from your connection; please try again shortly.", 429
        )
    survey = actions.survey_for_token(token)
    problem = actions.link_problem(survey)
    if problem:
        return None, _problem(request, problem, 404 if survey is None else 410)
    return survey, None


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def survey(request, token):
    """The survey: 0–10, one open question, the staff member's name. A second answer
    updates the first."""
    survey, refusal = _open_survey(request, token)
    if refusal:
        return refusal
    answer = SurveyResponse.objects.filter(survey=survey).first()
    initial = {"score": answer.score, "comment": answer.comment} if answer else None
    form = AnswerForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.answer_survey(survey, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("survey_thanks", token=token)
    status = 422 if request.method == "POST" else 200
    context = {"survey": survey, "form": form, "answer": answer, "store": survey.dealership}
    return render(request, "feedback/survey.html", context, status=status)


def _friend_form(data, *, store, promoter=None):
    if promoter is None:
        label = f"I agree that {store.name} may contact me about this by phone, text or email."
    else:
        label = (
            f"My friend agreed that {store.name} may contact them about this by phone, text "
            "or email."
        )
    return FriendForm(data, consent_label=label, prefix="friend")


def _refer(request, form, link, *, by_promoter: bool) -> bool:
    """Run the friend form through the action; False with the errors on the form."""
    if not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        actions.refer_friend(
            link,
            first_name=data["first_name"],
            last_name=data["last_name"],
            phone=data["phone"],
            email=data["email"],
            interest=data["interest"],
            consent=data["consent"],
            consent_wording=form.fields["consent"].label,
            by_promoter=by_promoter,
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return False
    return True


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def survey_thanks(request, token):
    """Thank you. A promoter who may be invited also gets their own referral link, its QR
    code and a one-tap "introduce a friend" form (posted here)."""
    survey, refusal = _open_survey(request, token)
    if refusal:
        return refusal
    answer = SurveyResponse.objects.filter(survey=survey).first()
    if answer is None:
        return redirect("survey", token=token)
    store = survey.dealership
    link = actions.invitation_for(survey) if answer.is_promoter else None
    if request.method == "POST" and link is None:
        return _problem(request, "There is nothing to send from this page.", 404)
    context = {"survey": survey, "answer": answer, "store": store}
    if link is not None:
        form = _friend_form(
            request.POST if request.method == "POST" else None,
            store=store,
            promoter=survey.customer,
        )
        if request.method == "POST" and _refer(request, form, link, by_promoter=True):
            return redirect(reverse("survey_thanks", kwargs={"token": token}) + "?introduced=1")
        url = site_url(reverse("referral_link", kwargs={"token": links.derived_token(link.salt)}))
        context |= {
            "link": link,
            "link_url": url,
            # segno writes the SVG from the URL alone: no text of ours goes into it.
            "qr": mark_safe(qr_svg(url)),  # nosec B308 B703 # segno's SVG of our own URL; no text of ours in it
            "form": form,
            "introduced": request.GET.get("introduced") == "1",
        }
    status = 422 if request.method == "POST" else 200
    return render(request, "feedback/thanks.html", context, status=status)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def referral_link(request, token):
    """A promoter's referral link: the friend leaves their details and their consent, and
    becomes a referral credited to the promoter. Opens this form only."""
    if links.throttled(request):
        return _problem(
            request, "Too many requests from your connection; please try again shortly.", 429
        )
    link = actions.referral_link_for_token(token)
    if link is None:
        return _problem(request, "This referral link is not valid any more.", 404)
    store = link.dealership
    form = _friend_form(request.POST if request.method == "POST" else None, store=store)
    if request.method == "POST" and _refer(request, form, link, by_promoter=False):
        return render(request, "feedback/referral_done.html", {"store": store, "link": link})
    status = 422 if request.method == "POST" else 200
    context = {"store": store, "link": link, "form": form}
    return render(request, "feedback/referral_link.html", context, status=status)


@manager_required
def survey_list(request):
    """The store's surveys, newest first, with their answers."""
    surveys = (
        Survey.objects.for_dealership(request.dealership)
        .select_related("customer", "staff", "response")
        .order_by("-due_at", "-id")
    )
    status = request.GET.get("status", "")
    if status in Survey.Status.values:
        surveys = surveys.filter(status=status)
    # Drill-down from the report: answers of one category, month or staff member.
    category = request.GET.get("category", "")
    if category in SurveyResponse.Category.values:
        surveys = surveys.filter(response__category=category)
    try:
        month = datetime.strptime(request.GET.get("month", ""), "%Y-%m")
    except ValueError:
        month = None
    if month is not None:
        surveys = surveys.filter(
            response__answered_at__year=month.year, response__answered_at__month=month.month
        )
    try:
        staff = uuid.UUID(request.GET.get("staff", ""))
    except ValueError:
        staff = None
    if staff is not None:
        surveys = surveys.filter(staff__public_id=staff)
    department = request.GET.get("department", "")
    if department in Department.values:
        surveys = surveys.filter(department=department)
    context = {
        "nav": "feedback",
        "surveys": surveys[:PAGE_SIZE],
        "statuses": Survey.Status.choices,
        "status": status,
        "rules": actions.settings_for(request.dealership),
    }
    return render(request, "feedback/surveys.html", context)


@staff_required
def survey_settings(request):
    """Managers change the survey delay and the link's life; everyone else reads them."""
    rules = actions.settings_for(request.dealership)
    if request.method == "POST" and not request.user.is_manager:
        raise PermissionDenied("Only a manager can change the survey settings.")
    return settings_page(
        request,
        SettingsForm(request.POST or None, instance=rules),
        actions,
        saved="Survey settings saved.",
        to="feedback:settings",
        template="feedback/settings.html",
        context={"nav": "feedback", "rules": rules},
    )


@staff_required
def recovery_list(request):
    """Recovery tasks: a manager sees the store's, open ones first (oldest first)."""
    tasks = RecoveryTask.objects.visible_to(request.user).select_related(
        "customer", "manager", "response__survey__staff"
    )
    show = request.GET.get("show", "open")
    if show == "open":
        tasks = tasks.filter(status=RecoveryTask.Status.OPEN).order_by("opened_at", "id")
    elif show == "mine":
        tasks = tasks.filter(manager=request.user, status=RecoveryTask.Status.OPEN)
    else:
        show = "all"
        tasks = tasks.order_by("-opened_at", "-id")
    context = {"nav": "feedback", "tasks": tasks[:PAGE_SIZE], "show": show}
    return render(request, "feedback/recovery_list.html", context)


@staff_required
def recovery_detail(request, task_id):
    task = get_visible_or_404(
        RecoveryTask.objects.visible_to(request.user).select_related(
            "customer", "manager", "closed_by", "response__survey__staff"
        ),
        public_id=task_id,
    )
    form = CloseRecoveryForm()
    return render(
        request, "feedback/recovery_detail.html", {"nav": "feedback", "task": task, "form": form}
    )


@staff_required
@require_POST
def recovery_close(request, task_id):
    task = get_visible_or_404(RecoveryTask.objects.visible_to(request.user), public_id=task_id)
    if not request.user.is_manager:
        raise PermissionDenied("Only a manager closes a recovery task.")
    form = CloseRecoveryForm(request.POST)
    if form.is_valid():
        try:
            actions.close_recovery(task, acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Recovery of {task.customer.display_name} closed.")
            return redirect("feedback:recovery_detail", task_id=task.public_id)
    task.refresh_from_db()
    context = {"nav": "feedback", "task": task, "form": form}
    return render(request, "feedback/recovery_detail.html", context, status=422)
