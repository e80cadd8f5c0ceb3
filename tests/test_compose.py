"""compose.yaml (no Docker engine here, so read as data): the services an SRE expects, and app settings
that are exactly the ones the code reads, pointing at the services that exist."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import yaml

ROOT = Path(__file__).resolve().parents[1]


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def variables_the_code_reads() -> set[str]:
    names = set()
    for path in [*ROOT.glob("*.py"), *ROOT.glob("web/*.py"), *ROOT.glob("reuse/*.py"), *ROOT.glob("etl/*.py")]:
        names |= set(re.findall(r"""environ(?:\.get)?[\[(]\s*["']([A-Z0-9_]+)["']""", path.read_text(encoding="utf-8")))
    return names


def test_compose_has_two_apps_a_cache_a_store_and_a_proxy():
    services = compose()["services"]
    apps = [name for name, s in services.items() if s.get("build") == "." and "tools" not in s.get("profiles", [])]
    assert len(apps) >= 2, f"at least two app servers run from the Dockerfile's image: {apps}"
    images = {name: s.get("image", "") for name, s in services.items()}
    assert any(i.startswith("redis") for i in images.values()), f"a Redis service: {images}"
    assert any(i.startswith("minio/minio") for i in images.values()), f"an S3-compatible store: {images}"
    assert any(i.startswith("nginx") for i in images.values()), f"a reverse proxy: {images}"
    nginx = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    for app in apps:
        assert f"server {app}:8050" in nginx, f"the proxy balances over {app}"
        assert "command" not in services[app], f"{app} runs the image's own command unchanged"


def test_app_settings_are_ones_the_code_reads_and_point_at_services():
    services = compose()["services"]
    env = services["app1"]["environment"]
    read = variables_the_code_reads() | {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"}
    unknown = sorted(set(env) - read)
    assert unknown == [], f"every variable compose sets is read by the app (typos do nothing): {unknown}"
    assert env["PDP_PROCESSED_DIR"].startswith("s3://"), "the apps read releases from the object store"
    assert urlparse(env["PDP_REDIS_URL"]).hostname in services, "the Redis URL names the cache service"
    assert urlparse(env["PDP_S3_ENDPOINT_URL"]).hostname in services, "the S3 endpoint names the store service"
    assert services["app2"]["environment"] == env, "every app server is configured alike (stateless)"
    assert "readyz" in " ".join(services["app1"]["healthcheck"]["test"]), "health checks use /readyz"


def test_the_proxy_sends_exports_to_their_own_pool_and_pages_to_the_others():
    nginx = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    pattern = re.search(r"location ~ (\S+) \{\s*proxy_pass http://pdp_exports;", nginx)
    assert pattern, "an nginx location sends exports to the export pool"
    exports = re.compile(pattern.group(1))
    for path in ("/download/claimant-count.png", "/download/claimant-count.svg", "/district/E07000117/report.pdf"):
        assert exports.search(path), f"{path} is rendered by Chromium, so it goes to the export pool"
    for path in ("/download/claimant-count.csv", "/district/E07000117", "/claimant-count", "/readyz"):
        assert not exports.search(path), f"{path} is a page or data and stays on the page servers"
