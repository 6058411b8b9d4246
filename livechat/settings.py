"""Pro Livechat settings, read from the environment.

Unset, everything falls back to the embedded default (SQLite file, in-memory channel
layer, local media). Set DATABASE_URL / REDIS_URL for the production stack.
"""

import ipaddress
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

from livechat.redis_options import redis_connection_options

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# Developers' own settings: `make run` writes DJANGO_DEBUG=1 and a random secret key to
# `.env` (git-ignored). Variables already in the environment win over the file.
# Only when there is one: django-environ logs a missing file, before logging is configured.
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

# Off unless asked for: a deployment that forgets the variable must not show debug pages.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is not set. Set it to 50 or more random characters, e.g. from "
        "`python -c 'import secrets; print(secrets.token_urlsafe(50))'` "
        "(`make run` keeps one for development in .env)."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Sites allowed to embed the widget and call the widget API; "*" only when set so.
WIDGET_ALLOWED_ORIGINS = env.list("WIDGET_ALLOWED_ORIGINS", default=[])
# The deployment's own proxies (addresses or networks, e.g. 10.0.0.0/8): only a request
# coming from one of them has its X-Forwarded-For believed (livechat/client_address.py).
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy.strip(), strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES: {_proxy!r} is not an IP address or network (e.g. 10.0.0.0/8)."
        ) from None

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "channels",
    "accounts",
    "conversations",
    "messaging",
    "canned",
    "followup",
    "realtime",
    "assist",
    "dashboard",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "livechat.middleware.ContentSecurityPolicyMiddleware",
    "livechat.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "livechat.urls"
ASGI_APPLICATION = "livechat.asgi.application"

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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Under ASGI every sync_to_async thread would keep its own persistent connection;
    # the psycopg pool shares a bounded set instead (Django requires CONN_MAX_AGE=0 with it).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DB_POOL_MIN", default=2),
        "max_size": env.int("DB_POOL_MAX", default=20),
        # With PostgreSQL unreachable a request waits this long for a connection: answer
        # with an error before clients give up (10 s) instead of hanging as long as they do.
        "timeout": env.float("DB_POOL_TIMEOUT", default=5.0),
        # psycopg_pool retries a lost connection with a doubling backoff for this long
        # (default 5 minutes) before leaving it to the next request: after an outage of a
        # minute or two the next attempt was minutes away, with PostgreSQL long back.
        "reconnect_timeout": env.float("DB_POOL_RECONNECT_TIMEOUT", default=5.0),
    }
# A WebSocket `send_message` (a plain message to an existing conversation) runs as one
# statement from the event loop on PostgreSQL, through a psycopg async pool of its own per
# process (livechat/async_db.py, messaging/fast_send.py); `FAST_SEND=0` sends every message
# through the ORM path instead. The statement holds a connection for one round trip, so a
# few connections carry a process's sends.
FAST_SEND = env.bool("FAST_SEND", default=True)
DB_ASYNC_POOL_MIN = env.int("DB_ASYNC_POOL_MIN", default=1)
DB_ASYNC_POOL_MAX = env.int("DB_ASYNC_POOL_MAX", default=4)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several ASGI threads write at once: take the write lock at BEGIN and wait for it
    # instead of failing with "database is locked" mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channel layer and cache --------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# Per pool and process (see livechat/redis_options.py).
REDIS_MAX_CONNECTIONS = env.int("REDIS_MAX_CONNECTIONS", default=1000)
# The channel layer has one group, the bus (realtime/bus.py), with one member per process,
# re-joined every HEARTBEAT_INTERVAL; a process that died without leaving stays a member
# (and gets every broadcast written to its channel, trimmed after `expiry`) this long.
CHANNEL_GROUP_EXPIRY = env.int("CHANNEL_GROUP_EXPIRY", default=2 * 86400)
# Events waiting in one process's bus channel. Every broadcast of every process goes
# through it, so overload must show as latency, not loss: `capacity` (for any other
# channel, e.g. the health check's) is far too small for it.
CHANNEL_BUS_CAPACITY = env.int("CHANNEL_BUS_CAPACITY", default=100_000)
_BUS_CAPACITY = {"lcbus.*": CHANNEL_BUS_CAPACITY}  # realtime.bus.BUS_CHANNEL_PREFIX
# "redis": channels-redis' list-based layer (buffers per process, several Redis round trips
# per delivery); "pubsub": its Pub/Sub layer (one PUBLISH per group, pushed to subscribers,
# no buffering). Measured in docs/performance.md.
CHANNEL_LAYER = env.str("CHANNEL_LAYER", default="redis")
CHANNEL_PREFIX = env.str("CHANNEL_PREFIX", default="livechat")
_REDIS_HOST = {
    "address": REDIS_URL,
    **redis_connection_options(max_connections=REDIS_MAX_CONNECTIONS, socket_timeout=None),
}
if REDIS_URL and CHANNEL_LAYER == "pubsub":
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [_REDIS_HOST], "prefix": CHANNEL_PREFIX},
        }
    }
