# The floor's personas (ben, fiona, on_floor) are the fails department's too.
from goodwill.floor.tests.conftest import ben, fiona, on_floor  # noqa: F401
