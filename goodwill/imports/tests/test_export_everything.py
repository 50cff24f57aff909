"""Export everything (issue 12, point 7): every table the store owns or shares, as CSV and
JSON, with a README describing each file; the receiver's copy of a referral holds only what
it was shown."""

import csv
import io
import json
import zipfile

import pytest

from goodwill.dealerships.models import Dealership
from goodwill.imports.export import write_export
from goodwill.imports.tables import store_fks, tenant_models
from goodwill.referrals.models import Referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def ford_zip(demo):
    ford = Dealership.objects.get(slug="ford")
    out = io.BytesIO()
    counts = write_export(ford, out)
    return ford, counts, zipfile.ZipFile(out)


def _csv(zf, name):
    return list(csv.DictReader(io.StringIO(zf.read(name).decode("utf-8"))))


def test_every_table_with_a_store_is_in_the_export_with_all_its_rows(ford_zip):
    ford, counts, zf = ford_zip
    names = set(zf.namelist())
    checked = 0
    for model in tenant_models():
        if getattr(model, "EXPORT_SKIP", None):
            continue
        label = model._meta.label_lower
        assert f"tables/{label}.csv" in names and f"tables/{label}.json" in names, label
        expected = model._default_manager.filter(dealership=ford).count()
        assert counts[label] == expected, label
        assert len(_csv(zf, f"tables/{label}.csv")) == expected, label
        assert len(json.loads(zf.read(f"tables/{label}.json"))) == expected, label
        checked += 1
    assert checked >= 40  # customers, floor, fails, referrals, network, staff, settings …
    for label in ("referrals.referral", "floor.deal", "fails.failscase", "network.pro",
                  "floor.creditline", "referrals.thankyou", "dealerships.user"):  # fmt: skip
        assert counts[label] > 0, f"the demo store has {label} rows"
    [store] = _csv(zf, "tables/dealerships.dealership.csv")
    assert store["slug"] == "ford"


def test_a_table_shared_with_another_store_says_what_that_stores_export_holds():
    for model in tenant_models():
        others = [
            f.name for f in store_fks(model) if f.name not in ("dealership", "from_dealership")
        ]
        if others and not getattr(model, "EXPORT_SKIP", None):
            assert hasattr(model, "export_shared_with") or getattr(
                model, "EXPORT_NOT_SHARED", None
            ), f"{model._meta.label}.{others}: say what the other store's export holds"


def test_the_receivers_copy_of_a_referral_holds_only_what_it_was_shown(ford_zip):
    ford, counts, zf = ford_zip
    received = Referral.objects.filter(to_dealership=ford)
    assert received.exists()
    rows = _csv(zf, "tables/referrals.referral.received.csv")
    assert len(rows) == received.count()
    assert "customer_id" not in rows[0] and "referrer_customer_id" not in rows[0]
    assert {"shared_first_name", "interest", "from_dealership__name"} <= set(rows[0])
    one = received.first()
    row = next(r for r in rows if r["public_id"] == str(one.public_id))
    assert row["shared_first_name"] == one.shared_first_name


def test_secrets_never_leave_and_phones_are_written_plainly(ford_zip):
    ford, counts, zf = ford_zip
    staff = _csv(zf, "tables/dealerships.user.csv")
    assert staff and "password" not in staff[0]
    tokens = zf.read("tables/api.apitoken.csv").decode()
    assert "token_hash" not in tokens
    phones = [r["number"] for r in _csv(zf, "tables/customers.customerphone.csv")]
    assert phones and all(p.startswith("(") for p in phones), phones[:3]  # (512) 555-01xx
    customers = _csv(zf, "customers.csv")
    assert any(c["phone_mobile"].startswith("(") for c in customers)
    assert not any(c["phone_mobile"].startswith("'") for c in customers)


def test_the_readme_describes_each_file(ford_zip):
    ford, counts, zf = ford_zip
    readme = zf.read("README.txt").decode()
    for name in zf.namelist():
        if name.startswith("tables/") and name.endswith(".csv"):
            assert name in readme, name
    assert "Referral: a customer sent" not in readme  # the model's sentence, not its repr
    assert "A customer sent, card in hand" in readme
    assert "Shared with your store by another store" in readme
