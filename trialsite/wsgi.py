"""WSGI entry point (gunicorn trialsite.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialsite.settings")

application = get_wsgi_application()
