"""MedRef settings, read from the environment (see README "Configuration")."""

import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
import django.forms
from django.core.exceptions import ImproperlyConfigured

from monographs import limits

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "reviews.apps.EditorialAdminConfig",  # Django's admin, signing in with two factors
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "django.forms",
    "markdownx",
    "simple_history",
    "axes",
    "django_ratelimit",
    "corsheaders",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "monographs",
    "reviews",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside the page cache, so cached pages are compressed too and their validators still
    # answer 304 (it weakens the ETag); BREACH: README, "Compression".
    "django.middleware.gzip.GZipMiddleware",
    # Outside the page cache, so cached API responses get CORS headers too (and store none).
    "corsheaders.middleware.CorsMiddleware",
    # Public pages from the cache: a hit skips everything below (monographs/caching.py).
    "monographs.public.page_cache.PageCacheMiddleware",
    "reviews.sessions.SessionMiddleware",  # Django's, renewing only sessions a request read
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Marks a sign-in completed with a one-time code (`request.user.is_verified()`).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into its lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "medref.urls"
WSGI_APPLICATION = "medref.wsgi.application"

TEMPLATES = [
    # Form widgets render with Django's own Jinja2 copies of their templates (same HTML, a
    # fraction of the time: the change form of a 20-section monograph renders ~700 of them);
    # every other template, the admin's and widgets without a Jinja2 copy, is Django's.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [Path(django.forms.__file__).parent / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"autoescape": True},
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DATABASE_POOL", True
):
    # psycopg's pool replaces persistent connections; sizes are per worker process.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": int(os.environ.get("DATABASE_POOL_MIN", "2")),
        "max_size": int(os.environ.get("DATABASE_POOL_MAX", "4")),
        "timeout": 10,
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DATABASE_PREPARED_STATEMENTS", True
):
    # Parameters bound on the server, and a query prepared once it has run five times on a
    # connection: the public pages' queries then skip planning, about half their cost.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": 5}
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # Opening a SQLite connection (its PRAGMAs, Django's SQL functions) costs ~2 ms, more than
    # serving a monograph: keep one per worker unless CONN_MAX_AGE says otherwise.
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "600"))
if os.environ.get("DATABASE_REPLICA_URL"):
    # Public reads go to a read replica, with the primary's pool and options (docs/scaling.md).
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"], conn_max_age=DATABASES["default"]["CONN_MAX_AGE"]
    )
    if DATABASES["replica"]["ENGINE"] == DATABASES["default"]["ENGINE"]:
        DATABASES["replica"]["OPTIONS"] = dict(DATABASES["default"].get("OPTIONS", {}))
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["medref.db_router.PrimaryReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "medref.caches.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "medref"),
        }
    }
else:
    # Per process. Besides whole pages (~25 KB each) it holds one small entry per combination
    # and per class for the monograph page: Django's default of 300 entries would evict those
    # under ordinary traffic and cost the page a second query.
    CACHES = {
        "default": {
            "BACKEND": "medref.caches.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("LOCAL_CACHE_MAX_ENTRIES", "3000"))},
        }
    }

# Argon2 for new and upgraded hashes; the others still verify older hashes (and upgrade them at
# the next login).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out login before any password check
    "django.contrib.auth.backends.ModelBackend",
]

# Login throttling (django-axes, failures kept in the database so every worker sees them): after
# LOGIN_FAILURE_LIMIT failures within the cool-off, an account, and separately an address, is
# refused for LOGIN_COOLOFF_MINUTES. `a+b` in LOGIN_LOCKOUT_PARAMETERS counts the pair together.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [
    parameter.split("+") if "+" in parameter else parameter
    for parameter in env_list("LOGIN_LOCKOUT_PARAMETERS", "username,ip_address")
]
# One answer whether or not the account exists (it names neither the account nor the limit).
AXES_COOLOFF_MESSAGE = "Too many failed login attempts. Please try again later."
# A success would also forget this address's failures against other accounts.
AXES_RESET_ON_SUCCESS = False
# Behind TRUSTED_PROXY_COUNT proxies the client's address comes from X-Forwarded-For; never else.
MEDREF_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "reviews.client_ip.client_ip"
# Failures are logged with the address; the username is kept out (it is sometimes a password).
AXES_SENSITIVE_PARAMETERS = ["username"]
# django-ratelimit counts in the default cache. It lists only memcached and django-redis as
# supported (W001), but medref.caches are Django's own backends, whose incr() is atomic
# (Redis INCR; the local cache under its lock). Without Redis the count is per process:
# with N workers a user gets up to N times the rate.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
# The public API's responses not served from the page cache, per client address (behind
# TRUSTED_PROXY_COUNT proxies too), in django-ratelimit's syntax: "120/m", "5000/h".
MEDREF_API_RATE = os.environ.get("API_RATE_LIMIT", "120/m")
if not re.fullmatch(r"[1-9]\d*/([1-9]\d*)?[smhd]", MEDREF_API_RATE):
    raise ImproperlyConfigured('API_RATE_LIMIT must be a count per period, e.g. "120/m".')
RATELIMIT_IP_META_KEY = AXES_CLIENT_IP_CALLABLE

