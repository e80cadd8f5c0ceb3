"""Point the running test app at another release folder, and back, with every cache keyed on it cleared."""
from __future__ import annotations

import contextlib
import os


@contextlib.contextmanager
def serving(folder, dash_app):
    """The app serves the release in ``folder`` inside the block (yields it); the previous folder after."""
    import data_access
    from components import charts, topic_page

    caches = (data_access.clear_cache, charts._cached.cache_clear, topic_page._cached_view.cache_clear,
              dash_app.router_cache.clear)
    before = os.environ.get("PDP_PROCESSED_DIR")
    os.environ["PDP_PROCESSED_DIR"] = str(folder)
    for clear in caches:
        clear()
    try:
        yield data_access.load()
    finally:
        if before is None:
            os.environ.pop("PDP_PROCESSED_DIR", None)
        else:
            os.environ["PDP_PROCESSED_DIR"] = before
        for clear in caches:
            clear()
