"""gunicorn settings for every way the app is served (scripts/serve.sh, the container,
`make loadtest`). Sizes come from the environment; docs/scaling.md explains them.

Why these values:
- Threaded workers (gthread): a long streamed export keeps the worker's heartbeat going, so it
  is not cut by `timeout` as a sync worker's would be.
- A small accept backlog and few connections per worker bound the queue: a request that cannot
  start soon is refused or shed (503 + Retry-After) instead of waiting behind work nobody wants.
- Each thread keeps one database connection (CONN_MAX_AGE), so a host opens at most
  workers x threads connections; size PgBouncer or max_connections to that.
"""

import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    try:
        return default if raw is None else int(raw)
    except ValueError as exc:
        raise SystemExit(f"{name}={raw!r} is not a whole number.") from exc


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = _int("WEB_CONCURRENCY", 2)
threads = _int("GUNICORN_THREADS", 4)
worker_class = "config.gunicorn_worker.QueueTimedThreadWorker"
# Connections a worker holds at once (in service, queued, or kept alive). gunicorn's default
# of 1,000 lets a burst queue for minutes; beyond this the kernel backlog holds them.
worker_connections = _int("GUNICORN_WORKER_CONNECTIONS", 64)
backlog = _int("GUNICORN_BACKLOG", 128)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 20)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Peers whose X-Request-Start (and X-Forwarded-*) are believed: the proxy in front.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
