"""Settings for every environment, read from the environment (twelve-factor).

`test.py` only makes the test run faster; there is no production-only branch.
"""

from pathlib import Path

import dj_database_url

from config.env import env_bool, env_list, env_number, env_str

BACKEND_DIR = Path(__file__).resolve().parents[2]
REPO_DIR = BACKEND_DIR.parent

DEBUG = env_bool("DJANGO_DEBUG", default=False)
# No default in production: start-up fails loudly without a key unless DEBUG is on. Without
# DJANGO_SECRET_KEY, the key `make run` keeps for this checkout (scripts/secret_key.sh) is used,
# so that `python backend/manage.py ...` works in a plain shell too.
SECRET_KEY_FILE = Path(env_str("DJANGO_SECRET_KEY_FILE", default=str(REPO_DIR / "var" / "secret_key")))
SECRET_KEY = env_str("DJANGO_SECRET_KEY", default=None)
if SECRET_KEY is None and SECRET_KEY_FILE.is_file():
    SECRET_KEY = SECRET_KEY_FILE.read_text().strip() or None
if SECRET_KEY is None and DEBUG:
    SECRET_KEY = "insecure-dev-key-only"  # noqa: S105 - DEBUG only
if SECRET_KEY is None:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        f"Set DJANGO_SECRET_KEY, or put a key in {SECRET_KEY_FILE} (`make run` does), "
        "or set DJANGO_DEBUG=true for local development."
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_gis",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files served from /static/ (no CDN on closed networks)
    "ebikeops.core",
    "ebikeops.audit",
    "ebikeops.areas",
    "ebikeops.operations",
    "ebikeops.sync",
    "ebikeops.planning",
    "ebikeops.reporting",
    "ebikeops.demo",
    "ebikeops.webmap",
    "ebikeops.hotspots",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # One audit event per read of data, after the view has answered (ebikeops.audit).
    "ebikeops.audit.middleware.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# Debian 12's GDAL 3.6 cannot sandbox file access; GDAL only ever opens boundary and corridor
# files named by an administrator on the command line, never user uploads.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/ebikeops"),
        engine="django.contrib.gis.db.backends.postgis",
        conn_max_age=int(env_number("DATABASE_CONN_MAX_AGE", 60, int)),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env_str("REDIS_URL", default="redis://127.0.0.1:6379/0"),
    }
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", default=str(REPO_DIR / "var" / "static")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", default=str(REPO_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/map/"

# Bodies over this size are refused with 413 before they are parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(env_number("MAX_REQUEST_BYTES", 2_000_000, int))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "ebikeops.core.pagination.FeaturePagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "ebikeops.core.problems.problem_exception_handler",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "ebike-ops API",
    "DESCRIPTION": (
        "Operations against illegal e-bikes and e-scooters: field logging, hotspots, "
        "deployment suggestions and summaries. Geometries are GeoJSON (RFC 7946, [lon, lat])."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    # Swagger UI's (and Redoc's) files come from drf-spectacular-sidecar under /static/, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "OffenceCategoryEnum": "ebikeops.operations.models.OffenceCategory",
        "HotspotRunStatusEnum": "ebikeops.hotspots.models.RunStatus",
        "OperationStatusEnum": "ebikeops.operations.models.OperationStatus",
    },
}

# --- Domain settings ---------------------------------------------------------------
# Metric work happens in British National Grid; storage stays in WGS84 lon/lat.
METRIC_SRID = 27700
# Boundaries that `make run` and the tests load; the file lives beside the repo in shared/.
BOROUGHS_FILE = Path(
    env_str("BOROUGHS_FILE", default=str(REPO_DIR.parent / "shared" / "geodata" / "london_boroughs.geojson"))
)
CORRIDORS_FILE = Path(env_str("CORRIDORS_FILE", default=str(REPO_DIR / "geodata" / "corridors.geojson")))
# Greater London's extent (lon/lat) with a small margin; used before boroughs are loaded
# and to recognise swapped coordinates.
LONDON_BBOX = (-0.52, 51.28, 0.34, 51.70)
# A fix worse than this many metres is refused: a stop point must be placeable on a road.
MAX_GPS_ACCURACY_M = env_number("MAX_GPS_ACCURACY_M", 100.0)
# Device clocks drift; timestamps up to this far in the future are still accepted.
CLOCK_SKEW_SECONDS = env_number("CLOCK_SKEW_SECONDS", 300.0)
# A seizure or arrest may be logged this long before start or after end of its operation.
OPERATION_WINDOW_TOLERANCE_MINUTES = env_number("OPERATION_WINDOW_TOLERANCE_MINUTES", 60.0)

# --- Offline sync (ebikeops.sync) ---------------------------------------------------------
# A batch holds at most this many items (413 beyond); its body at most this many bytes (413).
SYNC_MAX_ITEMS = int(env_number("SYNC_MAX_ITEMS", 500, int))
SYNC_MAX_BODY_BYTES = int(env_number("SYNC_MAX_BODY_BYTES", 2_000_000, int))
# Stored answers to Idempotency-Keys and batch items: at least as long as an officer may stay
# offline (days, not hours).
IDEMPOTENCY_KEY_RETENTION_DAYS = env_number("IDEMPOTENCY_KEY_RETENTION_DAYS", 14.0)
PHOTO_MAX_BYTES = int(env_number("PHOTO_MAX_BYTES", 8_000_000, int))
PHOTO_MAX_PER_SEIZURE = int(env_number("PHOTO_MAX_PER_SEIZURE", 20, int))
# A user may keep at most this many photos waiting for seizures that have not arrived yet.
PHOTO_MAX_PENDING_PER_USER = int(env_number("PHOTO_MAX_PENDING_PER_USER", 200, int))
# Photos whose seizure never arrives are purged after this many days (purge_sync_records).
PHOTO_PENDING_RETENTION_DAYS = env_number("PHOTO_PENDING_RETENTION_DAYS", 30.0)

