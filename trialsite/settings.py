"""The one settings module, read from the environment (see trialsite/environment.py).

Defaults suit a developer's first run; production sets DEBUG=false, a real SECRET_KEY,
ALLOWED_HOSTS, DATABASE_URL and REDIS_URL, and `manage.py check --deploy` is then clean.
"""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from trialsite.embedded_postgres import DEFAULT_APP_ROLE, DEFAULT_OWNER_ROLE
from trialsite.environment import (
    env_bool,
    env_float,
    env_int,
    env_int_list,
    env_list,
    env_str,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)
_INSECURE_DEV_KEY = "django-insecure-development-key-never-use-in-production"
SECRET_KEY = env_str("SECRET_KEY", default=_INSECURE_DEV_KEY if DEBUG else None)
if not DEBUG and SECRET_KEY == _INSECURE_DEV_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be a real secret when DEBUG is off.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    # The trial's apps, bottom layer first (the order is a contract: see pyproject.toml).
    "accounts",
    "audit",
    "locks",
    "casebook",
    "idempotency",
    "notices",
    "patients",
    "randomization",
    "visits",
    "labs",
    "biology",
    "medications",
    "safety",
    "pharmacovigilance",
    "review",
    "endpoints",
    "oversight",
    "interim",
    "datacuts",
    "dashboard",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise: static files keep their caching and need no policy of their own.
    "csp.middleware.CSPMiddleware",
    "trialsite.no_store.NoStoreMiddleware",
    # A control character in the path or query string is a 400 before any view reads it.
    "refusals.middleware.ControlCharactersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The 30-minute idle timeout, the session saved at most once a minute (not every request).
    "accounts.middleware.SessionIdleTimeoutMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The account's language, else its site's, else the trial's; the API in English.
    "accounts.middleware.InterfaceLanguageMiddleware",
    "audit.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A creating POST sent again (API Idempotency-Key, a page's form token) gets its first answer.
    "idempotency.middleware.IdempotencyMiddleware",
    # AxesMiddleware turns a locked-out log-in into the lockout response; keep it last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "trialsite.urls"
WSGI_APPLICATION = "trialsite.wsgi.application"
ASGI_APPLICATION = "trialsite.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "trialsite.context_processors.trial",
                "notices.context_processors.unread_notices",
            ],
        },
    },
]

# One database engine everywhere: PostgreSQL. manage.py starts an embedded server for a
# developer who has none (see trialsite/embedded_postgres.py) and sets DATABASE_URL itself.
_database_url = env_url("DATABASE_URL", schemes=("postgres", "postgresql"))
if _database_url is None:
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. Run through manage.py (which starts an embedded PostgreSQL) "
        "or set DATABASE_URL=postgres://user@host:5432/dbname."
    )
