"""Each act an auditor asks about writes exactly one audit entry, through the real actions,
pages and API; an act that changes nothing writes none."""

import io
from datetime import time

import pytest
from django.core.management import call_command

from goodwill.api.models import ApiToken
from goodwill.api.testing import ApiClient
from goodwill.audit.actions import Verb
from goodwill.audit.models import AuditEntry
from goodwill.conftest import make_customer
from goodwill.customers.actions import set_consent
from goodwill.dealerships import actions as store_actions
from goodwill.dedupe import actions as dedupe_actions
from goodwill.floor import actions as floor_actions
from goodwill.imports import actions as import_actions
from goodwill.imports.tests.helpers import upload_bytes
from goodwill.outreach import actions as outreach_actions
from goodwill.referrals import actions as referral_actions
from goodwill.service import actions as service_actions

pytestmark = pytest.mark.django_db


def acts(store, verb):
    return list(AuditEntry.objects.for_dealership(store).filter(verb=verb))


def only_act(store, verb) -> AuditEntry:
    entries = acts(store, verb)
    assert len(entries) == 1, f"{verb}: {len(entries)} entries"
    return entries[0]


@pytest.mark.parametrize(
    "change, settings, changed",
    [
        (lambda s, m, d: referral_actions.update_policy(s, acting_user=m, ack_business_hours=9),
         "referrals", "ack_business_hours"),
        (lambda s, m, d: outreach_actions.update_settings(s, acting_user=m, asks_per_week=1),
         "outreach", "asks_per_week"),
        (lambda s, m, d: outreach_actions.update_settings(s, acting_user=m, quiet_from=time(20)),
         "outreach", "quiet_from"),
        (lambda s, m, d: floor_actions.update_floor_settings(s, acting_user=m, tracks_gross=False),
         "floor", "tracks_gross"),
        (lambda s, m, d: floor_actions.update_credit_policy(
            s, acting_user=m, upper_share=60, closer_share=40),
         "credit", "upper_share"),
        (lambda s, m, d: service_actions.update_settings(s, acting_user=m, age_years=12),
         "service", "age_years"),
        (lambda s, m, d: store_actions.update_store_profile(s, acting_user=d, hours="9 to 5"),
         "store profile", "hours"),
        (lambda s, m, d: store_actions.update_sign_in_settings(
            s, acting_user=d, session_idle_minutes=30),
         "sign-in", "session_idle_minutes"),
        (lambda s, m, d: store_actions.update_store_settings(
            s, acting_user=d, salespeople_see_all=False),
         "visibility", "salespeople_see_all"),
    ],
)  # fmt: skip
def test_a_settings_change_is_one_entry_and_a_repeat_that_changes_nothing_is_none(
    change, settings, changed, store_a, mike, dana
):
    change(store_a, mike, dana)
    entry = only_act(store_a, Verb.SETTINGS_CHANGED)
    assert entry.detail["settings"] == settings and changed in entry.detail["changes"]
    assert entry.user in (mike, dana) and entry.via == "system"
    change(store_a, mike, dana)
    assert len(acts(store_a, Verb.SETTINGS_CHANGED)) == 1


def test_a_settings_page_records_the_address(client_for, store_a, mike):
    client_for(mike).post(
        "/asks/settings/",
        {"asks_per_week": 1, "referral_invite_days": 90, "quiet_from": "21:00",
         "quiet_until": "08:00"},
        REMOTE_ADDR="203.0.113.7",
    )  # fmt: skip
    entry = only_act(store_a, Verb.SETTINGS_CHANGED)
    assert (entry.ip, entry.via, entry.user) == ("203.0.113.7", "page", mike)


def test_staff_access_changes_are_entries(store_a, dana, alice, mike):
    store_actions.change_role(alice, "sales_mgr", acting_user=dana)
    store_actions.deactivate_staff(alice, acting_user=dana, reassign_to=mike)
    store_actions.reactivate_staff(alice, acting_user=dana)
    joined = [e for e in acts(store_a, Verb.STAFF_CHANGED) if e.detail["change"] == "joined"]
    assert sorted(e.object_label for e in joined) == ["Alice Test", "Dana Test", "Mike Test"]
    entries = [e for e in acts(store_a, Verb.STAFF_CHANGED) if e not in joined]
    assert sorted(e.detail["change"] for e in entries) == ["deactivated", "reactivated", "role"]
    assert {(e.user, e.object_id) for e in entries} == {(dana, str(alice.public_id))}


