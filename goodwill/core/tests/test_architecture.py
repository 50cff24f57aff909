"""The map is true: docs/ARCHITECTURE.md names every app, and no module outgrows a read."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "goodwill"
MAX_LINES = 800


def test_every_app_folder_is_in_the_architecture_table():
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    table = {m.group(1) for m in re.finditer(r"^\| `(\w+)` \|", text, re.M)}
    apps = {p.parent.name for p in PACKAGE.glob("*/apps.py")}
    missing = sorted(apps - table)
    assert not missing, f"docs/ARCHITECTURE.md's app table lacks: {missing}"
    gone = sorted(table - apps)
    assert not gone, f"docs/ARCHITECTURE.md lists apps that do not exist: {gone}"


def test_every_app_is_in_the_layer_contract():
    contract = (ROOT / "pyproject.toml").read_text().split("[tool.importlinter]", 1)[1]
    layered = set(re.findall(r"goodwill\.(\w+)", contract))
    apps = {p.parent.name for p in PACKAGE.glob("*/apps.py")}
    missing = sorted(apps - layered)
    assert not missing, f"add these apps to the import-linter layers: {missing}"


def test_no_module_is_over_800_lines():
    long = [
        f"{path.relative_to(ROOT)}: {n} lines"
        for path in [*PACKAGE.rglob("*.py"), *(ROOT / "bench").rglob("*.py")]
        if "migrations" not in path.parts
        and (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    ]
    assert not long, "split these modules: " + "; ".join(long)


def test_every_path_through_the_wall_is_named_in_the_architecture():
    """Each file that crosses the second wall (`storewall.across_stores` or a public link's
    `storewall.opened_by_token`) is listed in ARCHITECTURE's "The second wall" section, so a
    new way through is a decision someone wrote down."""
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    section = text.split("## The second wall", 1)[1].split("\n## ", 1)[0]
    crossing = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "tests" not in path.parts
        and path.name != "storewall.py"
        and re.search(r"\b(across_stores|opened_by_token)\(", path.read_text(encoding="utf-8"))
    )
    assert crossing, "nothing crosses the wall? the search is broken"
    unlisted = [name for name in crossing if f"`{name}`" not in section]
    assert not unlisted, f"name these in ARCHITECTURE's 'The second wall': {unlisted}"
