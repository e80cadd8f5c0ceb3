"""The web layer as an attacker or a careless client meets it: security headers on every response, no
Host header reflected, downloads that cannot carry a spreadsheet formula, compressed CSVs with one
content type, bounded compression caches that trust only real fingerprints, and a release cache that
keeps every kept release without thrashing."""
from __future__ import annotations

import gzip
import io
import re
import threading

import httpx
import pandas as pd
import pytest
from file_readers import read_csv_bytes

import config
from reuse import data_files

BURNLEY = "E07000117"
PAGES = ["/", "/claimant-count", f"/district/{BURNLEY}", f"/district/{BURNLEY}/report",
         f"/download/claimant-rate-trend.csv?area={BURNLEY}", "/no-such-page", "/assets/pdp.css",
         "/_dash-layout", "/download/no-such-chart.csv"]


@pytest.fixture()
def client(dash_app):
    return dash_app.server.test_client()


def csp_of(response) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy", "")
    return {part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2] for part in header.split(";") if part.strip()}


# --- headers ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", PAGES)
def test_every_response_carries_the_security_headers(client, url):
    response = client.get(url)
    assert response.status_code < 500, f"{url} answered {response.status_code}"
    assert response.headers.get("X-Content-Type-Options") == "nosniff", f"{url}: nosniff on every response"
    assert response.headers.get("Referrer-Policy") == config.REFERRER_POLICY, f"{url}: a referrer policy"
    csp = csp_of(response)
    assert csp.get("default-src") == "'self'" and csp.get("object-src") == "'none'", \
        f"{url}: a Content-Security-Policy that keeps everything on this site: {csp}"
    assert csp.get("frame-ancestors") == "'none'" and response.headers.get("X-Frame-Options") == "DENY", \
        f"{url}: pages other than the embed cannot be framed: {csp.get('frame-ancestors')}"
    assert "'unsafe-inline'" not in csp.get("script-src", "") and "'unsafe-eval'" not in csp.get("script-src", ""), \
        f"{url}: scripts only from this site or by hash: {csp.get('script-src')}"
    assert "Strict-Transport-Security" not in response.headers, f"{url}: no HSTS unless served over HTTPS"


def test_embed_keeps_its_configurable_frame_ancestors(client, monkeypatch):
    monkeypatch.setenv("PDP_FRAME_ANCESTORS", "https://www.lancashire.gov.uk")
    response = client.get(f"/embed/claimant-rate-trend?area={BURNLEY}")
    csp = csp_of(response)
    assert csp.get("frame-ancestors") == "'self' https://www.lancashire.gov.uk", \
        f"the embed may be framed by this site and the configured origins: {csp}"
    assert "X-Frame-Options" not in response.headers, "X-Frame-Options cannot list origins, so the embed has none"
    assert response.headers.get("X-Content-Type-Options") == "nosniff", "the embed has the other headers too"
    assert csp.get("script-src") == csp_of(client.get("/")).get("script-src"), \
        "the embed's scripts are held to the same policy as the pages"


def test_frame_ancestors_are_checked_origins():
    from web import security

    assert security.frame_ancestors(["https://www.lancashire.gov.uk", "https://*.example.org/"]) == \
        "'self' https://www.lancashire.gov.uk https://*.example.org", "same origin plus the configured list"
    assert security.frame_ancestors([]) == "'self'", "default: same origin only"
    with pytest.raises(ValueError, match="not an origin"):
        security.frame_ancestors(["https://ok.org; script-src *"])


def test_allowed_frame_ancestors_from_env(monkeypatch):
    from web import security

    monkeypatch.setattr(config, "FRAME_ANCESTORS", ["https://a.gov.uk"], raising=False)
    monkeypatch.setenv("PDP_FRAME_ANCESTORS", "https://b.org, https://c.org:8443  bad;value https://a.gov.uk")
    assert security.allowed_frame_ancestors() == ["https://a.gov.uk", "https://b.org", "https://c.org:8443"], \
        "config first, then env (space or comma separated), duplicates and invalid entries dropped"


def test_hsts_only_when_configured_for_https(dash_app, monkeypatch):
    from web import security

    client = dash_app.server.test_client()
    assert "Strict-Transport-Security" not in client.get("/", headers={"X-Forwarded-Proto": "https"}).headers, \
        "a client cannot switch HSTS on by claiming HTTPS when the site is not configured for it"
    monkeypatch.setattr(config, "HTTPS", True)
    monkeypatch.setattr(config, "HSTS_MAX_AGE", 86400)
    from flask import Flask

    site = Flask("https-site")
    site.add_url_rule("/", "index", lambda: "ok")
    security.install(site, script_hashes=lambda: [])
    https_client = site.test_client()
    hsts = https_client.get("/", headers={"X-Forwarded-Proto": "https"}).headers.get("Strict-Transport-Security")
    assert hsts == "max-age=86400; includeSubDomains", f"HSTS behind a TLS proxy when PDP_HTTPS=1: {hsts}"
    assert https_client.get("/", base_url="https://example.gov.uk").headers.get("Strict-Transport-Security"), \
        "and when the request itself came over HTTPS"


