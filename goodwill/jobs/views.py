"""The job page: what a background job is doing, polled by htmx until it finishes."""

from pathlib import Path

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render

from goodwill.audit.actions import Verb, record
from goodwill.core.tenancy import get_visible_or_404, staff_required
from goodwill.jobs import progress as live
from goodwill.jobs.models import Job

POLL_SECONDS = 1


def _get_job(request, job_id) -> Job:
    job = get_visible_or_404(
        Job.objects.visible_to(request.user).select_related("created_by"), public_id=job_id
    )
    live.read_live(job)
    return job


@staff_required
def job_list(request):
    jobs = Job.objects.visible_to(request.user).select_related("created_by")[:50]
    return render(request, "jobs/list.html", {"jobs": jobs})


@staff_required
def job_detail(request, job_id):
    job = _get_job(request, job_id)
    result = job.result if isinstance(job.result, dict) else {}
    if job.status == Job.Status.DONE and result.get("redirect") and result.get("url"):
        # The work was a step of another page (an import's dry run): go back there, with
        # the job's last words as the message.
        if job.message:
            messages.success(request, job.message)
        if request.htmx:
            return HttpResponse(headers={"HX-Redirect": result["url"]})
        return redirect(result["url"])
    context = {"job": job, "poll": POLL_SECONDS, "next_url": result.get("url", "")}
    if request.htmx:
        return render(request, "jobs/detail.html#status", context)
    return render(request, "jobs/detail.html", context)


@staff_required
def job_file(request, job_id):
    job = _get_job(request, job_id)
    path = Path(job.file_path) if job.file_path else None
    if job.status != Job.Status.DONE or path is None or not path.is_file():
        raise Http404("This job has no file to download (any more).")
    record(request, Verb.DOWNLOADED, job, kind=job.kind, file=job.file_name or path.name)
    return FileResponse(path.open("rb"), as_attachment=True, filename=job.file_name or path.name)