def test_tokens_created_and_revoked_on_the_page_the_api_and_the_command(client_for, store_a, alice):
    client_for(alice).post("/account/tokens/", {"name": "laptop", "expires_in_days": ""})
    created = only_act(store_a, Verb.TOKEN_CREATED)
    assert created.detail["owner"] == "alice" and created.via == "page"
    assert "laptop" in created.object_label
    api = ApiClient(alice)  # issued directly: a test helper, not an act
    made = api.post("/tokens", {"name": "script"}).json()
    api.post(f"/tokens/{made['id']}/revoke")
    api.post(f"/tokens/{made['id']}/revoke")  # already revoked: no second entry
    assert len(acts(store_a, Verb.TOKEN_CREATED)) == 2
    assert only_act(store_a, Verb.TOKEN_REVOKED).object_id == made["id"]
    call_command("token", "alice", stdout=io.StringIO())
    call_command("token", "alice", "--revoke", stdout=io.StringIO())
    by_command = [e for e in acts(store_a, Verb.TOKEN_CREATED) if e.via == "system"]
    assert len(by_command) == 1 and by_command[0].user is None
    revoked = acts(store_a, Verb.TOKEN_REVOKED)
    assert len(revoked) == 2
    assert not ApiToken.objects.filter(user=alice, revoked_at__isnull=True).exists()


def test_an_import_its_undo_and_an_export_are_one_entry_each(
    client_for, store_a, mike, dana, django_capture_on_commit_callbacks
):
    data = b"First Name,Last Name,Phone\nZoe,Newman,512 555 0111\n"
    batch = upload_bytes(store_a, mike, "people.csv", data)
    import_actions.run(batch, commit=False, acting_user=mike)
    assert acts(store_a, Verb.IMPORTED) == []  # a dry run imports nothing
    import_actions.run(batch, commit=True, acting_user=mike)
    imported = only_act(store_a, Verb.IMPORTED)
    assert imported.object_label == "people.csv" and imported.detail["counts"]["new"] == 1
    import_actions.undo_import(batch, acting_user=mike)
    assert only_act(store_a, Verb.IMPORT_UNDONE).detail["deleted"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        client_for(dana).post("/imports/export/")
    with django_capture_on_commit_callbacks(execute=True):
        ApiClient(dana).post("/exports")
    exports = acts(store_a, Verb.EXPORTED)
    assert sorted(e.via for e in exports) == ["api", "page"]
    assert {e.user for e in exports} == {dana}
    job_id = exports[0].object_id  # the export's job: the file leaving is an act too
    for response in (
        client_for(dana).get(f"/jobs/{job_id}/file/"),
        ApiClient(dana).get(f"/jobs/{job_id}/file", check_schema=False),
    ):
        assert response.status_code == 200 and b"".join(response.streaming_content)[:2] == b"PK"
    downloads = acts(store_a, Verb.DOWNLOADED)
    assert sorted(e.via for e in downloads) == ["api", "page"]
    assert {(e.object_id, e.detail["kind"]) for e in downloads} == {(job_id, "imports.export")}


def test_a_merge_and_its_undo_are_one_entry_each(store_a, alice, dana):
    keep = make_customer(store_a, alice, first_name="Ann", last_name="Lee")
    gone = make_customer(store_a, alice, first_name="Anne", last_name="Lee")
    merge = dedupe_actions.merge_customers(keep, gone, acting_user=dana)
    merged = only_act(store_a, Verb.MERGED)
    assert merged.object_id == str(keep.public_id) and merged.detail["merged"] == str(
        gone.public_id
    )
    dedupe_actions.undo_merge(merge, acting_user=dana)
    assert only_act(store_a, Verb.MERGE_UNDONE).object_id == str(gone.public_id)


def test_a_share_with_a_partner_names_the_consent_it_went_under(
    store_a, alice, customer, carol_pro
):
    referral_actions.send_referral(customer, acting_user=alice, pro=carol_pro, interest="CR-V")
    without = only_act(store_a, Verb.SHARED)
    assert without.detail["consent"] is None
    assert without.detail["shared"] == ["first name", "interest"]
    set_consent(
        customer, "share", granted=True, method="paper", acting_user=alice, wording="Share it"
    )
    referral = referral_actions.send_referral(
        customer, acting_user=alice, pro=carol_pro, interest="Pilot"
    )
    with_consent = [e for e in acts(store_a, Verb.SHARED) if e.pk != without.pk]
    assert len(with_consent) == 1
    detail = with_consent[0].detail
    assert detail["referral"] == str(referral.public_id)
    assert detail["consent"]["method"] == "paper" and detail["consent"]["wording"] == "Share it"
    assert with_consent[0].object_id == str(customer.public_id)
    referral_actions.send_referral(customer, acting_user=alice, to_department="service",
                                   interest="brakes")  # fmt: skip
    assert len(acts(store_a, Verb.SHARED)) == 2  # inside the store nothing is shared
