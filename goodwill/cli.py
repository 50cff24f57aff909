"""The `goodwill` command: Django's management commands under one name.

`goodwill demo`, `goodwill serve`, `goodwill token`, `goodwill simulate` and every
stock command (`goodwill migrate`, `goodwill createsuperuser`) go through here.
"""

import os
import sys

from django.core.management import execute_from_command_line


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "goodwill.settings")
    execute_from_command_line(["goodwill", *sys.argv[1:]])


if __name__ == "__main__":
    main()