def test_dev_server_sends_no_version_banner(dash_app):
    from werkzeug.serving import make_server

    from web.security import QuietRequestHandler

    server = make_server("127.0.0.1", 0, dash_app.server, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        banner = httpx.get(f"http://127.0.0.1:{server.server_port}/assets/pdp.css", timeout=30).headers.get("server")
    finally:
        server.shutdown()
    assert banner and not re.search(r"\d", banner) and "Python" not in banner, \
        f"the Server header names no software version: {banner!r}"


# --- the Host header is never reflected ------------------------------------------------------------------------

def test_view_online_uses_the_configured_public_url_not_the_host(client, monkeypatch):
    monkeypatch.setattr(config, "PUBLIC_URL", "https://data.example.gov.uk")
    response = client.get(f"/download/claimant-rate-trend.csv?area={BURNLEY}", headers={"Host": "evil.example"})
    meta, _ = read_csv_bytes(response.data)
    assert meta["View online"].startswith("https://data.example.gov.uk/claimant-count?area=E07000117"), \
        f"the link back uses PDP_PUBLIC_URL: {meta['View online']}"
    assert b"evil.example" not in response.data, "the request's Host never appears in a cacheable download"
    monkeypatch.setattr(config, "PUBLIC_URL", "")
    response = client.get(f"/download/claimant-rate-trend.xlsx?area={BURNLEY}", headers={"Host": "evil.example"})
    from openpyxl import load_workbook

    cells = [str(c.value) for row in load_workbook(io.BytesIO(response.data))["data"].iter_rows() for c in row]
    assert not any("evil.example" in c for c in cells), "nor in the XLSX"
    assert any(c.startswith("View online: /claimant-count?") for c in cells), \
        f"without PDP_PUBLIC_URL the line gives the path on this site: {cells[:8]}"


# --- formula injection -------------------------------------------------------------------------------------------

HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-1+cmd|' /C calc'!A0", "@SUM(1)",
           "\tTAB", "\rCR"]


def hostile_frame() -> pd.DataFrame:
    return pd.DataFrame({"area_name": HOSTILE + ["Burnley", "-"], "value": [-3.5, -1.0, 0.0, 2.0, 3.0, 4.0, -7.25, None],
                         "count": [-1, 2, 3, 4, 5, 6, -7, 8]})


def test_csv_cells_cannot_start_a_formula():
    data = data_files.csv_bytes(hostile_frame(), {"title": "=cmd title"})
    _, df = read_csv_bytes(data)
    for raw, cell in zip(HOSTILE, df["area_name"]):
        assert cell == "'" + raw, f"a text cell starting with {raw[:1]!r} is prefixed with ': {cell!r}"
    assert df["area_name"].iloc[6] == "Burnley", "ordinary text is untouched"
    assert df["value"].iloc[0] == -3.5 and df["count"].iloc[6] == -7, "negative numbers stay numbers"
    text = data.decode("utf-8-sig")
    assert "\n-3.5" not in text and ",-3.5" in text, "numbers are written as numbers, unquoted"


