"""Background jobs in the JSON API: a job's state and progress, and the file it wrote."""

from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Router, Schema
from ninja.errors import HttpError

from goodwill.api.schemas import Error, StaffRef, staff_ref
from goodwill.audit.actions import Verb, record
from goodwill.jobs import progress as live
from goodwill.jobs.models import Job

router = Router(tags=["jobs"])


class Progress(Schema):
    done: int
    total: int | None
    percent: int | None
    message: str


class JobOut(Schema):
    id: UUID
    kind: str
    title: str
    status: str
    progress: Progress
    result: Any = None
    error: str
    attempts: int
    max_attempts: int
    file_url: str | None
    created_by: StaffRef | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


def job_out(job: Job) -> dict:
    return {
        "id": job.public_id,
        "kind": job.kind,
        "title": job.title,
        "status": job.status,
        "progress": {
            "done": job.done,
            "total": job.total,
            "percent": job.percent,
            "message": job.message,
        },
        "result": job.result,
        "error": job.error,
        "attempts": job.attempts,
        "max_attempts": job.max_attempts,
        "file_url": (
            reverse("api:job_file", kwargs={"job_id": job.public_id})
            if job.file_path and job.status == Job.Status.DONE
            else None
        ),
        "created_by": staff_ref(job.created_by),
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


def _get(request, job_id) -> Job:
    job = get_object_or_404(
        Job.objects.visible_to(request.user).select_related("created_by"), public_id=job_id
    )
    live.read_live(job)
    return job


@router.get("/jobs/{uuid:job_id}", response={200: JobOut, 404: Error})
def get_job(request, job_id: UUID):
    """A background job: `status` queued / running / done / failed, its progress, its result
    (or the error to show), and `file_url` when it wrote a file (an export). Poll it."""
    return job_out(_get(request, job_id))


@router.get(
    "/jobs/{uuid:job_id}/file",
    url_name="job_file",
    response={404: Error},
    openapi_extra={
        "responses": {
            200: {
                "description": "The file the job wrote",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        }
    },
)
def job_file(request, job_id: UUID):
    job = _get(request, job_id)
    path = Path(job.file_path) if job.file_path else None
    if job.status != Job.Status.DONE or path is None or not path.is_file():
        raise HttpError(404, "This job has no file to download (any more).")
    record(request, Verb.DOWNLOADED, job, kind=job.kind, file=job.file_name or path.name)
    return FileResponse(path.open("rb"), as_attachment=True, filename=job.file_name or path.name)