DATABASES = {
    "default": dj_database_url.parse(
        _database_url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0)
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Least privilege (audit/database.py, README "Database roles"): migrations run as the owner
# role; the web app, worker and beat connect as the application role, which may only write
# rows (audit events: add only). `manage.py setup_database_roles` creates both.
DB_OWNER_ROLE = env_str("DB_OWNER_ROLE", default=DEFAULT_OWNER_ROLE)
DB_APP_ROLE = env_str("DB_APP_ROLE", default=DEFAULT_APP_ROLE)
DB_OWNER_PASSWORD = env_str("DB_OWNER_PASSWORD", default="")
DB_APP_PASSWORD = env_str("DB_APP_PASSWORD", default="")
# A persistent connection is tested before a request reuses it: after a PostgreSQL restart
# the dead connection is replaced instead of failing the request with a 500.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_url("REDIS_URL", schemes=("redis", "rediss"))
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # A Redis that is down or hung answers within half a second, so a request that
            # only throttles through the cache degrades (api/throttling.py) instead of waiting.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: a real Redis broker when REDIS_URL is set; otherwise tasks run eagerly in-process.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=REDIS_URL is None)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
# Analyses: a run may take this long; the broker must not hand a task to a second worker
# before it is over (visibility timeout), and the sweep re-queues runs stuck past it.
ANALYSIS_TIME_LIMIT_SECONDS = env_int("ANALYSIS_TIME_LIMIT_SECONDS", 600, minimum=60)
ANALYSIS_MAX_ATTEMPTS = env_int("ANALYSIS_MAX_ATTEMPTS", 3, minimum=1)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 2 * ANALYSIS_TIME_LIMIT_SECONDS,
    # A broker that is down or hung fails a publish within about a second, so a Recompute
    # records its run and answers; the sweep sends the run once the broker is back.
    "socket_connect_timeout": 1,
    "socket_timeout": 1,
}
# One immediate retry of a publish (it reconnects after a Redis restart), then give up.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0,
    "interval_max": 0,
}
# A worker computing a run renews its lease every third of this; a run whose lease has
# expired (its worker died) is taken over by the next message or the sweep, which runs every
# ANALYSIS_SWEEP_SECONDS: a dead worker's run is running again within a minute.
ANALYSIS_LEASE_SECONDS = env_int("ANALYSIS_LEASE_SECONDS", 45, minimum=3)
ANALYSIS_SWEEP_SECONDS = env_int("ANALYSIS_SWEEP_SECONDS", 15, minimum=1)
# Where a worker keeps the randomized patients' columns between runs, to read again only the
# patients written since (endpoints/cohort_cache.py); empty: every run reads every patient.
COHORT_CACHE_DIR = env_str(
    "COHORT_CACHE_DIR", default=str(Path(tempfile.gettempdir()) / "trialsite-cohort")
)
CELERY_IMPORTS = [
    "trialsite.tasks",
    "endpoints.tasks",
    "review.tasks",
    "audit.tasks",
    "idempotency.tasks",
    "notices.tasks",
]
CELERY_BEAT_SCHEDULE = {
    "sessions-clear-expired": {
        "task": "trialsite.sessions_clear_expired",
        "schedule": 6 * 60 * 60,
    },
    "analysis-runs-sweep": {
        "task": "endpoints.analysis_runs_sweep",
        "schedule": ANALYSIS_SWEEP_SECONDS,
        # A sweep no worker took in time is dropped: the next one does its work.
        "options": {"expires": ANALYSIS_SWEEP_SECONDS},
    },
    "review-automatic-queries": {
        "task": "review.automatic_queries_refresh",
        "schedule": 30 * 60,
    },
    "analysis-nightly-refresh": {
        "task": "endpoints.analysis_nightly_refresh",
        "schedule": crontab(hour=2, minute=30),
    },
    # Data cuts no worker has (queue down, message lost, worker died) sent again.
    "datacuts-sweep": {
        "task": "datacuts.data_cuts_sweep",
        "schedule": 5 * 60,
        "options": {"expires": 5 * 60},
    },
    # The audit trail's hash chain verified, and the day's digest of its head recorded.
    "audit-trail-verify": {
        "task": "audit.verify_audit_trail",
        "schedule": crontab(hour=1, minute=15),
    },
    # Answers kept for a resent creating POST (Idempotency-Key, form token) last 24 hours.
    "idempotency-requests-expire": {
        "task": "idempotency.requests_expire",
        "schedule": 60 * 60,
    },
    # An SAE's initial report not submitted 24 hours after awareness: notified once.
    "safety-sae-clock-sweep": {
        "task": "safety.sae_clock_sweep",
        "schedule": 15 * 60,
        "options": {"expires": 15 * 60},
    },
    # A SUSAR due within 48 hours, or overdue for its report to the regulators: notified once each.
    "pharmacovigilance-susar-clock-sweep": {
        "task": "pharmacovigilance.susar_clock_sweep",
        "schedule": 15 * 60,
        "options": {"expires": 15 * 60},
    },
    # From the end of study on, every patient still followed is taken off study (visits).
    "visits-end-of-study-close-out": {
        "task": "visits.end_of_study_close_out",
        "schedule": crontab(hour=0, minute=45),
    },
    # E-mails a broker outage or a lost worker left queued are queued again.
    "notices-resend-queued": {
        "task": "notices.resend_queued",
        "schedule": 5 * 60,
        "options": {"expires": 5 * 60},
    },
}