elif REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # channels-redis waits in BZPOPMIN for up to 5 s; redis-py 8's default
                # 5 s read timeout races it and kills idle sockets (1011).
                "hosts": [{**_REDIS_HOST, "socket_timeout": 15}],
                "prefix": CHANNEL_PREFIX,
                "capacity": env.int("CHANNEL_CAPACITY", default=1000),
                "channel_capacity": _BUS_CAPACITY,
                "expiry": 60,
                "group_expiry": CHANNEL_GROUP_EXPIRY,
            },
        }
    }
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CHANNEL_PREFIX,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            # (Its `channel_capacity` is broken in channels 4.3: a dict is iterated as pairs.
            # One process: the only channels are the bus and the health check's.)
            "CONFIG": {"capacity": CHANNEL_BUS_CAPACITY},
        }
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth ------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# How long an agent's invitation or password-reset link works (seconds; default 3 days).
PASSWORD_RESET_TIMEOUT = env.int("INVITATION_TTL", default=3 * 24 * 3600)
# The lockout answers first, so a locked username never has its password checked.
AUTHENTICATION_BACKENDS = [
    "accounts.lockout.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Sign-in lockout (PROTOCOL section 5, accounts/lockout.py): this many failures for one
# username (from any address), or from one address (any usernames), within the period lock
# it out for the period.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=20)
LOGIN_LOCKOUT_MINUTES = env.int("LOGIN_LOCKOUT_MINUTES", default=15)
# REST clients' `Authorization: Token …` expires this many seconds after it was issued.
API_TOKEN_TTL = env.int("API_TOKEN_TTL", default=30 * 86400)
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/dashboard/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# --- I18N ------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("id", "Bahasa Indonesia")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media --------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "livechat.storage.StaticFilesStorage"
        )
    },
}
MEDIA_URL = "/media/"
# Uploaded attachments live under MEDIA_ROOT/attachments/ when S3_BUCKET is not set.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Also serve straight from the finders, so a server started without collectstatic works.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
# Bodies are capped at 5,000 characters; anything near this is an abuse, not a message.
# (Files do not count: uploads stream through messaging.uploads to a temporary file.)
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
# A request body over this is spooled to disk by the ASGI handler, never held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

# --- Attachments (PROTOCOL section 6) ----------------------------------------------------------
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=25 * 1024 * 1024)
# How long a signed download URL works (seconds).
ATTACHMENT_URL_TTL = env.int("ATTACHMENT_URL_TTL", default=3600)
# Private object storage (S3, MinIO, ...) when set; files under MEDIA_ROOT otherwise.
S3_BUCKET = env.str("S3_BUCKET", default="")
S3_ENDPOINT_URL = env.str("S3_ENDPOINT_URL", default="")
S3_ADDRESSING_STYLE = env.str("S3_ADDRESSING_STYLE", default="path" if S3_ENDPOINT_URL else "auto")
# Where the pages may load images from besides themselves (their CSP's img-src): the
# bucket's origin, which presigned URLs point at.
ATTACHMENT_ORIGINS: list[str] = []
if S3_BUCKET and S3_ENDPOINT_URL:
    _endpoint = urlsplit(S3_ENDPOINT_URL)
    _host = _endpoint.netloc
    if S3_ADDRESSING_STYLE == "virtual":
        _host = f"{S3_BUCKET}.{_host}"
    ATTACHMENT_ORIGINS = [f"{_endpoint.scheme}://{_host}"]
elif S3_BUCKET:
    ATTACHMENT_ORIGINS = [
        f"https://{S3_BUCKET}.s3.amazonaws.com",
        f"https://{S3_BUCKET}.s3.{env.str('S3_REGION', default='us-east-1')}.amazonaws.com",
    ]
if S3_BUCKET:
    STORAGES["attachments"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": S3_ENDPOINT_URL or None,
            "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
            "region_name": env.str("S3_REGION", default="") or None,
            # MinIO and most S3-compatible servers want path-style URLs; AWS takes both.
            "addressing_style": S3_ADDRESSING_STYLE,
            "signature_version": "s3v4",
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": ATTACHMENT_URL_TTL,
            # Keys are random (192 bits): skip the existence check before every upload.
            "file_overwrite": True,
        },
    }
else:
    STORAGES["attachments"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # base_url None: these files are never served as /media/ (see messaging.downloads).
        "OPTIONS": {
            "location": MEDIA_ROOT,
            "directory_permissions_mode": 0o700,
            "file_permissions_mode": 0o600,
        },
    }

