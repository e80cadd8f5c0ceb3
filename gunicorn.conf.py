"""gunicorn settings read automatically from the working directory (``gunicorn app:server -w 2 ...``).

Threaded workers: a PDF or image export waits on headless Chromium for a second or two, and with one
request per worker (the sync class) every other page would queue behind it. With threads, a worker
keeps answering pages while some of its threads wait on the browser (which prints at most
PDP_EXPORT_TABS pages at a time per worker). Command-line flags still override these values.
"""
import gc
import os

worker_class = "gthread"
# Import the app and load the current release once, in the master, before the workers are forked: its
# arrays are then shared by every worker (copy-on-write) instead of read into each worker's memory.
preload_app = True
threads = int(os.environ.get("PDP_GUNICORN_THREADS", "8"))
# Idle keep-alive connections wait in the worker's poller (not in a thread): keep them longer than a
# reader's pause between clicks, so the next request does not meet a closed connection.
keepalive = int(os.environ.get("PDP_GUNICORN_KEEPALIVE", "10"))


def post_worker_init(worker):
    """Answer one page in-process before taking connections: Dash finishes its set-up on its first
    request and some modules are imported lazily then, which is not safe with several threads at once."""
    worker.wsgi.test_client().get("/", headers={"X-PDP-Warm-Up": "1"})  # no chart drawing for it (first_view)


def when_ready(server):
    """In the master, once the app is imported: load the current release (if there is one) and freeze what
    is loaded, so the garbage collector never writes to those objects and the workers keep sharing them."""
    import data_access

    if data_access.has_release():
        data_access.load()
    gc.collect()
    gc.freeze()
