"""Gunicorn settings for serving the feeds in production.

    FEEDS_DATA=/srv/news/data gunicorn -c deploy/gunicorn.conf.py

run from the repository root (where wsgi.py is). Environment:

    FEEDS_DATA     the data folder (default data/)
    FEEDS_BIND     host:port to listen on (default 127.0.0.1:8000; keep it on loopback
                   behind nginx, see deploy/nginx-proxy.conf)
    FEEDS_WORKERS  worker processes (default 2)
    FEEDS_THREADS  threads per worker (default 4)
    FEEDS_DOCUMENT_CACHE_MB
                   rendered documents each worker keeps (default 8; see README)

Every worker loads the data itself and keeps it current with its own reload thread; the
same data gives the same bytes and ETags in every worker, so any of them may answer.
"""

import os

wsgi_app = "wsgi:app"
bind = [os.environ.get("FEEDS_BIND", "127.0.0.1:8000")]
workers = int(os.environ.get("FEEDS_WORKERS", "2"))
# Threads, not more processes: responses come from an in-memory cache, so a worker is
# mostly waiting on sockets, and the reload thread sits beside the request threads.
worker_class = "gthread"
threads = int(os.environ.get("FEEDS_THREADS", "4"))

timeout = 30  # a worker silent this long is killed and replaced
graceful_timeout = 30
# Longer than nginx's upstream keepalive_timeout (4 s in nginx-proxy.conf), so it is
# always nginx that closes an idle connection, never gunicorn under a request in flight.
keepalive = 5

accesslog = "-"  # stdout, for the supervisor (systemd, a container runtime) to collect
errorlog = "-"
loglevel = "info"

# Gunicorn 25.1+ opens a control socket at one fixed path per user by default, which two
# instances on one machine would fight over; signals (HUP, TTIN, TTOU, TERM) do the job.
control_socket_disable = True
