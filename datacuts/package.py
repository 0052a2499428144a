"""What a frozen data cut holds, built by the worker from one snapshot of the database.

    datasets/<name>.csv   every export (ADSL, ADTTE, ADMRD, ADCM, ADLB, the raw tables),
                          written by the exports' own code (endpoints.exports.tables)
    define.json           the dictionary: dataset -> variables (name, label, type, codelist,
                          unit, origin)
    results.json          the standard analysis at the cut-off (the worker's code), by arm
    figures/*.svg         the Kaplan-Meier figures and the OS forest plot, drawn as the worker does
    expected.csv          results.json's OS and EFS figures, flat, for R without jsonlite
    recompute.R           recomputes those figures from the CSVs with `survival` and compares
    README.txt            how to check the package
    manifest.json         fingerprint, code version, and the SHA-256 of every other file

The package is unblinded material (results by arm, TRT01P): it is built as the trial
statistician reads the trial (every site, with the arms), whoever asked for the freeze.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import io
import json
import logging
import os
import platform
import subprocess
import zipfile
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone, translation

import protocol
from accounts.models import Role, User
from datacuts.models import DataCut
from datacuts.recompute import expected_csv, recompute_script
from endpoints.analysis import analysis_compute
from endpoints.datasets import patient_facts
from endpoints.exports.tables import ADTTE_PARAMETERS, data_dictionary, datasets, export_csv
from endpoints.services import _figures as analysis_figures  # the worker's own figures
from endpoints.services import data_fingerprint
from locks.selectors import locked_patient_share

logger = logging.getLogger(__name__)
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class BuiltPackage:
    content: bytes
    sha256: str
    fingerprint: str
    code_version: str
    frozen_at: dt.datetime


def package_reader() -> User:
    """The reader the datasets are exported for: the trial statistician's view (every site,
    with the arms). An unsaved account: the export code only asks a reader's role."""
    return User(username="data-cut-package", role=Role.STATISTICIAN)


def code_version() -> str:
    """The code that built the package: CODE_VERSION if set (a container built from a
    commit), else the git commit of the checkout (marked -dirty with uncommitted changes),
    else the installed package's version."""
    if version := os.environ.get("CODE_VERSION", "").strip():
        return version[:100]
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.strip()
        return f"git:{commit}{'-dirty' if dirty else ''}"
    except (OSError, subprocess.SubprocessError) as error:
        logger.info("No git commit for the data cut's code version (%s)", error)
    return f"trialsite {importlib.metadata.version('trialsite')}"


# Codelists of the analysis datasets' coded columns; raw tables' come from their model fields.
_ARM_CODES = [{"code": "DEX", "decode": "Dexamethasone"}, {"code": "CONTROL", "decode": "Control"}]


