"""Back up and restore (issue 12, point 8), on the database the suite runs on (SQLite's
backup API, or pg_dump / pg_restore)."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from goodwill.core import storewall
from goodwill.core.backup import table_checksums, tables_with_rows
from goodwill.customers.actions import add_vehicle


@pytest.mark.django_db(transaction=True)
def test_a_backup_restored_into_an_empty_database_gives_back_every_row_exactly(
    customer, alice, bob, outsider_customer, tmp_path
):
    add_vehicle(customer, acting_user=alice, vin="", make="Ford", model="F-150")
    original = table_checksums()
    assert original["customers_customer"][0] == 2
    backup = tmp_path / "goodwill.backup"
    call_command("backup", str(backup))

    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(backup))  # refuses to overwrite data without --force

    # An empty database. `flush` restarts the sequences: the owner's (DATABASE_OWNER_URL
    # in production, `goodwill/cli.py`); the suite's connection runs as the app role.
    with storewall.as_owner():
        call_command("flush", interactive=False, verbosity=0)
    assert tables_with_rows() == []
    call_command("restore", str(backup))
    assert table_checksums() == original  # every table: same row count, same content


@pytest.mark.django_db(transaction=True)
def test_restore_with_force_replaces_a_database_that_holds_data(customer, store_b, tmp_path):
    backup = tmp_path / "goodwill.backup"
    call_command("backup", str(backup))
    original = table_checksums()
    store_b.name = "Renamed after the backup"
    store_b.save(update_fields=["name"])
    call_command("restore", str(backup), force=True)
    assert table_checksums() == original


def test_restore_says_so_when_the_file_is_missing_or_not_a_backup(db, tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("restore", str(tmp_path / "nothing"), force=True)
