"""Settings shared by every environment, read from the environment.

`DATABASE_URL` absent means the embedded default: a SQLite file in the project's `data/`
folder. `production.py` only tightens what is here.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = Path(os.environ.get("BONNEBOUFFE_DATA_DIR", BASE_DIR / "data"))

# A development-only key; production.py refuses it.
DEV_SECRET_KEY = "dev-insecure-bonnebouffe-key-never-use-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
DEBUG = os.environ.get("DEBUG", "0") == "1"
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

# The public address of the app, for absolute links in emails (e.g. https://bonnebouffe.example.org).
BONNEBOUFFE_SITE_URL = os.environ.get("BONNEBOUFFE_SITE_URL", "").rstrip("/")

# Demo mode lists the demo accounts on the sign-in page. Never on in production.
DEMO_MODE = os.environ.get("BONNEBOUFFE_DEMO", "0") == "1"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "django_rq",
    "ninja",
    "bonnebouffe.core",
    "bonnebouffe.accounts",
    "bonnebouffe.territory",
    "bonnebouffe.network",
    "bonnebouffe.partners",
    "bonnebouffe.households",
    "bonnebouffe.jobs",
    "bonnebouffe.inventory",
    "bonnebouffe.coldchain",
    "bonnebouffe.rescue",
    "bonnebouffe.allocation",
    "bonnebouffe.logistics",
    "bonnebouffe.grocery",
    "bonnebouffe.education",
    "bonnebouffe.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "bonnebouffe.core.context_processors.navigation",
            ],
        },
    }
]

DATA_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'bonnebouffe.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web process and the job worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
FORMS_URLFIELD_ASSUME_HTTPS = True

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Sign-in rate limit (django-axes): 5 failures for one username from one address lock
# that pair for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"

# Internationalisation: French (Québec) first, complete English.
LANGUAGE_CODE = "fr-ca"
LANGUAGES = [("fr-ca", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "America/Toronto"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["bonnebouffe.core.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "0") == "1"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Bonne Bouffe <no-reply@localhost>")

# Background jobs (Django's Tasks API through the django-tasks backport).
# "db": a database-backed queue, worked by `manage.py db_worker` (the embedded default).
# "rq": a Redis-backed queue for workers on several machines (`manage.py rqworker`).
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
TASKS_BACKEND = os.environ.get("BONNEBOUFFE_TASKS", "db")
_TASK_BACKENDS = {
    "db": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
    "rq": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]},
    "immediate": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
}
TASKS = {
    "default": _TASK_BACKENDS[TASKS_BACKEND],
    "db": _TASK_BACKENDS["db"],
    "rq": _TASK_BACKENDS["rq"],
}
RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600}}

# Food-safety thresholds (domain.food_safety.SafetyPolicy): refrigerated <= 4 °C and frozen
# <= -18 °C (quebec.ca "Dons d'aliments"); shelf-stable goods at most 365 days past best-before
# (Moisson Sud-Ouest practice); near-date alert 3 days ahead.
BONNEBOUFFE_SAFETY: dict[str, object] = {}
# The offer cascade: hours an offer stays with the donor's home hub, then with every hub,
# before it goes on the open board for agencies.
OFFER_CASCADE_HOME_HUB_HOURS = int(os.environ.get("OFFER_CASCADE_HOME_HUB_HOURS", "4"))
OFFER_CASCADE_NETWORK_HOURS = int(os.environ.get("OFFER_CASCADE_NETWORK_HOURS", "8"))

# Route planning: seconds given to the solver for one plan (a background job).
LOGISTICS_PLAN_TIME_LIMIT_S = int(os.environ.get("LOGISTICS_PLAN_TIME_LIMIT_S", "20"))
# Refrigerated or frozen food carried straight from a donor to an agency (a direct shipment)
# spends at most this long between leaving the donor and the agency's door.
LOGISTICS_PERISHABLE_MAX_RIDE_MIN = int(os.environ.get("LOGISTICS_PERISHABLE_MAX_RIDE_MIN", "90"))
# The solver runs in a child process of the job worker, so that the progress bar moves while
# it searches and a cancel stops it at once (the child is ended).
LOGISTICS_SOLVE_IN_CHILD = True
# Travel times of the route planning (one provider, recorded on every plan):
# "haversine" (default, no network: great circle x detour factor, urban and rural speeds), or
# "osrm" / "valhalla" (an HTTP table service at BONNEBOUFFE_TRAVEL_URL; its matrices are
# cached as JSON files in DATA_DIR/travel-cache).
LOGISTICS_TRAVEL: dict[str, object] = {
    "provider": os.environ.get("BONNEBOUFFE_TRAVEL_PROVIDER", "haversine"),
    "url": os.environ.get("BONNEBOUFFE_TRAVEL_URL", ""),
    "timeout_s": float(os.environ.get("BONNEBOUFFE_TRAVEL_TIMEOUT_S", "30")),
    "duration_factor": float(os.environ.get("BONNEBOUFFE_TRAVEL_DURATION_FACTOR", "1.0")),
    "detour_factor": float(os.environ.get("BONNEBOUFFE_TRAVEL_DETOUR_FACTOR", "1.3")),
    "urban_speed_kmh": float(os.environ.get("BONNEBOUFFE_TRAVEL_URBAN_KMH", "40")),
    "rural_speed_kmh": float(os.environ.get("BONNEBOUFFE_TRAVEL_RURAL_KMH", "80")),
    "urban_radius_km": float(os.environ.get("BONNEBOUFFE_TRAVEL_URBAN_RADIUS_KM", "3")),
    "cache_dir": str(DATA_DIR / "travel-cache"),
}
# Fair allocation: the equity band around each agency's fair share (a network policy may
# override it).
# Seconds a grocery catalogue page (with its availability) is reused by the API; orders always
# re-read the stock under lock. 0: no cache.
GROCERY_CATALOGUE_CACHE_S = int(os.environ.get("GROCERY_CATALOGUE_CACHE_S", "5"))
ALLOCATION_DELTA = float(os.environ.get("ALLOCATION_DELTA", "0.10"))

# Map tiles: none by default, so maps work on a hall's network without internet.
MAP_TILE_URL = os.environ.get("BONNEBOUFFE_MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = os.environ.get("BONNEBOUFFE_MAP_TILE_ATTRIBUTION", "")

# Person in charge of personal information (Québec Law 25): a role, published, never a name.
PRIVACY_OFFICER_CONTACT = os.environ.get(
    "BONNEBOUFFE_PRIVACY_CONTACT", "responsable.renseignements.personnels@example.org"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
