"""The district profile PDF never fetches an address a request chose: Chromium is handed the report's own
HTML and this app's static files, every other request it tries fails, the cache key ignores the Host, and
the export cache is bounded (a library cache that evicts)."""
from __future__ import annotations

import io
import threading
import unicodedata
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import diskcache
import httpx
import pytest

import config

PRESTON, BURNLEY = "E07000123", "E07000117"
SECRET = "TOP-SECRET-INTRANET-PAGE-7f3a"
needs_chromium = pytest.mark.skipif(not Path(config.CHROMIUM_PATH).exists(),
                                    reason=f"{config.CHROMIUM_PATH} not present: PDFs need Chromium")


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    return unicodedata.normalize("NFKC", text)  # "ﬁ" ligatures back to letters


@pytest.fixture()
def secret_server():
    """Another local service (an intranet page): it records every request it gets."""
    hits: list[str] = []

    class Secret(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server hook name
            hits.append(self.path)
            body = f"<html><body><h1>{SECRET}</h1><p class='pdp-report-ready'>{SECRET}</p></body></html>".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Secret)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_port}", hits
    server.shutdown()


@pytest.fixture()
def live_server(dash_app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, dash_app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@needs_chromium
def test_hostile_host_header_cannot_make_the_pdf_fetch_another_service(live_server, secret_server):
    from web import routes

    secret_host, hits = secret_server
    routes.PDFS.clear()
    response = httpx.get(f"{live_server}/district/{BURNLEY}/report.pdf", headers={"Host": secret_host}, timeout=120)
    assert response.status_code == 200 and response.content.startswith(b"%PDF"), \
        f"the PDF is made whatever the Host says: {response.status_code} {response.content[:200]!r}"
    text = pdf_text(response.content)
    assert SECRET not in text, "the PDF does not contain the other service's page"
    assert "Burnley: district profile" in text, f"it is the district profile: {text[:200]!r}"
    assert hits == [], f"the other service was never contacted: {hits}"


@needs_chromium
def test_pdf_cache_key_ignores_the_host(live_server, secret_server, monkeypatch):
    from reuse import pdf
    from web import routes

    secret_host, _ = secret_server
    routes.PDFS.clear()
    prints = []
    print_html = pdf.print_html
    monkeypatch.setattr(pdf, "print_html", lambda *args, **kw: prints.append(1) or print_html(*args, **kw))
    first = httpx.get(f"{live_server}/district/{PRESTON}/report.pdf", headers={"Host": secret_host}, timeout=120)
    second = httpx.get(f"{live_server}/district/{PRESTON}/report.pdf", timeout=120)
    assert first.status_code == second.status_code == 200, "both requests get the PDF"
    assert prints == [1] and first.content == second.content, \
        "a different Host is the same report: one cache entry, served again"
    assert SECRET not in pdf_text(second.content) and "Preston" in pdf_text(second.content), \
        "the next user gets the district profile, never a page an attacker's Host named"


@needs_chromium
def test_renderer_fails_every_request_but_the_reports_own(secret_server, caplog):
    from reuse import pdf

    secret_host, hits = secret_server
    page = f"""<!DOCTYPE html><html><head><link rel="stylesheet" href="/assets/pdp.css">
<link rel="stylesheet" href="http://{secret_host}/style.css"></head>
<body><h1 id="done">Own content</h1><img src="http://{secret_host}/img.png" alt="">
<iframe src="http://{secret_host}/frame"></iframe><img src="/assets/../../config.py" alt="">
<img src="file:///etc/passwd" alt=""><script src="/assets/nope.js"></script></body></html>"""
    with caplog.at_level("WARNING", logger="reuse.pdf"):
        data = pdf.print_html(page, wait_for="#done", timeout=30)
    blocked = " ".join(r.getMessage() for r in caplog.records if "refused" in r.getMessage())
    assert data.startswith(b"%PDF") and "Own content" in pdf_text(data), "the given HTML is printed"
    assert hits == [], f"nothing reached the other service (the page's CSP stops it before the interceptor): {hits}"
    assert f"{pdf.ORIGIN}/assets/nope.js" in blocked, \
        f"a request the CSP allows is failed by the interceptor, and the log says so: {blocked!r}"
    assert "/assets/pdp.css" not in blocked, "this app's own static files are served"


@needs_chromium
def test_print_waits_for_an_element_and_times_out_plainly():
    from reuse.browser import ExportError
    from reuse import pdf

    page = ("<html><head><style>@page { size: A4; }</style></head><body><script>setTimeout(() => {"
            "const d = document.createElement('h1'); d.id = 'late'; d.textContent = 'Burnley district profile';"
            "document.body.appendChild(d); }, 300);</script></body></html>")
    data = pdf.print_html(page, timeout=20, wait_for="#late")
    assert data.startswith(b"%PDF") and "Burnley district profile" in pdf_text(data), \
        "waits for content added by script, then prints it"
    with pytest.raises(ExportError, match="never-there"):
        pdf.print_html(page, timeout=2, wait_for="#never-there")


def test_asset_lookup_serves_only_files_of_the_assets_folder():
    from reuse import pdf

    body, mime = pdf.asset(f"{pdf.ORIGIN}/assets/pdp.css")
    assert body == (config.ROOT / "assets" / "pdp.css").read_bytes() and mime.startswith("text/css"), \
        "a file of assets/ is served with its type"
    for url in (f"{pdf.ORIGIN}/assets/../config.py", f"{pdf.ORIGIN}/assets/%2e%2e/config.py",
                f"{pdf.ORIGIN}/config.py", "http://127.0.0.1/assets/pdp.css", f"{pdf.ORIGIN}/assets/nope.css",
                f"{pdf.ORIGIN}/assets/sub/../pdp.css"):
        assert pdf.asset(url) is None, f"{url} is not one of the app's static files"


def test_export_cache_is_bounded_in_size_and_count(tmp_path):
    from reuse.export_cache import ExportCache

    cache = ExportCache(tmp_path / "c", max_items=5, max_bytes=200_000)
    for i in range(20):
        cache.get_or_render(f"k{i}", lambda: b"x" * 30_000)
    stored = diskcache.Cache(str(tmp_path / "c"))
    assert len(stored) <= 5, f"at most 5 items: {len(stored)}"
    assert stored.volume() <= 200_000 + 64 * 1024, f"about 200 kB on disk at most: {stored.volume()}"
    calls = []
    cache.get_or_render("k19", lambda: calls.append(1) or b"new")
    assert not calls, "the newest item is still cached"
    cache.get_or_render("k0", lambda: calls.append(1) or b"again")
    assert calls == [1], "the oldest was evicted and is rendered again"
    again = ExportCache(tmp_path / "c", max_items=5, max_bytes=200_000)
    assert again.get_or_render("k19", lambda: b"other") == b"x" * 30_000, "the cache survives a restart (on disk)"
    big = ExportCache(tmp_path / "big", max_items=1000, max_bytes=1_000_000)
    for i in range(40):  # callers choose image sizes: 40 large images must not fill the disk
        big.get_or_render(f"img{i}", lambda: bytes(100_000))
    files = sum(f.stat().st_size for f in (tmp_path / "big").rglob("*.val"))
    assert files <= 1_000_000, f"the stored images stay within the byte limit: {files:,} bytes"
    kept = len(diskcache.Cache(str(tmp_path / "big")))
    assert kept < 40, f"older ones were evicted: {kept} kept"