# --- REST framework ---------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["livechat.authentication.IsAgent"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["livechat.parsers.JSONParser"],
    # Adds every operation's error answers with the shared body (livechat/schema.py).
    "DEFAULT_SCHEMA_CLASS": "livechat.schema.LivechatAutoSchema",
    "EXCEPTION_HANDLER": "livechat.error_responses.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        # A visitor is created once, at its first message: dozens a minute from one
        # address is a script, not a crowd (and every one is a database row).
        "widget_session": env.str("THROTTLE_WIDGET_SESSION", default="30/min"),
        "visitor": env.str("THROTTLE_VISITOR", default="600/min"),
        "agent": env.str("THROTTLE_AGENT", default="3000/min"),
        "auth_token": env.str("THROTTLE_AUTH_TOKEN", default="60/min"),
        "upload": env.str("THROTTLE_UPLOAD", default="60/min"),
    },
    # Any DRF throttle that does not key on livechat.client_address (ours all do) ignores
    # X-Forwarded-For instead of trusting whatever the client wrote there.
    "NUM_PROXIES": 0,
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append(
        "rest_framework.renderers.BrowsableAPIRenderer"
    )

SPECTACULAR_SETTINGS = {
    "TITLE": "Pro Livechat API",
    "DESCRIPTION": "REST side of the Pro Livechat wire contract (see docs/protocol.md).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # A PATCH body requires what its serializer requires (editing a message needs `body`);
    # drf-spectacular would otherwise make every PATCH field optional.
    "COMPONENT_SPLIT_PATCH": False,
    # Served from our own static files: no CDN, and the CSP stays 'self'.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- CORS: only the widget API, only for the configured embedding sites --------------------
CORS_URLS_REGEX = r"^/api/v1/widget/.*$"
CORS_ALLOW_ALL_ORIGINS = "*" in WIDGET_ALLOWED_ORIGINS
CORS_ALLOWED_ORIGINS = [o for o in WIDGET_ALLOWED_ORIGINS if o != "*"]
CORS_ALLOW_CREDENTIALS = False

# --- Real-time limits: the one place they are defined (read at use time) ---------------------
LIVECHAT = {
    # A visitor socket must authenticate within this many seconds (else closed with 4408).
    "AUTH_TIMEOUT": env.float("LIVECHAT_AUTH_TIMEOUT", default=10.0),
    # The server sends typing:stop this long after a typist's last typing:start.
    "TYPING_TIMEOUT": env.float("LIVECHAT_TYPING_TIMEOUT", default=5.0),
    # Repeated typing:start of one socket in one conversation is relayed at most this often.
    "TYPING_THROTTLE": 1.0,
    "MAX_FRAME_BYTES": 64 * 1024,
    "RATE_PER_SECOND": env.float("LIVECHAT_RATE_PER_SECOND", default=20.0),
    "RATE_BURST": env.float("LIVECHAT_RATE_BURST", default=40.0),
    # Dropped frames (leaking at RATE_PER_SECOND) past RATE_BURST times this close with 4429.
    "FLOOD_FACTOR": 3.0,
    "PRESENCE_TTL": env.int("LIVECHAT_PRESENCE_TTL", default=30),
    "HEARTBEAT_INTERVAL": env.float("LIVECHAT_HEARTBEAT_INTERVAL", default=10.0),
    # A `sync` ack carries at most this many messages, and any history answer (REST too) at
    # most this many bytes of JSON (PROTOCOL section 5); `has_more` tells the client to go on.
    "SYNC_MAX_MESSAGES": 200,
    "PAGE_MAX_BYTES": 512 * 1024,
    # Each this many bytes of an answer cost the socket one more frame of its rate limit.
    "REPLY_BYTES_PER_FRAME": 32 * 1024,
    # Sockets open at once with one visitor token, over all processes; a newer one closes
    # the oldest with 4409 (PROTOCOL section 5).
    "MAX_SOCKETS_PER_VISITOR": env.int("LIVECHAT_MAX_SOCKETS_PER_VISITOR", default=5),
    # Visitor sockets of one process still waiting for their `auth` frame; more are
    # accepted and closed at once with 4503 (try again).
    "MAX_UNAUTHENTICATED_SOCKETS": env.int("LIVECHAT_MAX_UNAUTHENTICATED_SOCKETS", default=200),
}

# --- Retention and maintenance (manage.py livechat_purge, livechat_cleanup) ---------------
# Closed conversations older than this many days are erased by `livechat_purge`; 0 is off.
RETENTION_DAYS = env.int("RETENTION_DAYS", default=0)
# `livechat_cleanup` revokes widget tokens unused for this many days.
VISITOR_TOKEN_IDLE_DAYS = env.int("VISITOR_TOKEN_IDLE_DAYS", default=180)

# --- AI assist (PROTOCOL section 8; docs/architecture.md, "AI assist") -----------------------
# "retrieval" ranks the knowledge base, "openai" asks an OpenAI-compatible endpoint grounded
# in the same ranking, "off" suggests and answers nothing.
AI_PROVIDERS = ("retrieval", "openai", "off")
AI_PROVIDER = env.str("AI_PROVIDER", default="retrieval")
if AI_PROVIDER not in AI_PROVIDERS:
    raise ImproperlyConfigured(f"AI_PROVIDER must be one of {', '.join(AI_PROVIDERS)}.")
AI_BASE_URL = env.str("AI_BASE_URL", default="").rstrip("/")
AI_API_KEY = env.str("AI_API_KEY", default="")
AI_MODEL = env.str("AI_MODEL", default="")
if AI_PROVIDER == "openai" and not (AI_BASE_URL and AI_MODEL):
    raise ImproperlyConfigured("AI_PROVIDER=openai needs AI_BASE_URL and AI_MODEL.")
# The sender name of the AI's messages, as visitors and agents see it.
AI_NAME = env.str("AI_NAME", default="AI assistant")
# The AI answers a visitor by itself only with a suggestion scoring at least this (0..1).
AI_REPLY_MIN_SCORE = env.float("AI_REPLY_MIN_SCORE", default=0.6)
# A provider slower than this (seconds) gives no suggestion for that message.
AI_TIMEOUT = env.float("AI_TIMEOUT", default=10.0)
# `ai_enabled` of new conversations; unset: on when the provider can answer at all.
AI_DEFAULT_ENABLED = env.bool("AI_DEFAULT_ENABLED", default=None)
# Suggestions computed at once per process; the rest wait their turn (assist/runner.py).
AI_CONCURRENCY = env.int("AI_CONCURRENCY", default=4)

# --- Email (follow-ups and transcripts to visitors; docs/deployment.md) -------------------------
# EMAIL_URL (smtp://user:password@host:587, smtp+tls://…, smtp+ssl://…) or the usual
# EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS / EMAIL_USE_SSL;
# neither: the console backend (the embedded default prints emails to the server's output).
if env.str("EMAIL_URL", default=""):
    globals().update(env.email_url("EMAIL_URL"))
elif env.str("EMAIL_HOST", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env.str("EMAIL_HOST")
    EMAIL_PORT = env.int("EMAIL_PORT", default=25)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
    EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# A slow or silent SMTP server holds one outbox row, never a request.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Pro Livechat <noreply@localhost>")
EMAIL_SITE_NAME = env.str("EMAIL_SITE_NAME", default="Pro Livechat")
# The chat server's public address, for the links in emails.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# Seconds an agent's reply may stay unread before the visitor gets it by email.
EMAIL_FOLLOWUP_AFTER = env.int("EMAIL_FOLLOWUP_AFTER", default=300)
# Seconds the "continue the conversation" link of an email keeps working.
EMAIL_LINK_MAX_AGE = env.int("EMAIL_LINK_MAX_AGE", default=7 * 86400)
EMAIL_MAX_ATTEMPTS = env.int("EMAIL_MAX_ATTEMPTS", default=8)
# Every daphne process runs the outbox worker (followup/worker.py) this often; 0 turns it
# off where `manage.py email_outbox` runs from cron instead.
EMAIL_OUTBOX_WORKER = env.bool("EMAIL_OUTBOX_WORKER", default=True)
EMAIL_OUTBOX_INTERVAL = env.float("EMAIL_OUTBOX_INTERVAL", default=15.0)

# --- Security ------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
DJANGO_HTTPS = env.bool("DJANGO_HTTPS", default=not DEBUG)
if DJANGO_HTTPS:
    # Deployed behind a TLS-terminating proxy that sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    # Load balancers and Prometheus talk to each process directly, over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# HSTS preload is a one-way commitment for the whole registrable domain; the operator opts
# in with SECURE_HSTS_PRELOAD=1, so the reminder is silenced (see docs/deployment.md).
SILENCED_SYSTEM_CHECKS = ["security.W021"]

# --- Observability -------------------------------------------------------------------------
# `/metrics` (livechat/metrics_endpoint.py) is off until one of these is set: a bearer token
# for the scraper, and/or the scrapers' addresses (IPs or CIDR ranges, matched against the
# TCP peer, never a forwarded header).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])
try:
    for _entry in METRICS_ALLOWED_IPS:
        ipaddress.ip_network(_entry.strip(), strict=False)
except ValueError as exc:
    raise ImproperlyConfigured(f"METRICS_ALLOWED_IPS: {exc}") from None

# `plain` for people, `json` (one object per line) for log collectors.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "livechat.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.channels.server": {"level": "WARNING"}},
}
