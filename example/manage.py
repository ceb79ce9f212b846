#!/usr/bin/env python
"""Command-line utility of the djwechat example site."""

import os
import sys
from pathlib import Path


def main() -> None:
    # The example package lives beside this file; make ``import example`` work from anywhere.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
