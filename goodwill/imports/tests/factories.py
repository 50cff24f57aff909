"""Store B objects of this app for the tenancy walk (goodwill/core/tests/test_tenancy.py)."""

from goodwill.imports.models import ImportBatch


def store_b_objects(world) -> dict:
    batch = ImportBatch.objects.create(
        dealership=world.store_b,
        format=ImportBatch.Format.CSV,
        filename="b.csv",
        stored_as="/nonexistent/b.csv",
        headers=["First Name", "Last Name"],
        mapping={"First Name": "first_name", "Last Name": "last_name"},
        created_by=world.bob,
    )
    return {"batch_id": batch.public_id}
