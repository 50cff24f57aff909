"""Feedback in the JSON API: surveys (and scheduling one for an event a connected system
reports), survey responses (and recording one a customer gave by phone or on paper), and
recovery tasks (closing one). The same actions and scoped querysets as the pages."""

from datetime import datetime
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from goodwill.api.idempotency import run_idempotent
from goodwill.api.schemas import (
    Error,
    In,
    Moment,
    Page,
    StaffRef,
    choices,
    narrowed,
    offset_param,
    page_of,
    staff_ref,
)
from goodwill.customers.models import Customer
from goodwill.dealerships.models import User
from goodwill.feedback import actions
from goodwill.feedback.models import Department, RecoveryTask, Survey, SurveyResponse

router = Router(tags=["feedback"])

DepartmentName = choices(Department)
StatusName = choices(Survey.Status)
CategoryName = choices(SurveyResponse.Category)
TaskStatusName = choices(RecoveryTask.Status)


class SurveyOut(Schema):
    id: UUID
    customer_id: UUID
    department: DepartmentName
    staff: StaffRef | None = Field(description="The salesperson or advisor the survey names")
    subject: str
    event_key: str = Field(description="The event it is for: one survey per key")
    event_at: datetime
    status: StatusName
    status_note: str = Field(description="Why it did not go out (or why it waits)")
    due_at: datetime
    sent_at: datetime | None
    expires_at: datetime | None = Field(description="When the customer's link stops working")
    response_id: UUID | None


class SurveyPage(Page[SurveyOut]):
    pass


class SurveyIn(In):
    customer_id: UUID
    department: DepartmentName
    key: str = Field(
        min_length=1,
        max_length=120,
        description="The event, e.g. `dms-deal:4411`: the same key again returns the survey "
        "already scheduled",
    )
    staff_id: UUID | None = None
    at: datetime | None = Field(None, description="When the experience ended (default: now)")
    subject: str = Field("", max_length=120, description="e.g. “your 2024 Ford F-150”")


class ResponseOut(Schema):
    id: UUID
    survey_id: UUID
    customer_id: UUID
    department: DepartmentName
    staff: StaffRef | None
    score: int
    category: CategoryName
    comment: str
    first_answered_at: datetime
    answered_at: datetime
    times_answered: int
    recovery_task_id: UUID | None


class ResponsePage(Page[ResponseOut]):
    pass


class ResponseIn(In):
    survey_id: UUID
    score: int = Field(ge=0, le=10)
    comment: str = Field("", max_length=2000)


class TaskOut(Schema):
    id: UUID
    customer_id: UUID
    response_id: UUID
    department: DepartmentName
    manager: StaffRef | None
    score: int
    comment: str
    status: TaskStatusName
    opened_at: datetime
    closed_at: datetime | None
    closed_by: StaffRef | None
    action_taken: str
    won_back: bool | None


class TaskPage(Page[TaskOut]):
    pass


class CloseIn(In):
    action_taken: str = Field(min_length=1, max_length=2000)
    won_back: bool


def survey_out(s: Survey) -> dict:
    response = getattr(s, "answer", None)
    return {
        "id": s.public_id,
        "customer_id": s.customer.public_id,
        "department": s.department,
        "staff": staff_ref(s.staff),
        "subject": s.subject,
        "event_key": s.event_key,
        "event_at": s.event_at,
        "status": s.status,
        "status_note": s.status_note,
        "due_at": s.due_at,
        "sent_at": s.sent_at,
        "expires_at": s.expires_at,
        "response_id": response.public_id if response else None,
    }


def response_out(r: SurveyResponse) -> dict:
    task = getattr(r, "task", None)
    return {
        "id": r.public_id,
        "survey_id": r.survey.public_id,
        "customer_id": r.customer.public_id,
        "department": r.department,
        "staff": staff_ref(r.staff),
        "score": r.score,
        "category": r.category,
        "comment": r.comment,
        "first_answered_at": r.first_answered_at,
        "answered_at": r.answered_at,
        "times_answered": r.times_answered,
        "recovery_task_id": task.public_id if task else None,
    }


def task_out(t: RecoveryTask) -> dict:
    return {
        "id": t.public_id,
        "customer_id": t.customer.public_id,
        "response_id": t.response.public_id,
        "department": t.department,
        "manager": staff_ref(t.manager),
        "score": t.score,
        "comment": t.comment,
        "status": t.status,
        "opened_at": t.opened_at,
        "closed_at": t.closed_at,
        "closed_by": staff_ref(t.closed_by),
        "action_taken": t.action_taken,
        "won_back": t.won_back,
    }


def _surveys(request):
    return Survey.objects.visible_to(request.user).select_related("customer", "staff")


def _with_answers(surveys: list[Survey]) -> list[Survey]:
    """Attach each survey's answer with one query for the page (a missing reverse one-to-one
    would otherwise cost a query per survey)."""
    answers = {
        r.survey_id: r
        for r in SurveyResponse.objects.filter(survey__in=surveys).only("survey_id", "public_id")
    }
    for s in surveys:
        s.answer = answers.get(s.pk)
    return surveys


def _responses(request):
    return SurveyResponse.objects.visible_to(request.user).select_related(
        "survey", "customer", "staff"
    )


