"""Feedback pages. The customer's side (the survey and its thank-you page) opens without a
login: the link's token is the key, it opens that one survey and nothing else, and every
request is rate-limited by address. The staff side lists surveys and answers (managers)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from goodwill.core.tenancy import manager_required, staff_required
from goodwill.feedback import actions, links
from goodwill.feedback.forms import AnswerForm, SettingsForm
from goodwill.feedback.models import Survey, SurveyResponse

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


@login_not_required
@never_cache
@require_http_methods(["GET"])
def survey_thanks(request, token):
    survey, refusal = _open_survey(request, token)
    if refusal:
        return refusal
    answer = SurveyResponse.objects.filter(survey=survey).first()
    if answer is None:
        return redirect("survey", token=token)
    context = {"survey": survey, "answer": answer, "store": survey.dealership}
    return render(request, "feedback/thanks.html", context)


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
    form = SettingsForm(request.POST or None, instance=rules)
    if request.method == "POST":
        if not request.user.is_manager:
            raise PermissionDenied("Only a manager can change the survey settings.")
        if form.is_valid():
            try:
                actions.update_settings(
                    request.dealership,
                    acting_user=request.user,
                    **{name: form.cleaned_data[name] for name in actions.SETTINGS_FIELDS},
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "Survey settings saved.")
                return redirect("feedback:settings")
    return render(
        request, "feedback/settings.html", {"nav": "feedback", "form": form, "rules": rules}
    )