def _analysis_codelists() -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Read when the package is built (in English), not at import: labels are lazy."""
    regimens = [{"code": c.value, "decode": str(c.label)} for c in protocol.Regimen]
    return {
        "adsl": {
            "TRT01P": _ARM_CODES,
            "TRT01A": _ARM_CODES,
            "STRAT1R": regimens,
            "REGIMEN": regimens,
        },
        "adtte": {
            "TRT01P": _ARM_CODES,
            "PARAMCD": [{"code": code, "decode": name} for code, name in ADTTE_PARAMETERS.items()],
            "CNSR": [{"code": 0, "decode": "Event"}, {"code": 1, "decode": "Censored"}],
        },
    }


def _raw_codelists() -> dict[str, dict[str, list[dict[str, Any]]]]:
    from casebook.registry import site as casebook

    codelists: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for form in casebook:
        for name in form.field_names:
            choices = form.model_field(name).choices
            if choices:
                codelists.setdefault(form.name, {})[name.upper()] = [
                    {"code": code, "decode": str(decode)} for code, decode in choices
                ]
    return codelists


def define_json() -> dict[str, Any]:
    """The package's dictionary: each dataset's variables as the exports declare them
    (endpoints.exports.tables.data_dictionary), with their codelists."""
    codelists = {**_raw_codelists(), **_analysis_codelists()}
    return {
        "study": protocol.STUDY_ID,
        "datasets": {
            entry["dataset"]: {
                "file": f"datasets/{entry['dataset']}.csv",
                "description": entry["description"],
                "uses_cutoff": entry["uses_cutoff"],
                **({"parameters": entry["parameters"]} if "parameters" in entry else {}),
                "variables": [
                    {
                        "name": column["name"],
                        "label": column["label"],
                        "type": column["type"],
                        "codelist": codelists.get(entry["dataset"], {}).get(column["name"]),
                        "unit": column["unit"],
                        "minimum": column["minimum"],
                        "maximum": column["maximum"],
                        "origin": column["origin"],
                        "help_text": column["help_text"],
                    }
                    for column in entry["columns"]
                ],
            }
            for entry in data_dictionary()
        },
    }


def _json(value: Any) -> bytes:
    return json.dumps(value, indent=1, sort_keys=True, allow_nan=False, default=str).encode()


def _readme(cut: DataCut, fingerprint: str, version: str) -> bytes:
    return (
        f"{protocol.STUDY_ID}: data cut '{cut.label}', cut-off {cut.cutoff.isoformat()}.\n"
        f"Data fingerprint {fingerprint}; code {version}.\n\n"
        "Confidential while the trial runs: results and datasets by arm.\n\n"
        "Check the files against manifest.json (sha256 of each), e.g.\n"
        "  python3 -c \"import hashlib,json; m=json.load(open('manifest.json'));"
        " print(all(hashlib.sha256(open(n,'rb').read()).hexdigest()==f['sha256']"
        " for n,f in m['files'].items()))\"\n"
        "Recompute every OS and EFS figure from the CSVs with R and survival:\n"
        "  Rscript recompute.R   (PASS/FAIL per figure; exit status 1 on any FAIL)\n"
    ).encode()


def _zip(files: dict[str, bytes], moment: dt.datetime) -> bytes:
    """The files in a zip whose bytes depend on the files and the moment only."""
    stamp = timezone.localtime(moment).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return buffer.getvalue()


def package_build(*, cut: DataCut) -> BuiltPackage:
    """Build the cut's package from the database as the caller's transaction sees it (the
    service reads it in one REPEATABLE READ snapshot, so every file shows the same data).
    The package is English (CDISC), whoever asked and whatever the worker's language."""
    with translation.override("en"):
        return _package_build(cut)


def _package_build(cut: DataCut) -> BuiltPackage:
    frozen_at = timezone.now()
    facts = patient_facts(cut.cutoff)
    fingerprint = data_fingerprint(facts, cut.cutoff, cut.strata_factors)
    version = code_version()
    results = analysis_compute(facts, cut.cutoff, cut.strata_factors)
    results["data_locks"] = locked_patient_share()
    computed_at = frozen_at.strftime("%Y-%m-%d %H:%M UTC")
    files: dict[str, bytes] = {"results.json": _json(results)}
    for parameter, kinds in analysis_figures(results, computed_at).items():
        for kind, svg in kinds.items():
            files[f"figures/{parameter}_{kind}.svg"] = svg.encode()
    reader = package_reader()
    for name, dataset in datasets().items():
        files[f"datasets/{name}.csv"] = "".join(export_csv(dataset, reader, cut.cutoff)).encode()
    files["define.json"] = _json(define_json())
    files["expected.csv"] = expected_csv(results)
    files["recompute.R"] = recompute_script(
        label=cut.label, cutoff=cut.cutoff.isoformat(), strata_factors=cut.strata_factors
    )
    files["README.txt"] = _readme(cut, fingerprint, version)
    files[MANIFEST] = _json(
        {
            "study": protocol.STUDY_ID,
            "data_cut": cut.pk,
            "label": cut.label,
            "cutoff": cut.cutoff.isoformat(),
            "strata_factors": cut.strata_factors,
            "frozen_at": frozen_at.isoformat(),
            "requested_by": cut.requested_by.staff_id,
            "data_fingerprint": fingerprint,
            "code_version": version,
            "software": {
                "python": platform.python_version(),
                "trialsite": importlib.metadata.version("trialsite"),
            },
            "files": {
                name: {"sha256": hashlib.sha256(content).hexdigest(), "bytes": len(content)}
                for name, content in sorted(files.items())
            },
        }
    )
    content = _zip(files, frozen_at)
    return BuiltPackage(
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        fingerprint=fingerprint,
        code_version=version,
        frozen_at=frozen_at,
    )
