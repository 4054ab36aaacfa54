"""gunicorn's threaded worker, telling the application when each request arrived.

gunicorn's gthread worker accepts connections in its main loop and queues them for its
threads; a request may wait there long after its client stopped waiting. This worker stamps
each connection when it is queued (a new connection, or a kept-alive one that became
readable) and hands the time to the application as `X-Request-Start: t=<unix seconds>`, the
header proxies such as nginx set for the same purpose. `ebikeops.core.middleware` sheds a
request that waited longer than REQUEST_QUEUE_TIMEOUT_SECONDS before doing any work for it.

A header sent by a peer gunicorn trusts as a proxy (`forwarded_allow_ips`) is kept, so the
proxy's earlier arrival time counts; from anyone else it is replaced, never believed.
"""

import time

from gunicorn.workers.gthread import ThreadWorker

HEADER = "X-REQUEST-START"


class QueueTimedThreadWorker(ThreadWorker):
    def enqueue_req(self, conn):
        conn.queued_at = time.time()
        super().enqueue_req(conn)

    def handle_request(self, req, conn):
        sent = any(name == HEADER for name, _ in req.headers)
        # gunicorn's own check of forwarded_allow_ips (private: without it, trust no one).
        trusted = getattr(req, "_peer_is_trusted_proxy", lambda: False)
        if not (sent and trusted()):
            req.headers = [(name, value) for name, value in req.headers if name != HEADER]
            req.headers.append((HEADER, f"t={getattr(conn, 'queued_at', time.time()):.6f}"))
        return super().handle_request(req, conn)
