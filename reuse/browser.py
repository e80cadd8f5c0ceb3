"""The headless Chromium that renders images and PDFs: one warm browser per process, started on first use.

A gunicorn worker forked after import starts its own; calls from any thread are scheduled onto the
browser's private event loop and waited for with a timeout; a browser that has died is restarted once.
"""
from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import logging
import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Imported with the app, never first inside a request: importing kaleido imports PIL.Image, and plotly's
# JSON encoder, serialising a page in another thread meanwhile, would find that module half-initialised.
import kaleido

import config

log = logging.getLogger(__name__)

RENDER_TIMEOUT = config.EXPORT_RENDER_TIMEOUT
BROWSER_START_TIMEOUT = 60.0
BROWSER_TABS = config.EXPORT_BROWSER_TABS


class ExportError(RuntimeError):
    """An image or PDF could not be produced (browser missing, crashed or too slow)."""


class ChromiumNotFoundError(ExportError):
    """No Chromium executable where config.CHROMIUM_PATH (env PDP_CHROMIUM) points, nor on PATH."""


def chromium_path() -> str:
    """The Chromium executable: config.CHROMIUM_PATH (env PDP_CHROMIUM), else chromium on PATH."""
    configured = getattr(config, "CHROMIUM_PATH", "/usr/bin/chromium")
    if configured and Path(configured).is_file() and os.access(configured, os.X_OK):
        return str(configured)
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if found := shutil.which(name):
            return found
    raise ChromiumNotFoundError(
        f"no Chromium found at {configured!r} nor on PATH: install it (Debian: apt-get install chromium) "
        "or set PDP_CHROMIUM to its path; images and PDFs need a headless Chromium")


class _WarmBrowser:
    """One headless Chromium (a kaleido ``Kaleido`` browser) per process, driven from its own event loop.

    Started on first use (or by ``warm_up``), so a gunicorn worker forked after import starts its own.
    Calls from any thread are scheduled onto the private loop and waited for with a timeout; a browser
    that has died is restarted once on the next call.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido = None
        self.starts = 0

    def is_running(self) -> bool:
        return (self._kaleido is not None and self._pid == os.getpid() and self._thread is not None
                and self._thread.is_alive())

    def start(self) -> None:
        with self._lock:
            if self.is_running():
                return
            self._forget()
            path = chromium_path()
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="pdp-chromium", daemon=True)
            thread.start()

            async def _open():
                k = kaleido.Kaleido(n=BROWSER_TABS, timeout=RENDER_TIMEOUT, mathjax=False, path=path)
                await k.open()
                return k

            future = asyncio.run_coroutine_threadsafe(_open(), loop)
            try:
                self._kaleido = future.result(BROWSER_START_TIMEOUT)
            except Exception as e:
                future.cancel()
                loop.call_soon_threadsafe(loop.stop)
                raise ExportError(f"headless Chromium ({path}) did not start: {e}") from e
            self._loop, self._thread, self._pid = loop, thread, os.getpid()
            self.starts += 1

    def run(self, make_coro: Callable[[Any], Any], timeout: float, what: str) -> Any:
        """Run ``make_coro(kaleido)`` on the browser's loop; restart a dead browser once."""
        for attempt in (1, 2):
            self.start()
            future = asyncio.run_coroutine_threadsafe(make_coro(self._kaleido), self._loop)
            try:
                return future.result(timeout)
            except concurrent.futures.TimeoutError:
                future.cancel()
                raise ExportError(f"{what} took longer than {timeout:g} s") from None
            except ExportError:
                raise
            except Exception as e:
                if attempt == 1 and _looks_like_dead_browser(e):
                    log.warning("headless Chromium stopped (%s); restarting it", e)
                    self.close()
                    continue
                raise ExportError(f"{what} failed: {type(e).__name__}: {e}") from e
        raise ExportError(f"{what} failed: the browser stopped twice")  # pragma: no cover

    def close(self) -> None:
        with self._lock:
            if self._kaleido is not None and self._loop is not None and self._pid == os.getpid():
                try:
                    asyncio.run_coroutine_threadsafe(self._kaleido.close(), self._loop).result(15)
                except Exception as e:  # closing a crashed browser may fail; the process is gone anyway
                    log.debug("closing headless Chromium: %s", e)
                self._loop.call_soon_threadsafe(self._loop.stop)
            self._forget()

    def _forget(self) -> None:
        self._kaleido = self._loop = self._thread = self._pid = None


def _looks_like_dead_browser(e: BaseException) -> bool:
    try:
        from choreographer.errors import (
            BrowserClosedError,
            BrowserFailedError,
            ChannelClosedError,
        )
    except ImportError:  # pragma: no cover
        return False
    return isinstance(e, (BrowserClosedError, BrowserFailedError, ChannelClosedError, BrokenPipeError))


_BROWSER = _WarmBrowser()
atexit.register(_BROWSER.close)


def warm_up(background: bool = True) -> None:
    """Start the headless Chromium now (in a thread by default) so the first export is not slow."""
    def _start():
        try:
            _BROWSER.start()
        except ExportError as e:
            log.warning("image export unavailable: %s", e)

    if background:
        threading.Thread(target=_start, name="pdp-chromium-warm-up", daemon=True).start()
    else:
        _BROWSER.start()


def in_browser(make_coro: Callable[[Any], Any], timeout: float, what: str) -> Any:
    """Run ``make_coro(browser)`` (a choreographer/kaleido browser) on the warm browser's event loop.

    Starts the browser if needed and restarts a dead one once; ExportError names ``what`` on failure.
    """
    return _BROWSER.run(make_coro, timeout, what)
