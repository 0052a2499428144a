"""A frozen cut and its package never change: the service refuses, and the database refuses
an UPDATE or DELETE behind it, whoever sends it."""

from __future__ import annotations

import pytest
from django.db import InternalError, connection, transaction

from datacuts import services
from datacuts.models import DataCut, DataCutPackage


def _refused(sql: str, *params) -> str:
    with (
        pytest.raises(InternalError) as refused,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)
    return str(refused.value)


def test_the_service_refuses_to_rename_a_frozen_cut(small_cut, statistician):
    with pytest.raises(services.FrozenCutUnchangeable, match="never changes"):
        services.data_cut_relabel(cut=small_cut, user=statistician, label="Renamed")

    small_cut.refresh_from_db()
    assert small_cut.label == "Small cut"


def test_the_database_refuses_any_update_or_delete_of_a_frozen_cut(small_cut):
    before = DataCut.objects.values().get(pk=small_cut.pk)

    for sql in (
        "UPDATE datacuts_datacut SET label = 'Renamed' WHERE id = %s",
        "UPDATE datacuts_datacut SET sha256 = repeat('0', 64) WHERE id = %s",
        "UPDATE datacuts_datacut SET status = 'failed' WHERE id = %s",
        "DELETE FROM datacuts_datacut WHERE id = %s",
    ):
        assert "data_cut_frozen_immutable" in _refused(sql, small_cut.pk)
    for sql in (
        "UPDATE datacuts_datacutpackage SET content = 'x'::bytea WHERE cut_id = %s",
        "UPDATE datacuts_datacutpackage SET sha256 = repeat('0', 64) WHERE cut_id = %s",
        "DELETE FROM datacuts_datacutpackage WHERE cut_id = %s",
    ):
        assert "data_cut_package_immutable" in _refused(sql, small_cut.pk)
    with pytest.raises(InternalError), transaction.atomic():
        DataCut.objects.filter(pk=small_cut.pk).update(label="Renamed")

    assert DataCut.objects.values().get(pk=small_cut.pk) == before
    assert DataCutPackage.objects.get(cut=small_cut).sha256 == small_cut.sha256


def test_a_cut_not_yet_frozen_may_be_renamed(statistician, frozen_today):
    cut = DataCut.objects.create(
        label="DMC 2", cutoff=frozen_today, strata_factors=[], requested_by=statistician
    )

    services.data_cut_relabel(cut=cut, user=statistician, label="DMC meeting 2")

    cut.refresh_from_db()
    assert cut.label == "DMC meeting 2"
