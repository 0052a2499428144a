"""Trial management for NCT03765541 (dexamethasone in relapsed/refractory AML)."""

from trialsite.celery import app as celery_app

__all__ = ["celery_app"]