def _with_tasks(responses: list[SurveyResponse]) -> list[SurveyResponse]:
    tasks = {
        t.response_id: t
        for t in RecoveryTask.objects.filter(response__in=responses).only(
            "response_id", "public_id"
        )
    }
    for r in responses:
        r.task = tasks.get(r.pk)
    return responses


def _tasks(request):
    return RecoveryTask.objects.visible_to(request.user).select_related(
        "customer", "response", "manager", "closed_by"
    )


def _paged(rows, *, limit, offset, out, attach):
    page = page_of(rows, limit=limit, offset=offset, out=lambda x: x)
    page["items"] = [out(x) for x in attach(page["items"])]
    return page


@router.get("/surveys", response=SurveyPage, summary="Surveys (newest due first)")
def list_surveys(
    request,
    customer_id: UUID | None = None,
    status: StatusName | None = None,
    department: DepartmentName | None = None,
    limit: int = Query(50, ge=1, le=200),
    offset: int = offset_param(),
):
    qs = narrowed(
        _surveys(request).order_by("-due_at", "-id"),
        customer__public_id=customer_id,
        status=status,
        department=department,
    )
    return _paged(qs, limit=limit, offset=offset, out=survey_out, attach=_with_answers)


@router.post(
    "/surveys",
    response={201: SurveyOut, 422: Error},
    summary="Schedule the survey of an experience a connected system reports (once per key)",
)
def create_survey(request, payload: SurveyIn):
    def create():
        customer = (
            Customer.objects.visible_to(request.user).filter(public_id=payload.customer_id).first()
        )
        if customer is None:
            raise ValidationError({"customer_id": ["Not found in your store."]})
        staff = None
        if payload.staff_id is not None:
            staff = User.objects.filter(
                dealership_id=request.user.dealership_id, public_id=payload.staff_id
            ).first()
            if staff is None:
                raise ValidationError({"staff_id": ["Not a staff member of your store."]})
        survey = actions.schedule_survey(
            customer,
            department=payload.department,
            key=payload.key,
            staff=staff,
            at=payload.at,
            subject=payload.subject,
        )
        return survey_out(_with_answers([_surveys(request).get(pk=survey.pk)])[0])

    return run_idempotent(request, create, schema=SurveyOut)


@router.get("/surveys/{uuid:survey_id}", response=SurveyOut)
def get_survey(request, survey_id: UUID):
    survey = get_object_or_404(_surveys(request), public_id=survey_id)
    return survey_out(_with_answers([survey])[0])


@router.get(
    "/survey-responses", response=ResponsePage, summary="Survey answers (latest answer first)"
)
def list_responses(
    request,
    customer_id: UUID | None = None,
    category: CategoryName | None = None,
    department: DepartmentName | None = None,
    since: Moment | None = None,
    limit: int = Query(50, ge=1, le=200),
    offset: int = offset_param(),
):
    qs = narrowed(
        _responses(request).order_by("-answered_at", "-id"),
        customer__public_id=customer_id,
        category=category,
        department=department,
        answered_at__gte=since,
    )
    return _paged(qs, limit=limit, offset=offset, out=response_out, attach=_with_tasks)


@router.post(
    "/survey-responses",
    response={201: ResponseOut, 422: Error},
    summary="Record an answer the customer gave by phone or on paper (a second one updates it)",
)
def create_response(request, payload: ResponseIn):
    def create():
        survey = _surveys(request).filter(public_id=payload.survey_id).first()
        if survey is None:
            raise ValidationError({"survey_id": ["Not found in your store."]})
        response = actions.answer_survey(survey, score=payload.score, comment=payload.comment)
        return response_out(_with_tasks([_responses(request).get(pk=response.pk)])[0])

    return run_idempotent(request, create, schema=ResponseOut)


@router.get("/survey-responses/{uuid:response_id}", response=ResponseOut)
def get_response(request, response_id: UUID):
    response = get_object_or_404(_responses(request), public_id=response_id)
    return response_out(_with_tasks([response])[0])


@router.get(
    "/recovery-tasks",
    response=TaskPage,
    summary="Recovery tasks of detractors (managers: the store's; others: their own)",
)
def list_tasks(
    request,
    status: TaskStatusName | None = None,
    mine: bool = False,
    limit: int = Query(50, ge=1, le=200),
    offset: int = offset_param(),
):
    qs = narrowed(
        _tasks(request).order_by("-opened_at", "-id"),
        status=status,
        manager=request.user if mine else None,
    )
    return page_of(qs, limit=limit, offset=offset, out=task_out)


@router.get("/recovery-tasks/{uuid:task_id}", response=TaskOut)
def get_task(request, task_id: UUID):
    return task_out(get_object_or_404(_tasks(request), public_id=task_id))


@router.post(
    "/recovery-tasks/{uuid:task_id}/close",
    response={200: TaskOut, 403: Error, 422: Error},
    summary="Close a recovery task: what was done, whether the customer was won back",
)
def close_task(request, task_id: UUID, payload: CloseIn):
    task = get_object_or_404(_tasks(request), public_id=task_id)
    try:
        actions.close_recovery(
            task,
            acting_user=request.user,
            action_taken=payload.action_taken,
            won_back=payload.won_back,
        )
    except PermissionDenied as exc:
        return Status(403, {"detail": str(exc)})
    return task_out(_tasks(request).get(pk=task.pk))
