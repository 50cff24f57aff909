"""Store B objects of this app for the tenancy walk (goodwill/core/tests/test_tenancy.py)."""

from goodwill.jobs.models import Job


def store_b_objects(world) -> dict:
    job = Job.objects.create(
        dealership=world.store_b,
        kind="imports.commit",
        title="Store B's job",
        status=Job.Status.DONE,
        created_by=world.bob,
        file_path=__file__,
        file_name="b.txt",
    )
    return {"job_id": job.public_id}
