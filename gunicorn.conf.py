"""gunicorn settings read automatically from the working directory (``gunicorn app:server -w 2 ...``).

Threaded workers: a PDF or image export waits on headless Chromium for a second or two, and with one
request per worker (the sync class) every other page would queue behind it. With threads, a worker
keeps answering pages while some of its threads wait on the browser (which prints at most
PDP_EXPORT_TABS pages at a time per worker). Command-line flags still override these values.
"""
import os

worker_class = "gthread"
threads = int(os.environ.get("PDP_GUNICORN_THREADS", "8"))
