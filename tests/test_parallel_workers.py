"""The suite's parallel workers never share a Redis database (tests/parallel_workers.py)."""

from __future__ import annotations

import os

import pytest
from django.conf import settings

from tests import parallel_workers
from tests.parallel_workers import worker_redis_url


def test_it_gives_each_worker_the_database_above_the_configured_one():
    assert worker_redis_url("redis://127.0.0.1:6379/0", "gw0") == "redis://127.0.0.1:6379/0"
    assert worker_redis_url("redis://127.0.0.1:6379/0", "gw1") == "redis://127.0.0.1:6379/1"
    assert worker_redis_url("redis://:secret@cache:6380/3", "gw2") == "redis://:secret@cache:6380/5"
    assert worker_redis_url("redis://127.0.0.1:6379", "gw1") == "redis://127.0.0.1:6379/1"


def test_it_refuses_a_worker_beyond_redis_s_sixteen_databases():
    with pytest.raises(RuntimeError, match="Redis database 16"):
        worker_redis_url("redis://127.0.0.1:6379/10", "gw6")


def test_this_worker_s_cache_broker_and_subprocesses_use_its_own_database():
    if parallel_workers.WORKER is None or not parallel_workers.CONFIGURED_REDIS_URL:
        pytest.skip("one process (no -n): the configured Redis database, unchanged")
    own = worker_redis_url(parallel_workers.CONFIGURED_REDIS_URL, parallel_workers.WORKER)
    assert settings.REDIS_URL == settings.CELERY_BROKER_URL == own
    assert settings.CACHES["default"]["LOCATION"] == own
    assert os.environ["REDIS_URL"] == own  # what a Celery worker or gunicorn started here reads
