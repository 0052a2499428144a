"""The apps form layers: a module imports only from the layers below its own.

The order is declared once, in pyproject.toml ([tool.importlinter]): the project shell
(trialsite) on top, then demo, dashboard, endpoints | review, visits, randomization,
patients, the shared kernels (casebook | locks | api), accounts, audit and protocol at the
bottom. A new upward import fails here with the import chain that breaks the order.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def test_it_keeps_every_import_within_the_declared_layers():
    lint_imports = Path(sys.executable).with_name("lint-imports")  # import-linter's command
    run = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )

    assert run.returncode == 0, run.stdout + run.stderr


def test_every_package_of_the_project_has_a_place_in_the_layers():
    declared = set(CONFIG["root_packages"])
    packages = {
        path.parent.name
        for path in ROOT.glob("*/__init__.py")
        if path.parent.name not in {"tests", "bench"}
    }
    django_apps = {
        config.name.split(".")[0]
        for config in apps.get_app_configs()
        if Path(config.path).parent == ROOT  # the project's own, not installed packages
    }

    assert packages == declared
    assert django_apps <= declared
    layered = {
        name.strip() for layer in CONFIG["contracts"][0]["layers"] for name in layer.split("|")
    }
    assert layered == declared