# E-mail (notices): SMTP when EMAIL_HOST is set, else printed by the console backend (a
# developer's first run); EMAIL_BACKEND overrides both (the file backend writes each message
# to EMAIL_FILE_PATH). Sent by the worker after commit, retried with a growing wait.
EMAIL_HOST = env_str("EMAIL_HOST", default="")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=bool(EMAIL_HOST))
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", default=str(BASE_DIR / "sent-emails"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", default="trial-notices@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The address of this site as a mail client reaches it: e-mails carry absolute links.
SITE_URL = env_url("SITE_URL", schemes=("http", "https")) or "http://127.0.0.1:8000"
NOTICE_EMAIL_MAX_ATTEMPTS = env_int("NOTICE_EMAIL_MAX_ATTEMPTS", 6, minimum=1)
NOTICE_EMAIL_RETRY_BACKOFF_SECONDS = env_int("NOTICE_EMAIL_RETRY_BACKOFF_SECONDS", 30, minimum=1)
NOTICE_EMAIL_RETRY_BACKOFF_MAX_SECONDS = env_int(
    "NOTICE_EMAIL_RETRY_BACKOFF_MAX_SECONDS", 10 * 60, minimum=1
)

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Argon2 first: new and re-hashed passwords use it; the others only verify old hashes.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # Axes first, so every authenticate() call (pages, admin, API token) counts failures.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
# Lock a username at one client address, not the account for everyone: five wrong passwords
# sent from elsewhere do not lock the coordinator out at her desk (accounts/lockouts.py).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The cool-off grows: the first lockout lasts LOGIN_COOLOFF_MINUTES, each further one at the
# same address within a day twice as long, up to LOGIN_COOLOFF_MAX_HOURS.
LOGIN_COOLOFF_MINUTES = env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1)
LOGIN_COOLOFF_MAX_HOURS = env_int("LOGIN_COOLOFF_MAX_HOURS", 24, minimum=1)
AXES_COOLOFF_TIME = "accounts.lockouts.cool_off"
# Each lockout keeps its own end (the cool-off differs per username and address), so clearing
# expired lockouts never ends another, longer one.
AXES_USE_ATTEMPT_EXPIRATION = True
# An attempt refused during a lockout is logged (AccessEvent "locked_out") but neither
# restarts nor lengthens that lockout: its length is known when it starts.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# The client address: REMOTE_ADDR, or, behind TRUSTED_PROXY_COUNT reverse proxies (the TLS
# proxy of docker-compose: 1), the address that many hops from the right of X-Forwarded-For.
# Leave it 0 when clients reach gunicorn directly, or anyone could pick their address.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "accounts.lockouts.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# 30-minute idle timeout: activity pushes the expiry forward, at most once every
# SESSION_REFRESH_SECONDS (accounts.middleware.SessionIdleTimeoutMiddleware).
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60, minimum=60)
SESSION_REFRESH_SECONDS = 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (django-csp): scripts, styles, images and connections from this
# site only; no inline script or style (each page's JavaScript is a file in static/js/, the
# accrual bars are SVG); no plugin, no framing, forms post here only. The API docs page
# relaxes it for its own styles (trialsite/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# The trial's language: its sites are French hospitals. A user may choose English; the API
# and the exports are English whatever the choice (accounts/language.py).
LANGUAGE_CODE = env_str("LANGUAGE_CODE", default="fr")
LANGUAGES = [("fr", "Français"), ("en", "English")]
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(f"LANGUAGE_CODE must be one of {', '.join(dict(LANGUAGES))}.")
LOCALE_PATHS = [BASE_DIR / "locale"]
# Trial dates are local calendar dates at the sponsor (Toulouse); timestamps are stored in UTC.
TIME_ZONE = env_str("TIME_ZONE", default="Europe/Paris")
USE_I18N = True
USE_TZ = True
# Dates typed and shown day/month/year in every language, ISO accepted (trialsite/formats).
FORMAT_MODULE_PATH = "trialsite.formats"

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env_bool("STATIC_MANIFEST", default=True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.base.DataEntryOrReadOnly"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON nested at most 64 deep, no control character in any string (api/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "api.base.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "api.base.IdCursorPagination",
    "PAGE_SIZE": 100,
    # drf-spectacular's, stating the Idempotency-Key header on every authenticated POST.
    "DEFAULT_SCHEMA_CLASS": "idempotency.schema.IdempotentAutoSchema",
    # Counts in Redis; in this process's memory while Redis is unreachable (api/throttling.py).
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.UserRateThrottleWithFallback"],
    "DEFAULT_THROTTLE_RATES": {"user": env_str("API_THROTTLE_RATE", default="2000/hour")},
}