def test_xlsx_text_cells_are_never_formulas():
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data_files.xlsx_bytes(hostile_frame(), {"title": "Title", "notes": ["=1+1"]})))
    formulas = [c.coordinate for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert not formulas, f"no cell of the workbook is a formula: {formulas}"
    ws = wb["data"]
    header = [c.value for c in ws["A"]].index("area_name") + 1
    names = [ws.cell(row=header + 1 + i, column=1).value for i in range(len(HOSTILE))]
    assert all(isinstance(v, str) and v.lstrip("'") == raw for v, raw in zip(names, HOSTILE)), \
        f"hostile names are kept as text: {names}"
    values = [ws.cell(row=header + 1 + i, column=2).value for i in range(3)]
    assert values == [-3.5, -1.0, 0.0] and ws.cell(row=header + 1, column=2).data_type == "n", \
        f"negative numbers stay numeric cells: {values}"


# --- CSV downloads: compressed, one content type ------------------------------------------------------------------

def test_csv_download_is_compressed_with_one_content_type(client):
    response = client.get(f"/download/claimant-rate-trend.csv?area={BURNLEY}", headers={"Accept-Encoding": "gzip"})
    assert response.headers.getlist("Content-Type") == ["text/csv; charset=utf-8"], \
        f"exactly one correct Content-Type: {response.headers.getlist('Content-Type')}"
    assert response.headers.get("Content-Encoding") == "gzip", "CSV downloads are compressed like pages"
    assert gzip.decompress(response.data).startswith("\ufeff# Title:".encode()), "and decompress to the CSV"


# --- the static compression cache -----------------------------------------------------------------------------------

def test_made_up_asset_fingerprints_are_neither_cached_nor_immutable(client):
    from web import router_cache

    router_cache.STATIC.clear()
    for m in range(300):
        response = client.get(f"/assets/pdp.css?m={m}", headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200, "the asset is still served"
        assert "immutable" not in response.headers.get("Cache-Control", ""), \
            f"?m={m} is not the file's fingerprint, so the answer is not immutable"
    assert len(router_cache.STATIC) == 0, f"made-up fingerprints add nothing to the cache: {len(router_cache.STATIC)}"
    index = client.get("/").get_data(as_text=True)
    real = re.search(r'/assets/pdp\.css\?m=[0-9.]+', index).group(0)
    for _ in range(3):
        response = client.get(real, headers={"Accept-Encoding": "gzip"})
        assert "immutable" in response.headers["Cache-Control"], f"the real fingerprint {real} is immutable"
    assert len(router_cache.STATIC) == 1, "one compressed copy per file and encoding"
    suite = re.search(r'/_dash-component-suites/dash/deps/react@[^"]+\.js', index).group(0)
    fake = re.sub(r"m\d+", "m1", suite)
    assert "immutable" in client.get(suite).headers["Cache-Control"], "a real component-suite fingerprint is immutable"
    assert "immutable" not in client.get(fake).headers.get("Cache-Control", ""), f"a made-up one is not: {fake}"


def test_embed_and_report_link_fingerprinted_assets(client):
    for url in (f"/embed/claimant-rate-trend?area={BURNLEY}", f"/district/{BURNLEY}/report"):
        links = re.findall(r'(?:href|src)="(/assets/[^"]+)"', client.get(url).get_data(as_text=True))
        assert len(links) == 3 and all("?m=" in link for link in links), f"{url} links fingerprinted files: {links}"
        for link in links:
            cache = client.get(link, headers={"Accept-Encoding": "gzip"}).headers.get("Cache-Control", "")
            assert "immutable" in cache, f"{link} is cached by browsers for good (and compressed once): {cache}"


def test_static_cache_is_bounded_in_size_and_count():
    from web.router_cache import BoundedCache

    cache = BoundedCache(max_entries=3, max_bytes=1000)
    for i in range(10):
        cache.put(i, b"x" * 300)
    assert len(cache) == 3 and cache.nbytes <= 1000, f"at most 3 entries and 1000 bytes: {len(cache)}, {cache.nbytes}"
    cache.put("big", b"x" * 900)
    assert cache.nbytes <= 1000 and cache.get("big") is not None, "a big entry pushes out the old ones"
    cache.put("huge", b"x" * 5000)
    assert cache.get("huge") is None and cache.nbytes <= 1000, "an entry larger than the whole cache is not kept"


# --- release cache -------------------------------------------------------------------------------------------------

def test_every_kept_release_stays_cached(tmp_path, monkeypatch):
    from release_factory import write_release

    import data_access

    ids = [f"2026-0{m}-01T000000Z" for m in range(1, 7)]
    for rid in ids:
        write_release(tmp_path, release_id=rid)
    monkeypatch.setenv("PDP_PROCESSED_DIR", str(tmp_path))
    monkeypatch.setattr(config, "KEEP_RELEASES", 6)
    loads = []

    class Counted(data_access.Release):
        def __init__(self, path):
            loads.append(path.name)
            super().__init__(path)

    monkeypatch.setattr(data_access, "Release", Counted)
    data_access.clear_cache()
    try:
        for _ in range(3):
            for rid in ids:
                assert data_access.load(rid).id == rid, "the asked release is served"
        assert sorted(loads) == ids, f"cycling the 6 kept releases reads each once: {len(loads)} reads"
        monkeypatch.setattr(config, "RELEASE_CACHE_MB", 0)
        data_access.clear_cache()
        loads.clear()
        for rid in ids:
            data_access.load(rid)
        assert len(loads) == 6 and data_access.release_cache_size()[0] == 1, \
            "with no memory to spare only the release in use stays (the cache is memory-bounded)"
    finally:
        data_access.clear_cache()


# --- router replies: compressed once, in the encoding the client takes ---------------------------------------------

@pytest.mark.parametrize("accept, encoding", [("gzip, deflate, br, zstd", "br"), ("gzip, deflate", "gzip"),
                                              ("br;q=0, gzip", "gzip"), ("", None)])
def test_router_replies_are_compressed_once_in_an_encoding_the_client_takes(dash_app, accept, encoding):
    import json

    import brotli

    from bench.bench_dashboard import router_body

    dash_app.router_cache.clear()
    client = dash_app.server.test_client()
    body = json.dumps(router_body("/claimant-count", f"?area={BURNLEY}"))
    replies = [client.post("/_dash-update-component", data=body, headers={
        "Content-Type": "application/json", "Accept-Encoding": accept}) for _ in range(2)]
    assert [r.status_code for r in replies] == [200, 200]
    assert [r.headers.get("X-PDP-Cache") for r in replies] == [None, "hit"], "computed once, then kept"
    decode = {"br": brotli.decompress, "gzip": gzip.decompress, None: lambda b: b}[encoding]
    texts = []
    for reply in replies:
        assert reply.headers.get("Content-Encoding") == encoding, f"{accept!r}: {reply.headers.get('Content-Encoding')}"
        assert "Accept-Encoding" in reply.headers.get("Vary", "")
        texts.append(json.loads(decode(reply.data)))
    assert texts[0] == texts[1] and "_pages_content" in texts[0]["response"], "the same router reply both times"
