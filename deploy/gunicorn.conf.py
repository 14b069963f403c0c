"""gunicorn's configuration for gymbooking: `gunicorn -c deploy/gunicorn.conf.py`.

Every value can be changed from the environment (deploy/gymbooking.env.example lists them);
the defaults suit a small machine behind a reverse proxy on the same host.

Threads: each worker runs GUNICORN_THREADS requests at once, each holding one database
connection while it runs, so with the pool on keep DATABASE_POOL_MAX_SIZE >= GUNICORN_THREADS.
A deploy restarts gunicorn with SIGTERM (systemd's stop): workers finish the requests in hand
within GUNICORN_GRACEFUL_TIMEOUT, then exit.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


wsgi_app = "gymbooking.wsgi:application"

# Where to listen: host:port, or unix:/run/gymbooking/gunicorn.sock behind a local proxy.
bind = [os.environ.get("GUNICORN_BIND") or "127.0.0.1:8000"]
workers = _int("GUNICORN_WORKERS", min(multiprocessing.cpu_count() * 2 + 1, 8))
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 4)

# A request running longer than this is killed with its worker (and logged).
timeout = _int("GUNICORN_TIMEOUT", 30)
# On SIGTERM or a restart, requests in hand get this long to finish.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Seconds an idle keep-alive connection from the proxy stays open.
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Workers are replaced after this many requests (jittered), which bounds any slow leak.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 10

# Only the proxy on these addresses may say the request came over HTTPS (X-Forwarded-Proto).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS") or "127.0.0.1,::1"

# Both logs on stderr/stdout, for journald. One access line per request, with the time taken
# (ms) and the proxy's X-Request-ID, so a line can be matched with the application's logs.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or "-"
errorlog = "-"
loglevel = (os.environ.get("GUNICORN_LOG_LEVEL") or "info").lower()
access_log_format = (
    '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s" request_id=%({x-request-id}i)s'
)

# gunicorn's control socket (gunicornc) is off unless a path is given for it.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET") or "gunicorn.ctl"
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")

proc_name = "gymbooking"


def child_exit(server, worker):
    """With PROMETHEUS_MULTIPROC_DIR, forget an exited worker's live gauges in /metrics."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