# Commander's map (/map/): no tile server is assumed (closed police networks); the borough
# boundaries are the base layer. Set a {z}/{x}/{y} tile URL where the network has one.
MAP_TILE_URL = env_str("MAP_TILE_URL", default="")
MAP_TILE_ATTRIBUTION = env_str("MAP_TILE_ATTRIBUTION", default="")
# Seizures on the map: counts aggregated by the server below MAP_POINTS_MIN_ZOOM, or when the
# view holds more than MAP_MAX_POINTS of them; individual points otherwise.
MAP_POINTS_MIN_ZOOM = int(env_number("MAP_POINTS_MIN_ZOOM", 12, int))
MAP_MAX_POINTS = int(env_number("MAP_MAX_POINTS", 1000, int))

# --- Hotspots (ebikeops.hotspots) ----------------------------------------------------------
# Defaults of a hotspot run; every request may override them (see docs/methods/hotspots.md).
HOTSPOT_EPS_M = env_number("HOTSPOT_EPS_M", 100.0)  # DBSCAN radius, metres
HOTSPOT_MIN_POINTS = int(env_number("HOTSPOT_MIN_POINTS", 5, int))  # seizures within eps_m for a core place
HOTSPOT_WINDOW_DAYS = env_number("HOTSPOT_WINDOW_DAYS", 365.0)  # default data window, ending now
HOTSPOT_GISTAR_CELL_M = env_number("HOTSPOT_GISTAR_CELL_M", 250.0)  # Gi* grid cell side, metres
HOTSPOT_BUFFER_M = env_number("HOTSPOT_BUFFER_M", 15.0)  # buffer around each hotspot's hull, metres
# Answers of the hotspot endpoints are cached per run and query (runs never change once done).
HOTSPOT_CACHE_SECONDS = int(env_number("HOTSPOT_CACHE_SECONDS", 3600, int))

# --- Summaries, exports, layers, tiles (ebikeops.reporting) --------------------------------
# A map layer (/api/v1/layers/...) holds at most this many features (`truncated` says so).
REPORTING_LAYER_MAX_FEATURES = int(env_number("REPORTING_LAYER_MAX_FEATURES", 10_000, int))
# Exports pass on this many rows per chunk of their COPY stream.
REPORTING_EXPORT_CHUNK_ROWS = int(env_number("REPORTING_EXPORT_CHUNK_ROWS", 2_000, int))
# Vector tiles: seconds a client may reuse a tile before revalidating it (ETag -> 304); a tile
# with more seizures than this holds counts per cell instead of points; no tiles beyond the zoom.
REPORTING_TILE_MAX_AGE = int(env_number("REPORTING_TILE_MAX_AGE", 60, int))
REPORTING_TILE_MAX_POINTS = int(env_number("REPORTING_TILE_MAX_POINTS", 5_000, int))
REPORTING_TILE_MAX_ZOOM = int(env_number("REPORTING_TILE_MAX_ZOOM", 22, int))

# --- Audit trail (ebikeops.audit; DPA 2018 Part 3 s.62) ------------------------------------
# Exports (CSV/GeoJSON downloads, the audit CSV) refused (400) without an X-Purpose header or
# `purpose` parameter saying why; commanders switch this on for their force.
AUDIT_REQUIRE_PURPOSE_FOR_EXPORTS = env_bool("AUDIT_REQUIRE_PURPOSE_FOR_EXPORTS", default=False)
# The audit CSV export holds at most this many events (narrow by actor, record or time).
AUDIT_EXPORT_MAX_ROWS = int(env_number("AUDIT_EXPORT_MAX_ROWS", 100_000, int))
# Behind a reverse proxy, the header it puts the caller's address in (e.g. X-Forwarded-For);
# empty: the address is REMOTE_ADDR. Set it only when such a proxy is always in front.
AUDIT_PROXY_IP_HEADER = env_str("AUDIT_PROXY_IP_HEADER", default="")
# `audit_partitions` creates this many monthly partitions ahead (run it monthly).
AUDIT_PARTITION_MONTHS_AHEAD = int(env_number("AUDIT_PARTITION_MONTHS_AHEAD", 3, int))
# Analysts see officers as stable pseudonyms (ebikeops.core.pseudonyms) keyed by this; by
# default a key derived from the secret key. Changing it changes every pseudonym.
PSEUDONYM_KEY = env_str("PSEUDONYM_KEY", default="")
# Review dates (MoPI): a record is due for review this many days after it was recorded
# (operations: after they ended). `review_retention` lists them and, with --apply, erases them.
RETENTION_DAYS = {
    "operation": env_number("RETENTION_OPERATION_DAYS", 6 * 365, int),
    "seizure": env_number("RETENTION_SEIZURE_DAYS", 6 * 365, int),
    "arrest": env_number("RETENTION_ARREST_DAYS", 6 * 365, int),
}

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/1")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", default="INFO")},
}
