"""Settings for every environment, read from the environment (twelve-factor).

`test.py` only makes the test run faster; there is no production-only branch.
"""

from pathlib import Path

import dj_database_url

from config.env import env_bool, env_list, env_number, env_rate, env_str

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

# --- Served over TLS (docs/security.md) -----------------------------------------------------
# One switch for a deployment behind an HTTPS reverse proxy: the proxy's X-Forwarded-Proto is
# believed, plain HTTP is redirected, cookies are sent over HTTPS only and browsers are told to
# use HTTPS for a year (HSTS). Off for `make run` on a laptop (plain HTTP on loopback).
BEHIND_TLS = env_bool("DJANGO_BEHIND_TLS", default=False)
if BEHIND_TLS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = BEHIND_TLS
SESSION_COOKIE_SECURE = BEHIND_TLS
CSRF_COOKIE_SECURE = BEHIND_TLS
SECURE_HSTS_SECONDS = int(env_number("DJANGO_HSTS_SECONDS", 31_536_000 if BEHIND_TLS else 0, int))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=BEHIND_TLS)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", default=False)
# Health checks from the proxy or the orchestrator come over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^api/v1/health/$"]
SESSION_COOKIE_HTTPONLY = True
# A browser session (the map, the admin) lasts one shift, not Django's two weeks.
SHIFT_HOURS = env_number("SHIFT_HOURS", 10.0)
SESSION_COOKIE_AGE = int(SHIFT_HOURS * 3600)
# Trusted reverse proxies in front of the app: the client address is the one the nearest of
# them appended to X-Forwarded-For (throttles and login lockout). 0: REMOTE_ADDR.
NUM_PROXIES = int(env_number("DJANGO_NUM_PROXIES", 0, int))

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
    "knox",  # API tokens hashed at rest, with expiry (ebikeops.core.tokens)
    "axes",  # login lockout after repeated wrong passwords
    "rest_framework_gis",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files served from /static/ (no CDN on closed networks)
    "csp",  # Content-Security-Policy on every response (settings at the end: "HTML pages")
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
    "ebikeops.imports",
    "ebikeops.incidents",
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
    # django-csp's, building an unchanged policy's header once (ebikeops.core.middleware).
    "ebikeops.core.middleware.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into a 429 (core.lockout).
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out username and address
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": int(env_number("PASSWORD_MIN_LENGTH", 12, int))},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Debian 12's GDAL 3.6 cannot sandbox file access; GDAL opens boundary and corridor files named
# by an administrator, and import uploads only with the driver their suffix names (imports/sources.py).
# HSTS preload (security.W021) is for sites on the public internet; a force's intranet host is
# not on browsers' preload list, and preloading cannot be undone quickly (DJANGO_HSTS_PRELOAD).
SILENCED_SYSTEM_CHECKS = ["gis.W001", "security.W021"]

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
        # Django's PostGIS backend; its health check looks at the socket before asking the server.
        engine="ebikeops.core.postgis",
        conn_max_age=int(env_number("DATABASE_CONN_MAX_AGE", 60, int)),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

