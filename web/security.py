"""Security headers on every response (flask-talisman) and a development server that names no version.

One Content-Security-Policy for the whole site: scripts only from this origin or inline scripts whose
SHA-256 we know (Dash's renderer and inline callbacks, the embed and report start-up code), so neither
``'unsafe-inline'`` nor ``'unsafe-eval'`` is allowed for scripts. Styles allow inline styles because
plotly.js and React set ``style`` attributes. Pages deny framing; ``/embed`` may be framed by this site
and the origins in ``config.FRAME_ANCESTORS`` / ``PDP_FRAME_ANCESTORS``. HSTS is sent only when the
site is configured as served over HTTPS (``PDP_HTTPS=1``), on requests that came over HTTPS.
"""
from __future__ import annotations

import base64
import hashlib
import logging
import re
import threading
from collections.abc import Callable, Iterable

from flask import Flask, current_app, request
from flask_talisman import Talisman
from werkzeug.serving import WSGIRequestHandler

import config

log = logging.getLogger(__name__)

EXTENSION = "pdp_security"
SITE_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data: blob:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "worker-src": "'self' blob:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
PERMISSIONS_POLICY = {"browsing-topics": "()", "camera": "()", "microphone": "()", "geolocation": "()",
                      "payment": "()", "usb": "()"}
_ORIGIN = re.compile(r"^(\*|'self'|'none'|https?:|https?://(\*\.)?[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?"
                     r"(:(\d{1,5}|\*))?)$")


def script_hash(source: str) -> str:
    """The CSP source for one inline script: ``'sha256-<base64>'`` of its exact text."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii") + "'"


def site_policy(script_hashes: Iterable[str]) -> dict[str, str]:
    """The site's CSP directives with the given inline-script hashes allowed."""
    return {**SITE_POLICY, "script-src": " ".join(["'self'", *dict.fromkeys(script_hashes)])}


def allowed_frame_ancestors() -> list[str]:
    """Origins allowed to frame ``/embed`` pages: config.FRAME_ANCESTORS plus env PDP_FRAME_ANCESTORS.

    The variable holds origins separated by spaces or commas (``https://www.lancashire.gov.uk``).
    Entries that are not valid CSP sources are left out with a warning rather than breaking the header.
    """
    raw = config.frame_ancestors()
    found: list[str] = []
    for entry in (e.strip().rstrip("/") for e in raw):
        if not entry or entry in found:
            continue
        if _ORIGIN.match(entry):
            found.append(entry)
        else:
            log.warning("PDP_FRAME_ANCESTORS / FRAME_ANCESTORS: ignoring %r (expected an origin such as "
                        "https://www.example.gov.uk)", entry)
    return found


def frame_ancestors(origins: Iterable[str]) -> str:
    """``'self'`` plus ``origins`` as a frame-ancestors value; ValueError names an invalid origin."""
    sources = ["'self'"]
    for origin in origins:
        origin = str(origin).strip().rstrip("/")
        if not _ORIGIN.match(origin):
            raise ValueError(f"frame ancestor {origin!r} is not an origin such as https://www.example.gov.uk")
        if origin not in sources:
            sources.append(origin)
    return "'none'" if "'none'" in sources else " ".join(sources)


def embed_policy(origins: Iterable[str] | None = None) -> str:
    """The CSP header of an embed: the site's policy, framable by this site and the allowed origins."""
    policy = dict(current_app.extensions[EXTENSION])
    policy["frame-ancestors"] = frame_ancestors(allowed_frame_ancestors() if origins is None else origins)
    return "; ".join(f"{name} {value}" for name, value in policy.items())


def install(server: Flask, script_hashes: Callable[[], Iterable[str]], framable: Iterable[str] = ()) -> Talisman:
    """Add the headers to every response of ``server``; views named in ``framable`` set their own CSP.

    ``script_hashes()`` is asked once the first request's earlier hooks have run (Dash registers some
    inline scripts on its first request). HTTPS redirects are left to the TLS proxy (a redirect here
    would loop behind a proxy that does not say X-Forwarded-Proto); HSTS is added on HTTPS requests
    when ``config.HTTPS``.
    """
    policy = site_policy([])
    server.extensions[EXTENSION] = policy
    talisman = Talisman(server, force_https=False, frame_options="DENY", content_security_policy=policy,
                        strict_transport_security=config.HTTPS, strict_transport_security_preload=False,
                        strict_transport_security_max_age=config.HSTS_MAX_AGE,
                        strict_transport_security_include_subdomains=True,
                        referrer_policy=config.REFERRER_POLICY, permissions_policy=PERMISSIONS_POLICY,
                        session_cookie_secure=config.HTTPS)
    framable = tuple(framable)
    for endpoint in framable:
        talisman(frame_options=None, content_security_policy=None)(server.view_functions[endpoint])
    completed = threading.Event()

    @server.after_request
    def _framable_policy(response):
        """A framable view's answers that set no policy of their own (errors, "no release yet") get the
        embed policy, so no response leaves without one."""
        if request.endpoint in framable and "Content-Security-Policy" not in response.headers:
            response.headers["Content-Security-Policy"] = embed_policy()
        return response

    @server.before_request
    def _complete_policy():
        if not completed.is_set():
            full = site_policy(script_hashes())
            talisman.content_security_policy.update(full)
            server.extensions[EXTENSION].update(full)
            completed.set()

    return talisman


class QuietRequestHandler(WSGIRequestHandler):
    """The development server's request handler without the Werkzeug and Python versions in ``Server``."""

    def version_string(self) -> str:
        return "pdp"
