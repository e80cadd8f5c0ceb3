"""HTML the app made, printed to PDF by the warm headless Chromium without touching the network.

Chromium is pointed at a fixed address on the reserved ``.invalid`` domain and every request it makes
is paused (DevTools ``Fetch``): the page itself is answered with the HTML we hand over, ``/assets/<file>``
with that file of this app's ``assets/`` folder, and every other request is failed. So no request can
make the server fetch an address a client chose, and no export calls back into the server's own workers
(whose threads it may be occupying). The page also carries a CSP that allows nothing from elsewhere.
Prints run at most ``config.EXPORT_BROWSER_TABS`` at a time per process; the rest wait their turn (up to
``config.EXPORT_QUEUE_TIMEOUT``), and each print then has its own time limit.
"""
from __future__ import annotations

import asyncio
import base64
import json
import logging
import mimetypes
import weakref
from urllib.parse import unquote, urlsplit

import config
from reuse.browser import ExportError, in_browser

log = logging.getLogger(__name__)

ORIGIN = "https://report.pdp.invalid"  # RFC 2606: can never resolve; only our interceptor answers it
PAGE_URL = f"{ORIGIN}/report"
ASSETS = config.ASSETS_DIR
PAGE_POLICY = (f"default-src 'none'; script-src {ORIGIN} 'unsafe-inline'; style-src {ORIGIN} 'unsafe-inline'; "
               "img-src data:; font-src data:; connect-src 'none'; frame-src 'none'; object-src 'none'; "
               "base-uri 'none'; form-action 'none'")
_SLOTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # browser event loop -> print semaphore

# Resolves true once the page has loaded, Dash has rendered (no loading placeholders or pending
# updates) and nothing changed for a moment; false if that does not happen before the deadline.
READY_JS = """
(async () => {
  const selector = %s;
  const deadline = Date.now() + %d;
  const busy = () => document.readyState !== 'complete'
      || !!document.querySelector('._dash-loading, ._dash-loading-callback, [data-dash-is-loading="true"]')
      || (selector && !document.querySelector(selector));
  let quietSince = null;
  while (Date.now() < deadline) {
    if (busy()) { quietSince = null; } else if (quietSince === null) { quietSince = Date.now(); }
    else if (Date.now() - quietSince >= 400) { await document.fonts.ready; return true; }
    await new Promise(r => setTimeout(r, 100));
  }
  return false;
})()
"""
PDF_OPTIONS = {"printBackground": True, "preferCSSPageSize": True, "displayHeaderFooter": False,
               "paperWidth": 8.27, "paperHeight": 11.69,  # A4 in inches, unless the page's @page says otherwise
               "marginTop": 0.4, "marginBottom": 0.4, "marginLeft": 0.4, "marginRight": 0.4}


def asset(url: str) -> tuple[bytes, str] | None:
    """(bytes, content type) of ``ORIGIN/assets/<file>`` when ``<file>`` is a file directly in assets/."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != ORIGIN or not parts.path.startswith("/assets/"):
        return None
    name = unquote(parts.path[len("/assets/"):])
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    file = ASSETS / name
    if not file.is_file() or file.resolve().parent != ASSETS.resolve():
        return None
    mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return file.read_bytes(), mime + ("; charset=utf-8" if mime.startswith("text/") else "")


def print_html(page: str, *, wait_for: str | None = None, timeout: float | None = None) -> bytes:
    """PDF bytes of ``page`` (A4 unless its CSS says), once ``wait_for`` matches (a CSS selector).

    Requests the page made that were refused are logged in one line. Raises ChromiumNotFoundError
    without Chromium and ExportError when the page fails or times out.
    """
    limit = float(timeout or config.EXPORT_RENDER_TIMEOUT)
    refused: list[str] = []
    data = in_browser(lambda browser: _print(browser, page, limit, wait_for, refused),
                              config.EXPORT_QUEUE_TIMEOUT + limit + 10, "printing a report to PDF")
    if refused:
        log.warning("PDF renderer: refused %d request(s) the page made: %s", len(refused),
                    ", ".join(url[:120] for url in refused[:5]))
    return data


def _slots() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    if loop not in _SLOTS:
        _SLOTS[loop] = asyncio.Semaphore(max(1, config.EXPORT_BROWSER_TABS))
    return _SLOTS[loop]


async def _print(browser, page: str, timeout: float, wait_for: str | None, blocked: list[str]) -> bytes:
    slots = _slots()
    try:  # waiting for a free tab is not part of the page's own time limit
        await asyncio.wait_for(slots.acquire(), config.EXPORT_QUEUE_TIMEOUT)
    except TimeoutError:
        raise ExportError(f"the renderer stayed busy for {config.EXPORT_QUEUE_TIMEOUT:g} s") from None
    try:
        tab = await browser.create_tab("")
        try:
            await _serve_only_our_content(tab, page, blocked)
            return await _load_and_print(tab, timeout, wait_for)
        finally:
            try:
                await browser.close_tab(tab.target_id)
            except Exception as e:  # noqa: BLE001 - the tab may already be gone with a crashed renderer
                log.debug("closing PDF tab: %s", e)
    finally:
        slots.release()


async def _serve_only_our_content(tab, page: str, blocked: list[str]) -> None:
    html_body = base64.b64encode(page.encode("utf-8")).decode("ascii")

    async def on_request(event):
        params = event.get("params") or {}
        request_id, url = params.get("requestId"), (params.get("request") or {}).get("url", "")
        if url == PAGE_URL:
            body, mime, headers = html_body, "text/html; charset=utf-8", [
                {"name": "Content-Security-Policy", "value": PAGE_POLICY}]
        elif (found := asset(url)) is not None:
            body, mime, headers = base64.b64encode(found[0]).decode("ascii"), found[1], []
        else:
            blocked.append(url)
            await tab.send_command("Fetch.failRequest", {"requestId": request_id, "errorReason": "BlockedByClient"})
            return
        await tab.send_command("Fetch.fulfillRequest", {
            "requestId": request_id, "responseCode": 200, "body": body,
            "responseHeaders": [{"name": "Content-Type", "value": mime}, *headers]})

    tab.subscribe("Fetch.requestPaused", on_request)
    await tab.send_command("Fetch.enable", {"patterns": [{"urlPattern": "*"}]})


async def _load_and_print(tab, timeout: float, wait_for: str | None) -> bytes:
    await tab.send_command("Page.enable")
    loaded = tab.subscribe_once("Page.loadEventFired")
    response = await tab.send_command("Page.navigate", {"url": PAGE_URL})
    error = (response.get("result") or {}).get("errorText") or (response.get("error") or {}).get("message")
    if error:
        raise ExportError(f"could not open the report: {error}")
    try:
        await asyncio.wait_for(loaded, timeout)
    except TimeoutError:
        raise ExportError(f"the report did not finish loading within {timeout:g} s") from None
    script = READY_JS % (json.dumps(wait_for), int(timeout * 1000))
    ready = await tab.send_command("Runtime.evaluate", {"expression": script, "awaitPromise": True,
                                                        "returnByValue": True})
    if not ((ready.get("result") or {}).get("result") or {}).get("value"):
        what = f"element {wait_for!r} to appear" if wait_for else "the page to finish rendering"
        raise ExportError(f"waited {timeout:g} s for {what} in the report")
    printed = await tab.send_command("Page.printToPDF", dict(PDF_OPTIONS))
    if "error" in printed:
        raise ExportError(f"Chromium could not print the report: {printed['error'].get('message')}")
    return base64.b64decode(printed["result"]["data"])
