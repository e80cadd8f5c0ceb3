"""gunicorn settings read automatically from the working directory (``gunicorn app:server -w 2 ...``).

Threaded workers: a PDF or image export waits on headless Chromium for a second or two, and with one
request per worker (the sync class) every other page would queue behind it. With threads, a worker
keeps answering pages while some of its threads wait on the browser (which prints at most
PDP_EXPORT_TABS pages at a time per worker). Command-line flags still override these values.
"""
import os

worker_class = "gthread"
threads = int(os.environ.get("PDP_GUNICORN_THREADS", "8"))
# Idle keep-alive connections wait in the worker's poller (not in a thread): keep them longer than a
# reader's pause between clicks, so the next request does not meet a closed connection.
keepalive = int(os.environ.get("PDP_GUNICORN_KEEPALIVE", "10"))


def post_worker_init(worker):
    """Answer one page in-process before taking connections: Dash finishes its set-up on its first
    request and some modules are imported lazily then, which is not safe with several threads at once."""
    worker.wsgi.test_client().get("/")