# The public API (/api/) is readable from any origin, without credentials; nothing else is.
CORS_URLS_REGEX = r"^/api/"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_HEADERS = ["accept", "if-modified-since", "if-none-match"]
CORS_EXPOSE_HEADERS = ["ETag", "Retry-After"]
CORS_PREFLIGHT_MAX_AGE = 86400

# Authenticator apps list accounts under this name (otpauth URIs, reviews/two_factor.py).
OTP_TOTP_ISSUER = "MedRef"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

FORM_RENDERER = "django.forms.renderers.TemplatesSetting"  # the engines above, in order

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "MedRef <noreply@medref.invalid>")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "admin:index"

# Editorial sessions end after SESSION_IDLE_MINUTES without a request (a request renews them, at
# most once every SESSION_RENEW_SECONDS: reviews/sessions.py) and when the browser closes. Public
# pages never open a session (monographs/caching.py).
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_MINUTES", "240")) * 60
SESSION_RENEW_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Security: safe defaults everywhere; the HTTPS-only ones switch on when DEBUG is off.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # markdownx's preview reads the CSRF cookie
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Joining the browsers' preload list is hard to undo: an operator's opt-in, not a default.
        SILENCED_SYSTEM_CHECKS.append("security.W021")

# Second wall behind the sanitizer: no inline script, no third-party origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Request size: a monograph's change form at the content limits (monographs/limits.py) must
# post, and no more. Form encoding can triple text (%XX), so a document at MAX_DOCUMENT_BYTES
# still arrives and is refused with a message naming that limit; a larger body gets a 400.
DATA_UPLOAD_MAX_MEMORY_SIZE = 3 * limits.MAX_DOCUMENT_BYTES
# About a dozen fields per section or FAQ item, plus the drug's own.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 12 * (limits.MAX_SECTIONS + limits.MAX_FAQ_ITEMS) + 100

# Markdown: one sanitizing renderer for storage and for the editor's live preview.
MARKDOWNX_MARKDOWNIFY_FUNCTION = "monographs.markdown.render_markdown"
MARKDOWNX_URLS_PATH = "/admin/markdown-preview/"
MARKDOWNX_UPLOAD_URLS_PATH = "/admin/markdown-upload-disabled/"

# History is kept forever; restores are ordinary edits through our own view.
SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# What an approval needs, by the clinical risk of the part (reviews/policy.py; README, "Review
# policy"). A part is a section (by kind), an FAQ item ("faq") or the monograph's details.
MEDREF_REVIEW_POLICY = {
    "risk_classes": {
        "high": {
            "approvals": 2,
            "review_interval_months": int(os.environ.get("MEDREF_HIGH_RISK_REVIEW_MONTHS", "12")),
        },
        "standard": {
            "approvals": 1,
            "review_interval_months": int(os.environ.get("MEDREF_REVIEW_MONTHS", "24")),
        },
    },
    "default_risk": "standard",
    # Kinds not named here are of the default risk. A kind may also ask that one of its
    # approvals come from one of a list of professions (physician, pharmacist, nurse,
    # nurse_prescriber, other, or "prescriber": a physician or nurse prescriber). With
    # "requires_reference", a changed section of the kind must cite a reference to be approved.
    "kinds": {
        "dosage": {
            "risk": "high",
            "professions": ["pharmacist", "prescriber"],
            "requires_reference": True,
        },
        "warnings": {"risk": "high", "requires_reference": True},
        "contraindications": {
            "risk": "high",
            "professions": ["pharmacist", "prescriber"],
            "requires_reference": True,
        },
        "interactions": {
            "risk": "high",
            "professions": ["pharmacist", "prescriber"],
            "requires_reference": True,
        },
        "precautions": {"risk": "high"},
        "pregnancy": {"risk": "high"},
        "overdose": {"risk": "high"},
    },
}
# What a reviewer signs with every approval: each statement is a box to tick, and the decision
# keeps the text as shown (`reviews.attestation`).
MEDREF_APPROVAL_ATTESTATION = [
    "I checked this text against the cited sources.",
    "Doses, units and routes are correct.",
    "AI-generated or crowd-sourced text was examined for accuracy and plausibility, and I take "
    "editorial responsibility for it.",
    "I have no undeclared conflict of interest.",
]
# Reminders (`manage.py send_review_reminders`) go out for parts due within this many days.
MEDREF_REMINDER_DAYS = int(os.environ.get("MEDREF_REMINDER_DAYS", "30"))
MEDREF_PAGE_CACHE_SECONDS = int(os.environ.get("MEDREF_PAGE_CACHE_SECONDS", "300"))

# Everything goes to the root logger's one console handler. Django's own "django" logger would
# also print to its console handler under DEBUG, so every Django record showed twice; it keeps
# only the e-mail to ADMINS on errors (outside DEBUG) and passes the rest on to the root.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
    # Naming "django" resets its children: runserver's request lines keep Django's own format.
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "django.server": {
            "level": "INFO",
            "class": "logging.StreamHandler",
            "formatter": "django.server",
        },
        "mail_admins": {
            "level": "ERROR",
            "filters": ["require_debug_false"],
            "class": "django.utils.log.AdminEmailHandler",
        },
    },
    "loggers": {
        "django": {"handlers": ["mail_admins"], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
