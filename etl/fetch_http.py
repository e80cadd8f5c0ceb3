"""HTTP for the fetch: one client with the retry policy, and pure checks that a body is the data the
publisher normally serves (not an HTML error page, not cut short, the expected header present).

With no network or a publisher down a request fails in seconds (small connect timeout, no retries on
refused connections or DNS failures); 429 and 5xx answers are retried with exponential back-off,
honouring Retry-After up to a cap.
"""
from __future__ import annotations

import csv
import email.utils
import io
import time
from datetime import datetime, timezone

import httpx

from etl.publishers import Settings

# First bytes that say "this is a web page, not data"
HTML_STARTS = (b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body")
RETRY_STATUSES = {429, 500, 502, 503, 504}


class Http:
    """An httpx client with the retry policy: back-off on 429/5xx, fail fast when unreachable."""

    def __init__(self, settings: Settings, sleep=time.sleep):
        self.settings = settings
        self.sleep = sleep
        self.client = httpx.Client(timeout=httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout),
                                   follow_redirects=True, headers={"User-Agent": settings.user_agent})

    def close(self) -> None:
        self.client.close()

    def _delay(self, attempt: int, response: httpx.Response | None) -> float:
        delay = self.settings.backoff_seconds * (2 ** (attempt - 1))
        if response is not None and (after := response.headers.get("Retry-After")):
            seconds = None
            if after.strip().isdigit():
                seconds = float(after.strip())
            else:
                when = email.utils.parsedate_to_datetime(after) if after else None
                if when is not None:
                    seconds = (when - datetime.now(timezone.utc)).total_seconds()
            if seconds is not None:
                delay = max(0.0, min(seconds, self.settings.max_retry_after))
        return delay

    def get(self, url: str, params: dict | None = None, headers: dict | None = None) -> httpx.Response:
        """GET with retries; returns a 2xx/304 response with its body read, else raises FetchError-ready text."""
        last = ""
        for attempt in range(1, max(1, self.settings.max_tries) + 1):
            response = None
            try:
                response = self.client.get(url, params=params, headers=headers)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol, httpx.ProxyError) as exc:
                # refused, DNS failure, no route: retrying will not help within a few seconds
                raise Unreachable(f"cannot connect ({type(exc).__name__}: {exc or 'no answer'})",
                                   connect=True) from None
            except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
                last = f"the response was cut short (truncated body: {exc})"
            except httpx.TimeoutException:
                last = f"no answer within {self.settings.read_timeout:g} s"
            else:
                if response.status_code in RETRY_STATUSES:
                    last = f"HTTP {response.status_code} {response.reason_phrase}"
                elif response.status_code >= 400:
                    raise Unreachable(f"HTTP {response.status_code} {response.reason_phrase} for {response.url}")
                else:
                    return response
            if attempt < self.settings.max_tries:
                self.sleep(self._delay(attempt, response))
        raise Unreachable(f"{last} (after {self.settings.max_tries} tries)")


class Unreachable(Exception):
    """The request failed; the fetcher adds the host and the manual route to the message."""

    def __init__(self, message: str, connect: bool = False):
        super().__init__(message)
        self.connect = connect  # the host could not be reached at all (refused, DNS, timeout)


def looks_like_html(body: bytes, content_type: str | None = None) -> bool:
    """An HTML/XML page (a portal's error or login page) where data was expected."""
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(HTML_STARTS) or "text/html" in (content_type or "").lower()


def check_length(body: bytes, headers: httpx.Headers) -> str | None:
    """A problem text when the body is shorter than the Content-Length the server announced."""
    length = headers.get("Content-Length")
    if length and length.isdigit() and not headers.get("Content-Encoding") and len(body) < int(length):
        return f"the response was cut short (truncated body: {len(body)} of {length} bytes)"
    return None


def csv_problem(text: str, expected: tuple[str, ...]) -> tuple[str | None, list[str], int]:
    """Check a CSV text: (problem or None, header, data rows). Catches a cut last line and a changed header."""
    if not text.strip():
        return "the response is empty", [], 0
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        return f"the CSV cannot be read ({exc}); the body may be truncated", [], 0
    header = [c.strip() for c in rows[0]]
    missing = [c for c in expected if c not in header]
    if missing:
        return (f"the CSV header has changed: expected columns {', '.join(expected)}; "
                f"missing {', '.join(missing)}; found {', '.join(header[:40])}"), header, 0
    data = [r for r in rows[1:] if any(c.strip() for c in r)]
    if data and len(data[-1]) < len(header):
        return (f"the last line is cut short (truncated body: {len(data[-1])} of {len(header)} cells on line "
                f"{len(rows)})"), header, len(data)
    return None, header, len(data)


def decode_text(body: bytes) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace")
