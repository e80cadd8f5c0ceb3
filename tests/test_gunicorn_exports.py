"""Under the Dockerfile's own gunicorn command, concurrent uncached PDF exports all succeed and the other
pages keep answering meanwhile: no export calls back into the server through a worker it occupies."""
from __future__ import annotations

import io
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import unicodedata
from pathlib import Path

import httpx
import pytest

import config

ROOT = Path(__file__).resolve().parents[1]
DISTRICTS = ["E07000117", "E07000123", "E06000009", "E07000118", "E07000119", "E07000120", "E07000121",
             "E07000122", "E07000124", "E07000125", "E07000126", "E07000127"]
ROUTER = ".._pages_content.children..._pages_store.data.."
pytestmark = [pytest.mark.browser, pytest.mark.skipif(not Path(config.CHROMIUM_PATH).exists(),
                                                         reason=f"{config.CHROMIUM_PATH} not present: PDFs need Chromium")]


def dockerfile_command(port: int) -> list[str]:
    """The Dockerfile's CMD with the bind address moved to 127.0.0.1:<port>."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", text, re.M).group(1))
    cmd[cmd.index("--bind") + 1] = f"127.0.0.1:{port}"
    return [sys.executable, "-m", *cmd] if cmd[0] == "gunicorn" else cmd


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def gunicorn(release_dir, tmp_path_factory):
    port = free_port()
    env = {**os.environ, "PDP_PROCESSED_DIR": str(release_dir), "PDP_HOME_AREA": "E37000019",
           "PDP_EXPORT_CACHE_DIR": str(tmp_path_factory.mktemp("exports")), "PDP_LOG_LEVEL": "WARNING"}
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(dockerfile_command(port), cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # wait until it answers (start-up, not a speed check)
            try:
                if httpx.get(f"{base}/assets/pdp.css", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
            if proc.poll() is not None:
                pytest.fail(f"gunicorn exited: {log.read_text()[-2000:]}")
        yield base, log
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    return unicodedata.normalize("NFKC", text)  # "ﬁ" ligatures back to letters


@pytest.mark.parametrize("count, districts", [(2, DISTRICTS[:2]), (10, DISTRICTS[2:])])
def test_concurrent_pdfs_all_succeed_while_pages_answer(gunicorn, count, districts):
    base, log = gunicorn
    pdfs: dict[str, httpx.Response | Exception] = {}
    first_done = threading.Event()  # set when the first PDF answer arrives

    def fetch(code):
        try:
            pdfs[code] = httpx.get(f"{base}/district/{code}/report.pdf", timeout=180)
        except Exception as e:  # noqa: BLE001 - reported by the assertions below
            pdfs[code] = e
        first_done.set()

    threads = [threading.Thread(target=fetch, args=(code,)) for code in districts]
    for t in threads:
        t.start()
    pages = []
    with httpx.Client(base_url=base, timeout=180) as client:
        for n in range(3):
            for name, request in [("home page", lambda: client.get("/")),
                                  ("uncached view", lambda n=n: client.post("/_dash-update-component", json={
                                      "output": ROUTER, "outputs": [{"id": "_pages_content", "property": "children"},
                                                                    {"id": "_pages_store", "property": "data"}],
                                      "inputs": [{"id": "_pages_location", "property": "pathname",
                                                  "value": "/claimant-count"},
                                                 {"id": "_pages_location", "property": "search",
                                                  "value": f"?area={districts[0]}&period=2020-0{n + 1}"}],
                                      "changedPropIds": ["_pages_location.pathname"], "state": []})),
                                  ("stylesheet", lambda: client.get("/assets/pdp.css"))]:
                response = request()
                pages.append((name, response.status_code, first_done.is_set()))
    for t in threads:
        t.join()
    failed = {code: (r if isinstance(r, Exception) else (r.status_code, r.text[:200])) for code, r in pdfs.items()
              if isinstance(r, Exception) or r.status_code != 200}
    assert not failed, f"every one of {count} concurrent PDFs is made: {failed}\n{log.read_text()[-3000:]}"
    for code, response in pdfs.items():
        assert response.content.startswith(b"%PDF") and "district profile" in pdf_text(response.content), \
            f"{code}: a real district profile PDF"
    assert all(status == 200 for _, status, _ in pages), f"the other pages answered: {pages}"
    assert not any(after for _, _, after in pages[:3]), \
        f"pages do not queue behind the PDFs: the first ones were answered before any PDF was done: {pages}"
    assert "Traceback" not in log.read_text() and "WORKER TIMEOUT" not in log.read_text(), \
        f"no worker was stuck or crashed: {log.read_text()[-3000:]}"


def test_gunicorn_answers_carry_the_headers_and_no_version(gunicorn):
    base, _ = gunicorn
    response = httpx.get(f"{base}/")
    server = response.headers.get("server", "")
    assert not re.search(r"\d", server), f"the Server header names no version: {server!r}"
    assert "frame-ancestors 'none'" in response.headers.get("content-security-policy", "") and \
        response.headers.get("x-content-type-options") == "nosniff", "the security headers come through gunicorn"
