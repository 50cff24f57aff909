from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule

from goodwill.api.testing import ApiClient
from goodwill.customers.models import Customer
from goodwill.jobs import queue, registry
from goodwill.jobs.models import Job
from goodwill.jobs.queue import enqueue, run_job
from goodwill.jobs.testing import run_jobs
from goodwill.jobs.tests import kinds

pytestmark = pytest.mark.django_db


def _rows(store):
    return Customer.objects.filter(dealership=store, last_name="Job").count()


def test_a_job_runs_after_its_transaction_commits_and_keeps_its_result(
    store_a, dana, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = enqueue(kinds.write_rows, dealership=store_a, user=dana, title="Ten rows", rows=10)
        assert Job.objects.get(pk=job.pk).status == Job.Status.QUEUED
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert (job.done, job.total, job.percent) == (10, 10, 100)
    assert job.result["rows"] == 10 and job.attempts == 1
    assert _rows(store_a) == 10


def test_a_job_queued_in_a_transaction_that_rolls_back_never_exists(store_a, dana):
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue(kinds.write_rows, dealership=store_a, user=dana, rows=1)
        raise RuntimeError("the action failed")
    assert not Job.objects.exists()
    assert run_jobs() == []


def test_an_error_is_retried_after_a_wait_and_nothing_of_the_failed_attempt_stays(store_a, dana):
    job = enqueue(kinds.write_rows, dealership=store_a, user=dana, rows=6, fail_times=1)
    run_jobs()
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED and job.attempts == 1
    assert job.run_after > timezone.now() + timedelta(seconds=20)  # waits before retrying
    assert "ConnectionError" in job.error
    assert _rows(store_a) == 0  # the failed attempt's rows were rolled back
    assert run_jobs() == []  # not due yet

    run_jobs(later=True)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.error) == (Job.Status.DONE, 2, "")
    assert _rows(store_a) == 6


def test_a_job_that_keeps_failing_stops_after_its_last_attempt(store_a, dana):
    job = enqueue(kinds.write_rows, dealership=store_a, user=dana, rows=4, fail_times=9)
    for _ in range(job.max_attempts):
        run_jobs(later=True)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.attempts == job.max_attempts == 3
    assert "went wrong on our side" in job.error
    assert _rows(store_a) == 0


def test_a_validation_error_fails_at_once_with_the_message_for_the_user(store_a, dana):
    job = enqueue(kinds.refuse, dealership=store_a, user=dana, why="The file has no rows.")
    run_jobs(later=True)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.error) == (
        Job.Status.FAILED,
        1,
        "The file has no rows.",
    )


def test_a_run_killed_mid_way_leaves_nothing_and_the_next_attempt_does_it_all(
    store_a, dana, monkeypatch
):
    job = enqueue(kinds.write_rows, dealership=store_a, user=dana, rows=8)
    real_progress = Job.progress

    def killed_at_row_five(self, done, *args, **kwargs):
        real_progress(self, done, *args, **kwargs)
        if done == 5:
            raise SystemExit("SIGTERM")  # what a stopped worker process raises mid-work

    monkeypatch.setattr(Job, "progress", killed_at_row_five)
    with pytest.raises(SystemExit):
        run_job(job.pk)
    monkeypatch.undo()
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING and job.attempts == 1
    assert _rows(store_a) == 0
    assert run_jobs() == []  # its lease has not run out: it may still be running

    run_jobs(later=True)  # the lease ran out: the worker is gone
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.DONE, 2)
    assert _rows(store_a) == 8


def test_a_message_delivered_twice_runs_the_work_once(store_a, dana):
    job = enqueue(kinds.write_rows, dealership=store_a, user=dana, rows=3)
    assert run_job(job.pk) == "done"
    assert run_job(job.pk).startswith("skipped")
    assert _rows(store_a) == 3


def test_progress_of_a_job_outside_a_transaction_is_seen_while_it_runs(store_a, dana):
    enqueue(kinds.slow_read, dealership=store_a, user=dana, steps=4)
    seen = []
    real_progress = Job.progress

    def watch(self, *args, **kwargs):
        real_progress(self, *args, **kwargs)
        seen.append(Job.objects.values_list("done", "total").get(pk=self.pk))

    Job.progress = watch
    try:
        run_jobs()
    finally:
        Job.progress = real_progress
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_the_job_page_shows_progress_and_polls_until_the_job_ends(client_for, store_a, dana):
    job = enqueue(kinds.slow_read, dealership=store_a, user=dana, title="Reading", steps=4)
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING, done=1, total=4, lease_until=timezone.now()
    )
    client = client_for(dana)
    page = client.get(f"/jobs/{job.public_id}/")
    assert page.status_code == 200
    html = page.text
    assert "Reading" in html and 'value="1"' in html and "25%" in html
    assert 'hx-trigger="every 1s"' in html

    run_jobs(later=True)
    poll = client.get(f"/jobs/{job.public_id}/", headers={"HX-Request": "true"})
    assert "<html" not in poll.text  # just the status block
    assert 'data-status="done"' in poll.text and "hx-trigger" not in poll.text


