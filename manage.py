#!/usr/bin/env python
"""Django's command-line utility for the trial site."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialsite.settings")
    from trialsite.embedded_postgres import use_embedded_database_if_unconfigured

    use_embedded_database_if_unconfigured()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
