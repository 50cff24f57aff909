"""The whole story in a browser: import a CSV with a bad row, fix the mapping, read the
error report, commit, find the duplicates the import created against existing customers,
merge one pair, undo the merge."""

import pytest

from goodwill.conftest import login, make_customer, screenshot
from goodwill.customers.models import Customer
from goodwill.dedupe.models import Merge

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV = (
    "Given,Family,Cell,Address\n"
    "Bob,Kowalski,512 555 0177,1200 Oak Hollow Dr\n"
    "Zoe,Newman,512 555 0111,9 Elm St\n"
    "Amy,Bad,12,\n"
)


@pytest.mark.parametrize("width", [390, 1280])
def test_import_fix_mapping_report_commit_find_duplicates_merge_undo(
    page_at, store_a, dana, alice, tmp_path, width
):
    robert = make_customer(
        store_a,
        alice,
        first_name="Robert",
        last_name="Kowalski",
        phones={"mobile": "512 555 0123"},
        street="1200 Oak Hollow Dr",
    )
    path = tmp_path / "from-the-bdc.csv"
    path.write_text(CSV)
    page = page_at(width)
    login(page, "dana")
    page.get_by_text("More", exact=True).click()  # Import is under "More" with the admin pages
    page.get_by_role("link", name="Import").click()
    page.set_input_files("input[type=file]", str(path))
    page.get_by_role("button", name="Upload").click()
    page.wait_for_selector("text=Goes into")
    # "Given" and "Family" are not names Goodwill knows: the dry run says what is missing.
    page.get_by_role("button", name="Dry run").click()
    page.wait_for_selector("text=Required: map a column to First name")
    screenshot(page, f"import-mapping-{width}")
    page.select_option("select[name=map-0]", "first_name")
    page.select_option("select[name=map-1]", "last_name")
    page.get_by_role("button", name="Dry run").click()
    page.wait_for_selector("text=Dry run: what would happen")
    counts = page.locator("[data-testid=counts]").inner_text()
    assert "New customers\n2" in counts or "New customers 2" in counts.replace("\t", " ")
    errors = page.locator("[data-testid=errors]")
    assert "Cell" in errors.inner_text() and "12" in errors.inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the error report (CSV)").click()
    report = download.value.path().read_text(encoding="utf-8-sig")
    assert report.splitlines()[0] == "row,column,value,reason" and "\n3,Cell,12," in report
    screenshot(page, f"import-dry-run-{width}")
    page.get_by_role("button", name="Import now").click()
    page.wait_for_selector("text=Imported: 3 new customers")
    assert Customer.objects.filter(dealership=store_a, last_name="Kowalski").count() == 2

    page.get_by_text("More", exact=True).click()
    page.get_by_role("link", name="Duplicates").click()
    page.get_by_role("button", name="Find duplicates").click()
    page.wait_for_selector("text=1 possible duplicate groups")
    screenshot(page, f"duplicates-review-{width}")
    page.get_by_role("link", name="Robert Kowalski · Bob Kowalski").click()
    page.wait_for_selector("text=These are different people")
    screenshot(page, f"duplicates-cluster-{width}")
    page.get_by_role("button", name="Merge", exact=True).first.click()
    page.wait_for_selector("text=merged into")
    screenshot(page, f"merge-done-{width}")
    assert Customer.objects.filter(dealership=store_a, last_name="Kowalski").count() == 1
    page.get_by_role("button", name="Undo this merge").click()
    page.wait_for_selector("text=Merge undone")
    screenshot(page, f"merge-undone-{width}")
    assert Customer.objects.filter(dealership=store_a, last_name="Kowalski").count() == 2
    assert Merge.objects.get().is_undone
    assert Customer.objects.get(pk=robert.pk).phones.count() == 1