# API tokens (django-rest-knox): stored as SHA-512 digests, shown once, ending after
# API_TOKEN_TTL_HOURS; the accounts named in API_INTEGRATION_ACCOUNTS (a sponsor's statistics
# server, read-only sponsor role only) get API_INTEGRATION_TOKEN_TTL_DAYS instead.
API_TOKEN_TTL_HOURS = env_int("API_TOKEN_TTL_HOURS", 8, minimum=1)
API_INTEGRATION_ACCOUNTS = env_list("API_INTEGRATION_ACCOUNTS", default=[])
API_INTEGRATION_TOKEN_TTL_DAYS = env_int("API_INTEGRATION_TOKEN_TTL_DAYS", 30, minimum=1)
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=API_TOKEN_TTL_HOURS),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "NCT03765541 trial API",
    "DESCRIPTION": (
        "Pseudonymised data of the dexamethasone in R/R AML trial for sponsors and data "
        "managers; data entry for site coordinators. Token (`Authorization: Token ...`) or "
        "session authentication. Errors: 400 with field errors, 401, 403, 404, 409, 429. "
        "Creating POSTs take an optional `Idempotency-Key` header (e.g. a UUID): the same "
        "key and body sent again within 24 hours get the first answer again and create "
        "nothing; the key with another body is a 422."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # The interactive page's assets are served from this site (no CDN).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "RelatednessEnum": "protocol.Relatedness",
        "ScreeningDiseaseStatusEnum": "protocol.DiseaseStatus",
        "FollowUpDiseaseStatusEnum": "protocol.FollowUpDiseaseStatus",
        "DiseaseStatusAtTransplantEnum": "protocol.DiseaseStatusAtTransplant",
        "EndOfTreatmentReasonEnum": "protocol.EndOfTreatmentReason",
        "OffStudyReasonEnum": "protocol.OffStudyReason",
        # A response's category keeps its name beside the medications' (medications/drugs.py).
        "CategoryEnum": "protocol.ResponseCategory",
        "MedicationCategoryEnum": "medications.drugs.Category",
        # Each gene of a biology specimen takes the same results (biology/models.py).
        "MutationResultEnum": "protocol.MutationResult",
        "SpecimenTimepointEnum": "biology.models.SpecimenTimepoint",
        # Fields of the same name on several forms keep names that say which.
        "RegimenEnum": "protocol.Regimen",
        "PriorRegimenEnum": "protocol.prior_therapy.PriorRegimenName",
        "ResponseTimepointEnum": "protocol.ResponseTimepoint",
        "MrdTimepointEnum": "protocol.MrdTimepoint",
        "MrdMethodEnum": "protocol.MrdMethod",
        "RandomizationMethodEnum": ["blocks", "minimization"],
        "TransplantEventKindEnum": "protocol.TransplantEventKind",
        # An SAE report's causality per suspect drug and its outcome (protocol/safety.py).
        "SaeCausalityEnum": "protocol.safety.SaeCausality",
        "SaeOutcomeEnum": "protocol.safety.SaeOutcome",
    },
}

# Audit trail (21 CFR Part 11 §11.10(e)): event rows are append-only (a database trigger
# refuses UPDATE and DELETE) and carry their context (user, reason) in the row itself.
PGHISTORY_APPEND_ONLY = True
# The time of the change itself, not of its transaction, so changes keep their order.
PGHISTORY_CREATED_AT_FUNCTION = "clock_timestamp()"
PGHISTORY_MIDDLEWARE_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

# The trial's configurable figures ([setting] in PROTOCOL.md).
TRIAL_TARGET_ENROLMENT = env_int("TRIAL_TARGET_ENROLMENT", 300, minimum=1)
TRIAL_ACCRUAL_MONTHS = env_int("TRIAL_ACCRUAL_MONTHS", 36, minimum=1)
# Analysis strata: the randomization factors other than site (PROTOCOL.md).
TRIAL_ANALYSIS_STRATA = env_list("TRIAL_ANALYSIS_STRATA", default=["regimen", "disease_status"])
# Randomization (see protocol.RandomizationDesign; a system check refuses an unsafe design).
TRIAL_RANDOMIZATION_METHOD = env_str("TRIAL_RANDOMIZATION_METHOD", default="blocks")
TRIAL_STRATIFICATION_FACTORS = env_list(
    "TRIAL_STRATIFICATION_FACTORS", default=["regimen", "site", "disease_status"]
)
TRIAL_BLOCK_SIZES = env_int_list("TRIAL_BLOCK_SIZES", default=[2, 4])
TRIAL_MINIMIZATION_PROBABILITY = env_float("TRIAL_MINIMIZATION_PROBABILITY", 0.8)
# Safety: an adverse event is treatment-emergent (TEAE) from the first study dose (start of
# cycle 1) to this many days after the last (end of the last cycle).
TRIAL_TEAE_WINDOW_DAYS = env_int("TRIAL_TEAE_WINDOW_DAYS", 30, minimum=0)
# A dose further than this from the regimen's planned dose (protocol/doses.py) is saved with
# a warning to the coordinator; outside its plausible range (visits/crfs.py) it is refused.
TRIAL_DOSE_TOLERANCE_PERCENT = env_int("TRIAL_DOSE_TOLERANCE_PERCENT", 10, minimum=0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", default="INFO")},
    "loggers": {"embedded_postgres": {"level": "WARNING"}},
}
