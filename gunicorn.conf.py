"""gunicorn settings read automatically from the working directory (``gunicorn app:server -w 2 ...``).

Threaded workers: a PDF or image export waits on headless Chromium for a second or two, and with one
request per worker (the sync class) every other page would queue behind it. With threads, a worker
keeps answering pages while some of its threads wait on the browser (which prints at most
PDP_EXPORT_TABS pages at a time per worker). Command-line flags still override these values.
"""
import gc
import os
import signal
import subprocess
import sys

# Arrow buffers from the system allocator (not its own jemalloc/mimalloc pool), so what a request frees goes
# back to malloc, which the hooks below trim and return to the OS. Read when pyarrow is imported: set first.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
TRIM_EVERY = int(os.environ.get("PDP_MALLOC_TRIM_EVERY", "16"))  # requests between malloc_trim calls

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
    import memory_limits

    memory_limits.few_arenas()
    worker.wsgi.test_client().get("/", headers={"X-PDP-Warm-Up": "1"})  # no chart drawing for it (first_view)
    memory_limits.trim()
    gc.collect()
    gc.freeze()  # what the warm-up set up lives as long as the worker: the collector need not walk it again


def post_request(worker, req, environ, resp):
    """After each request, let go of the release pages it mapped (they stay in the page cache for the next);
    every TRIM_EVERY requests, hand memory freed by finished requests back to the OS."""
    import data_access

    data_access.unmap_pages()
    worker.pdp_requests = getattr(worker, "pdp_requests", 0) + 1
    if TRIM_EVERY and worker.pdp_requests % TRIM_EVERY == 0:
        import memory_limits

        memory_limits.trim()


def when_ready(server):
    """In the master, once the app is imported: load the current release (if there is one) and freeze what
    is loaded, so the garbage collector never writes to those objects and the workers keep sharing them."""
    import data_access

    import memory_limits

    if data_access.has_release():
        data_access.load()
    import web.view_pack

    web.view_pack.renderer_version()  # hashes the code once here, not in each worker on its first router miss
    gc.collect()
    memory_limits.trim()  # what loading freed must not be copied into every worker's memory
    gc.freeze()
    if os.environ.get("PDP_VIEW_PACK", "1") != "0":
        server.pdp_view_packer = subprocess.Popen(
            ["sh", "-c", VIEW_PACKER, "view-packer", str(os.getpid()), sys.executable,
             os.environ.get("PDP_VIEW_PACK_POLL_SECONDS", "300")],
            cwd=os.path.dirname(os.path.abspath(__file__)), start_new_session=True)


# Every few minutes while the master lives, a low-priority, short-lived process renders the current
# release's view pack if it is missing (a new release or a new day's notices): web/view_pack.py.
VIEW_PACKER = ('while kill -0 "$1" 2>/dev/null; do nice -n 10 "$2" -m web.view_pack >/dev/null || true; '
               'sleep "$3"; done')


def on_exit(server):
    """Stop the view packer with the master (it would also stop by itself within one poll)."""
    packer = getattr(server, "pdp_view_packer", None)
    if packer is not None and packer.poll() is None:
        os.killpg(packer.pid, signal.SIGTERM)