def test_a_finished_job_links_to_its_result(client_for, store_a, dana):
    job = enqueue(kinds.write_rows, dealership=store_a, user=dana, rows=2)
    run_jobs()
    page = client_for(dana).get(f"/jobs/{job.public_id}/")
    assert 'href="/customers/"' in page.text and "See the customers" in page.text


def test_salespeople_see_their_own_jobs_and_managers_the_whole_stores(
    client_for, store_a, alice, mike, dana
):
    job = enqueue(kinds.slow_read, dealership=store_a, user=dana, steps=1)
    assert client_for(alice).get(f"/jobs/{job.public_id}/").status_code == 404
    assert client_for(mike).get(f"/jobs/{job.public_id}/").status_code == 200
    mine = enqueue(kinds.slow_read, dealership=store_a, user=alice, title="Alice's", steps=1)
    listing = client_for(alice).get("/jobs/").text
    assert "Alice&#x27;s" in listing and str(job.public_id) not in listing
    assert str(mine.public_id) in listing


def test_the_api_answers_a_jobs_state_and_progress(store_a, dana, bob):
    job = enqueue(kinds.slow_read, dealership=store_a, user=dana, title="Reading", steps=4)
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING, done=3, total=4, message="reading"
    )
    answer = ApiClient(dana).get(f"/jobs/{job.public_id}")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "running" and body["title"] == "Reading"
    assert body["progress"] == {"done": 3, "total": 4, "percent": 75, "message": "reading"}
    assert body["created_by"]["name"] == dana.display_name
    assert ApiClient(bob).get(f"/jobs/{job.public_id}").status_code == 404


def test_a_file_written_by_a_job_downloads_from_its_page_and_the_api(
    client_for, store_a, dana, tmp_path
):
    path = tmp_path / "export.zip"
    path.write_bytes(b"PK zip bytes")
    job = enqueue(kinds.slow_read, dealership=store_a, user=dana, steps=1)
    run_jobs()
    Job.objects.filter(pk=job.pk).update(file_path=str(path), file_name="store.zip")
    download = client_for(dana).get(f"/jobs/{job.public_id}/file/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"PK zip bytes"
    assert 'filename="store.zip"' in download["Content-Disposition"]
    api = ApiClient(dana).get(f"/jobs/{job.public_id}")
    assert api.json()["file_url"] == f"/api/v1/jobs/{job.public_id}/file"
    file = ApiClient(dana).get(f"/jobs/{job.public_id}/file", check_schema=False)
    assert file.status_code == 200 and b"".join(file.streaming_content) == b"PK zip bytes"


def test_the_sweep_sends_again_what_the_queue_lost(store_a, dana, monkeypatch):
    waiting = enqueue(kinds.slow_read, dealership=store_a, user=dana, steps=1)
    sent = []
    monkeypatch.setattr(queue, "send", lambda job: sent.append(job.pk))
    stuck = Job.objects.create(
        dealership=store_a,
        kind="tests.slow_read",
        params={"steps": 1},
        status=Job.Status.RUNNING,
        lease_until=timezone.now(),
    )
    assert queue.sweep() == 1 and sent == [stuck.pk]  # the new one's message is on its way
    later = timezone.now() + queue.RESEND_AFTER + timedelta(seconds=1)
    assert queue.sweep(now=later) == 2 and sorted(sent[1:]) == sorted([waiting.pk, stuck.pk])


def test_each_apps_periodic_scans_become_the_queues_schedules(db):
    found = {p.name: p.every for p in registry.periodic_jobs()}
    assert found["floor.remind_appointments"] == 300
    assert found["fails.pace_follow_ups"] == 900
    assert found["referrals.remind_unacknowledged"] == 300
    assert found["jobs.sweep"] == 60
    Schedule.objects.create(name="goodwill gone.away", func="x.y", schedule_type="I", minutes=1)
    queue.sync_schedules()
    queue.sync_schedules()  # again at the next start: nothing doubles
    schedules = {s.name: s for s in Schedule.objects.all()}
    assert set(schedules) == {f"goodwill {name}" for name in found}
    fails = schedules["goodwill fails.pace_follow_ups"]
    assert (fails.func, fails.args, fails.minutes) == (
        "goodwill.jobs.queue.run_periodic",
        "'fails.pace_follow_ups'",
        15,
    )
    assert queue.run_periodic("jobs.sweep") == 0


def test_an_unknown_kind_is_refused_when_queued(store_a):
    with pytest.raises(LookupError, match="declare it with @job"):
        enqueue("nobody.knows", dealership=store_a)


@pytest.mark.django_db(transaction=True)
def test_progress_inside_the_jobs_own_transaction_is_seen_from_outside_before_commit(store_a, dana):
    job = enqueue(kinds.peek, dealership=store_a, user=dana)  # runs at once: no transaction
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert job.result["seen"] == [3, 10, "three of ten"]


def test_a_job_writes_times_in_its_stores_zone_as_the_pages_do(store_a, settings):
    settings.TIME_ZONE = "UTC"
    store_a.time_zone = "America/Denver"
    store_a.save(update_fields=["time_zone"])
    job = enqueue(kinds.clock, dealership=store_a)
    run_job(job.pk)
    job.refresh_from_db()
    assert job.result == {"zone": "America/Denver"}
    assert timezone.get_current_timezone_name() == "UTC"  # switched off afterwards