CACHES = {
    "default": {
        "BACKEND": "ebikeops.core.cache.RedisCache",  # Django's, reusing its redis-py clients
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

# JSON bodies nested deeper than this are refused with 400 (ebikeops.core.parsers).
JSON_MAX_DEPTH = int(env_number("JSON_MAX_DEPTH", 400, int))
# Bodies over this size are refused with 413 before they are parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(env_number("MAX_REQUEST_BYTES", 2_000_000, int))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "ebikeops.core.tokens.ShiftTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # JSON with a nesting limit (JSON_MAX_DEPTH): a deeply nested body is a 400, not a RecursionError.
    "DEFAULT_PARSER_CLASSES": [
        "ebikeops.core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # An unknown ?format= is a 400 naming `format`, not DRF's 404 (ebikeops.core.negotiation).
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "ebikeops.core.negotiation.FormatParamNegotiation",
    "DEFAULT_THROTTLE_CLASSES": ["ebikeops.core.throttling.UserThrottle", "ebikeops.core.throttling.IPThrottle"],
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "ebikeops.core.pagination.FeaturePagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "ebikeops.core.problems.problem_exception_handler",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

# Request rates ("N/s", "N/min", "N/hour", "N/day"); over them: 429 with Retry-After.
# user: per signed-in user; anon: per address without sign-in; ip: per address whoever is
# signed in (a station behind one address); login: password attempts per address on
# /api/v1/auth/token/; auth_failure: invalid tokens per address before all its tokens get 429.
THROTTLE_RATES = {
    "user": env_rate("THROTTLE_USER_RATE", "1200/min"),
    "anon": env_rate("THROTTLE_ANON_RATE", "60/min"),
    "ip": env_rate("THROTTLE_IP_RATE", "6000/min"),
    "login": env_rate("THROTTLE_LOGIN_RATE", "10/min"),
    "auth_failure": env_rate("THROTTLE_AUTH_FAILURE_RATE", "20/min"),
}

# API tokens (django-rest-knox): hashed at rest; a token lasts a shift unless rotated sooner.
API_TOKEN_TTL_HOURS = env_number("API_TOKEN_TTL_HOURS", SHIFT_HOURS)
REST_KNOX = {
    "TOKEN_TTL": None,  # each token's expiry is set by ebikeops.core.tokens (API_TOKEN_TTL_HOURS)
    "AUTH_HEADER_PREFIX": "Token",  # `Authorization: Token <key>`, as DRF's tokens were sent
    "AUTO_REFRESH": False,
}

# Login lockout (django-axes) on /accounts/login/, /admin/login/ and /api/v1/auth/token/:
# after AXES_FAILURE_LIMIT wrong passwords for one username from one address, that pair is
# refused (429) for AXES_COOLOFF_MINUTES. Attempts are kept in the database (an audit trail).
AXES_FAILURE_LIMIT = int(env_number("AXES_FAILURE_LIMIT", 5, int))
AXES_COOLOFF_MINUTES = env_number("AXES_COOLOFF_MINUTES", 15.0)
AXES_COOLOFF_TIME = AXES_COOLOFF_MINUTES / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_CLIENT_IP_CALLABLE = "ebikeops.core.throttling.client_ip"
AXES_LOCKOUT_CALLABLE = "ebikeops.core.lockout.lockout_response"
# Attempts and lockouts are recorded in the database (admin: Axes); no log line per attempt.
AXES_VERBOSE = env_bool("AXES_VERBOSE", default=False)

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
    # Every operation documents the problem-details errors it can answer (core.schema).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "ebikeops.core.schema.document_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "OffenceCategoryEnum": "ebikeops.operations.models.OffenceCategory",
        "HotspotRunStatusEnum": "ebikeops.hotspots.models.RunStatus",
        "OperationStatusEnum": "ebikeops.operations.models.OperationStatus",
        "ImportKindEnum": "ebikeops.imports.models.ImportKind",
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
# Real public data beside the repo in shared/realdata (see its README): TfL bus-stop sequences
# name the suggestions' stop points (`load_named_stops`); police.uk months feed the back-test.
TFL_STOPS_DIR = Path(env_str("TFL_STOPS_DIR", default=str(REPO_DIR.parent / "shared" / "realdata" / "tfl")))
POLICEUK_DIR = Path(env_str("POLICEUK_DIR", default=str(REPO_DIR.parent / "shared" / "realdata" / "policeuk")))
# Stored suggestion runs (made by POST) older than this are purged by `purge_suggestions`,
# except those an operation followed.
SUGGESTION_RETENTION_DAYS = env_number("SUGGESTION_RETENTION_DAYS", 90)
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

# --- Imports (ebikeops.imports) -------------------------------------------------------------
# An uploaded import file larger than this is refused with 413 (the commands have no limit).
IMPORT_MAX_UPLOAD_BYTES = int(env_number("IMPORT_MAX_UPLOAD_BYTES", 200_000_000, int))
# An import writing at least this many new rows, and at least as many as the table holds,
# drops and rebuilds the table's non-unique indexes and foreign keys around its write (far
# faster; the table is locked until the import commits). 0: never (docs/import.md).
IMPORT_INDEX_REBUILD_MIN_ROWS = int(env_number("IMPORT_INDEX_REBUILD_MIN_ROWS", 20_000, int))
# The uploaded file of an API import is deleted this many days after the import finished
# (`manage.py import_uploads_purge`, run daily by the worker); its summary and rejects stay.
IMPORT_UPLOAD_RETENTION_DAYS = int(env_number("IMPORT_UPLOAD_RETENTION_DAYS", 7, int))
# The police.uk incident layer holds at most this many map points (`truncated` says so).
INCIDENTS_LAYER_MAX_FEATURES = int(env_number("INCIDENTS_LAYER_MAX_FEATURES", 10_000, int))
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
# Hash chains the audit trail appends to at once (each writer's transaction holds one chain's
# head until it ends); `migrate` opens or closes chains to match. 1 makes writers take turns.
AUDIT_CHAINS = int(env_number("AUDIT_CHAINS", 16, int))
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

# --- HTML pages: the map, login, admin, Swagger UI (ebikeops.webmap) ------------------------
# A strict Content-Security-Policy on every response (django-csp 4): scripts and styles only
# from this server's /static/ (no inline script, no inline <style>; the map sets styles from
# its modules through the CSSOM, which CSP allows), no framing, no plugins. A tile server named
# by MAP_TILE_URL is added to img-src; nothing else is ever fetched from another origin.
from urllib.parse import urlsplit  # noqa: E402

from csp.constants import NONE, SELF  # noqa: E402


def _tile_origin(url: str) -> str | None:
    """https://{s}.tiles.example/{z}/{x}/{y}.png -> https://*.tiles.example (None: no tiles)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}" if parts.scheme and parts.netloc else None


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:", *filter(None, [_tile_origin(MAP_TILE_URL)])],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
SECURE_REFERRER_POLICY = env_str("DJANGO_REFERRER_POLICY", default="same-origin")
# The Thames on a closed network: the difference between the boroughs to the tidal boundary
# (BOROUGHS_FILE) and the same boroughs cut at Mean High Water (BOROUGHS_LAND_FILE) is the river.
BOROUGHS_LAND_FILE = Path(
    env_str(
        "BOROUGHS_LAND_FILE",
        default=str(REPO_DIR.parent / "shared" / "geodata" / "london_boroughs_excluding_mhw.geojson"),
    )
)
# The next shift, which the map's briefing plans by default: shift start hours in London time
# and the shift length.
MAP_SHIFT_STARTS = tuple(int(h) for h in env_list("MAP_SHIFT_STARTS", ["7", "15", "23"]))
MAP_SHIFT_HOURS = int(env_number("MAP_SHIFT_HOURS", 8, int))
# --- Under load: connections, overload, outages (ebikeops.core.middleware; docs/scaling.md) ---
# Each gunicorn thread keeps one connection for DATABASE_CONN_MAX_AGE seconds (above); it is
# checked before its first use in a request, so a connection the database dropped (restart,
# failover, PgBouncer recycling) is replaced instead of failing that request. The check sends
# `SELECT 1` only when the connection is not plainly idle (ebikeops.core.postgis).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})
# An unreachable database fails a request in seconds (503 + Retry-After), not after the
# operating system's TCP timeout of minutes.
DATABASES["default"]["OPTIONS"]["connect_timeout"] = int(env_number("DATABASE_CONNECT_TIMEOUT", 3, int))
# Behind PgBouncer in transaction mode, server-side cursors cannot outlive a transaction.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool("DATABASE_DISABLE_SERVER_SIDE_CURSORS", default=False)
# A read replica for reads that tolerate lag (summaries, layers, exports, tiles): set
# DATABASE_REPLICA_URL and ebikeops.core.db_router sends those reads there.
if env_str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = {
        **dj_database_url.parse(
            env_str("DATABASE_REPLICA_URL"),
            engine="ebikeops.core.postgis",
            conn_max_age=int(env_number("DATABASE_CONN_MAX_AGE", 60, int)),
        ),
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": dict(DATABASES["default"]["OPTIONS"]),
        "DISABLE_SERVER_SIDE_CURSORS": DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"],
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["ebikeops.core.db_router.ReplicaRouter"]
    # Before django-axes, which wants to stay last.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("axes.middleware.AxesMiddleware"), "ebikeops.core.db_router.ReplicaReadsMiddleware"
    )
# Paths whose GET reads may come from the replica (prefixes).
REPLICA_READ_PATHS = env_list(
    "REPLICA_READ_PATHS", ["/api/v1/summaries/", "/api/v1/layers/", "/api/v1/exports/", "/tiles/"]
)

# A request that waited longer than this in the server's queue (X-Request-Start, set by the
# proxy or gunicorn's worker) is answered 503 at once: its client is likely gone or about to
# give up (the officer client waits 10 s), and the work would delay everyone behind it.
REQUEST_QUEUE_TIMEOUT_SECONDS = env_number("REQUEST_QUEUE_TIMEOUT_SECONDS", 3.0)
# No query starts once a request is this old (a streamed export's rows are not limited).
REQUEST_DEADLINE_SECONDS = env_number("REQUEST_DEADLINE_SECONDS", 25.0)
# An answer this long after the request arrived is logged as slow (a warning).
REQUEST_SLOW_SECONDS = env_number("REQUEST_SLOW_SECONDS", 5.0)
# Retry-After of a shed request, and while the database does not answer.
OVERLOAD_RETRY_AFTER_SECONDS = int(env_number("OVERLOAD_RETRY_AFTER_SECONDS", 2, int))
DATABASE_DOWN_RETRY_AFTER_SECONDS = int(env_number("DATABASE_DOWN_RETRY_AFTER_SECONDS", 5, int))
MIDDLEWARE = ["ebikeops.core.middleware.OverloadMiddleware", *MIDDLEWARE]
# Every operation in the OpenAPI schema says it may answer 503 with Retry-After.
SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"].append("ebikeops.core.schema_hooks.add_unavailable_responses")
