"""Freezing a cut-off: the request records and queues, the worker builds the package."""

from __future__ import annotations

import hashlib
import json

from datacuts.models import DataCut, DataCutPackage
from tests.datacuts.conftest import CUTOFF, manifest_of, package_files


def test_it_freezes_the_cut_with_its_package_fingerprint_and_hash(frozen_cut, statistician):
    package = DataCutPackage.objects.get(cut=frozen_cut)
    content = bytes(package.content)

    assert frozen_cut.cutoff == CUTOFF
    assert frozen_cut.requested_by == statistician
    assert frozen_cut.frozen_at is not None
    assert frozen_cut.sha256 == package.sha256 == hashlib.sha256(content).hexdigest()
    assert frozen_cut.size == len(content)
    assert len(frozen_cut.fingerprint) == 64
    files = package_files(content)
    assert manifest_of(files)["data_fingerprint"] == frozen_cut.fingerprint
    assert json.loads(files["results.json"])["cutoff"] == CUTOFF.isoformat()
    assert frozen_cut.status == DataCut.Status.FROZEN
