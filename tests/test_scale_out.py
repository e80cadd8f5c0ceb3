"""Several app servers share releases in an S3-compatible store and a Redis cache, all real services
started here on 127.0.0.1: moto's standalone S3 server, Debian's redis-server and gunicorn processes.

They serve the release built into the bucket, follow a second build within the poll bound, answer without
a 5xx when Redis is killed, and a reader of the bucket never sees a manifest naming a half-uploaded release.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
ROUTER = ".._pages_content.children..._pages_store.data.."
POLL_SECONDS = 1
SWITCH_BOUND = 60  # the poll interval plus downloading a release; generous for two shared cores
UNREACHABLE_BOUND = 30  # a few poll intervals
REQUIRED = ("indicators.parquet", "areas.parquet", "release.json")

pytestmark = [
    pytest.mark.xdist_group("scale_out"),  # one worker, in order: the services are shared and later tests stop them
    pytest.mark.skipif(shutil.which("redis-server") is None,
                       reason="redis-server is not installed (apt-get install redis-server; scripts/test.sh does)"),
    pytest.mark.skipif(shutil.which("moto_server") is None, reason="moto[server] is not installed (requirements-dev)"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, what: str, proc: subprocess.Popen, log: Path, tries: int = 300):
    for _ in range(tries):  # start-up, not a speed check
        try:
            if check():
                return
        except (httpx.TransportError, OSError):
            pass
        if proc.poll() is not None:
            pytest.fail(f"{what} exited: {log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.2)
    pytest.fail(f"{what} did not start: {log.read_text(errors='replace')[-2000:]}")


def start(cmd: list[str], log: Path, env: dict | None = None) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    """moto S3 with a bucket, redis-server, and the environment every client and server uses."""
    tmp = tmp_path_factory.mktemp("scale")
    s3_port, redis_port = free_port(), free_port()
    moto = start([shutil.which("moto_server"), "-H", "127.0.0.1", "-p", str(s3_port)], tmp / "moto.log")
    redis = start(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                   "--appendonly", "no"], tmp / "redis.log")
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
           "AWS_DEFAULT_REGION": "us-east-1", "PDP_S3_ENDPOINT_URL": f"http://127.0.0.1:{s3_port}",
           "PDP_PROCESSED_DIR": "s3://pdp-releases/national", "PDP_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
           "PDP_RELEASE_POLL_SECONDS": str(POLL_SECONDS), "PDP_HOME_AREA": "E37000019", "PDP_LOG_LEVEL": "WARNING"}
    try:
        wait_for(lambda: httpx.get(f"http://127.0.0.1:{s3_port}/", timeout=2).status_code < 500, "moto", moto,
                 tmp / "moto.log")
        wait_for(lambda: socket.create_connection(("127.0.0.1", redis_port), timeout=1).close() is None,
                 "redis-server", redis, tmp / "redis.log")
        import boto3

        boto3.client("s3", endpoint_url=env["PDP_S3_ENDPOINT_URL"], region_name="us-east-1",
                     aws_access_key_id="test", aws_secret_access_key="test").create_bucket(Bucket="pdp-releases")
        yield {"env": env, "tmp": tmp, "redis": redis, "moto": moto, "raw": tmp / "raw"}
    finally:
        stop(redis)
        stop(moto)


def etl(services, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "etl", *args], cwd=ROOT, env=services["env"], capture_output=True,
                          text=True, timeout=600)


def manifest(services) -> dict:
    out = etl(services, "releases", "--out", services["env"]["PDP_PROCESSED_DIR"])
    assert out.returncode == 0, f"etl releases reads the bucket: {out.stderr[-2000:]}"
    current = [line.split()[1] for line in out.stdout.splitlines() if line.startswith("*")]
    return {"current": current[0] if current else None, "text": out.stdout}


@pytest.fixture(scope="module")
def first_release(services):
    out = etl(services, "demo", "--out", services["env"]["PDP_PROCESSED_DIR"], "--raw", str(services["raw"]))
    assert out.returncode == 0, f"a release is built into the bucket: {out.stderr[-2000:]}"
    return manifest(services)["current"]


@pytest.fixture(scope="module")
def apps(services, first_release):
    """Two gunicorn instances on their own ports and mirror folders (nothing shared but S3 and Redis)."""
    procs, bases = [], []
    try:
        for n in range(2):
            port = free_port()
            env = {**services["env"], "PDP_RELEASE_MIRROR_DIR": str(services["tmp"] / f"mirror{n}"),
                   "PDP_EXPORT_CACHE_DIR": str(services["tmp"] / f"exports{n}")}
            log = services["tmp"] / f"app{n}.log"
            proc = start([sys.executable, "-m", "gunicorn", "app:server", "--bind", f"127.0.0.1:{port}", "-w", "2"],
                         log, env)
            procs.append(proc)
            base = f"http://127.0.0.1:{port}"
            wait_for(lambda base=base: httpx.get(f"{base}/readyz", timeout=5).status_code == 200, f"app {n}", proc,
                     log)
            bases.append(base)
        yield bases
    finally:
        for proc in procs:
            stop(proc)


def router(base: str, path: str, search: str = "") -> httpx.Response:
    return httpx.post(f"{base}/_dash-update-component", timeout=60, json={
        "output": ROUTER, "outputs": [{"id": "_pages_content", "property": "children"},
                                      {"id": "_pages_store", "property": "data"}],
        "inputs": [{"id": "_pages_location", "property": "pathname", "value": path},
                   {"id": "_pages_location", "property": "search", "value": search}],
        "changedPropIds": ["_pages_location.pathname"], "state": []})


def test_both_instances_serve_the_bucket_release_and_share_the_cache(apps, first_release):
    for base in apps:
        ready = httpx.get(f"{base}/readyz", timeout=10).json()
        assert ready["ready"] and ready["release"] == first_release, f"{base} serves the bucket's release: {ready}"
        assert ready["store"] == "ok", f"{base} reads the store: {ready}"
        assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200, f"{base} is alive"
    first = router(apps[0], "/claimant-count")
    assert first.status_code == 200, f"the first instance renders the view: {first.text[:300]}"
    second = router(apps[1], "/claimant-count")
    assert second.status_code == 200 and second.headers.get("X-PDP-Cache") == "hit", (
        "the second instance answers from the shared cache what the first rendered")
    assert second.content == first.content, "the shared reply is the same page"


def test_rendered_images_are_shared_through_redis(services, apps, first_release):
    import redis

    client = redis.Redis.from_url(services["env"]["PDP_REDIS_URL"])
    before = set(client.keys("pdp:v1:*"))
    url = "/download/claimant-rate-trend.png?width=640&height=400"
    first = httpx.get(apps[0] + url, timeout=120)
    assert first.status_code == 200 and first.content[:4] == b"\x89PNG", f"the first instance renders the PNG: {first.text[:200]}"
    stored = [client.get(k) for k in set(client.keys("pdp:v1:*")) - before]
    assert first.content in stored, "the rendered image is stored in the shared cache for every host"
    second = httpx.get(apps[1] + url, timeout=120)
    assert second.status_code == 200 and second.content == first.content, \
        "the second instance serves the same image (from the shared cache, not its own empty export folder)"


def test_a_reader_never_sees_a_half_release_and_both_instances_switch(services, apps, first_release):
    import fsspec

    fs = fsspec.filesystem("s3", client_kwargs={"endpoint_url": services["env"]["PDP_S3_ENDPOINT_URL"]},
                           key="test", secret="test", skip_instance_cache=True)
    root = "pdp-releases/national"
    seen, problems, done = set(), [], threading.Event()

    def read_while_publishing():
        while not done.is_set():
            current = json.loads(fs.cat_file(f"{root}/manifest.json"))["current_release"]
            seen.add(current)
            fs.invalidate_cache()
            files = {p.rsplit("/", 1)[-1] for p in fs.ls(f"{root}/releases/{current}", detail=False)}
            missing = [name for name in REQUIRED if name not in files]
            if missing:
                problems.append((current, missing))

    reader = threading.Thread(target=read_while_publishing)
    reader.start()
    try:
        out = etl(services, "demo", "--out", services["env"]["PDP_PROCESSED_DIR"], "--raw", str(services["raw"]))
    finally:
        done.set()
        reader.join(timeout=60)
    assert out.returncode == 0, f"a second release is published: {out.stderr[-2000:]}"
    second = manifest(services)["current"]
    assert second != first_release, "the second build is a new current release"
    assert problems == [], f"the manifest never names a release whose files are not all there: {problems[:3]}"
    assert first_release in seen, "the reader ran while the publish was under way"

    deadline = time.monotonic() + SWITCH_BOUND
    serving = {}
    while time.monotonic() < deadline:
        serving = {base: httpx.get(f"{base}/readyz", timeout=10).json()["release"] for base in apps}
        if set(serving.values()) == {second}:
            break
        time.sleep(0.5)
    assert set(serving.values()) == {second}, (
        f"every instance serves the new release within {SWITCH_BOUND}s without a restart: {serving}")


def test_a_conflicting_publish_changes_nothing(services, first_release):
    """Two writers that started from the same manifest: the second to publish fails and says why."""
    import release_store
    from etl.release import read_manifest, write_json_atomic

    env_keys = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION", "PDP_S3_ENDPOINT_URL")
    saved = {k: os.environ.get(k) for k in env_keys}
    os.environ.update({k: services["env"][k] for k in env_keys})
    try:
        url = services["env"]["PDP_PROCESSED_DIR"]
        a, b = services["tmp"] / "checkout-a", services["tmp"] / "checkout-b"
        a.mkdir(), b.mkdir()
        tag_a, tag_b = release_store.checkout(url, a), release_store.checkout(url, b)
        for folder in (a, b):  # each writer's manifest differs (as two builds' would)
            write_json_atomic({**read_manifest(folder), "written_by": folder.name}, folder / "manifest.json")
        release_store.publish(url, a, tag_a)  # the first writer wins
        with pytest.raises(release_store.PublishConflict, match="another build"):
            release_store.publish(url, b, tag_b)
        fs, root = release_store._fs(url)
        assert json.loads(fs.cat_file(f"{root}/manifest.json"))["written_by"] == "checkout-a", (
            "the losing writer changed nothing")
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def test_killing_redis_mid_run_gives_no_5xx(services, apps):
    services["redis"].kill()
    services["redis"].wait(timeout=30)
    statuses = []
    for base in apps:
        for path, search in (("/claimant-count", ""), ("/", ""), ("/claimant-count", "?period=2020-01")):
            statuses.append(router(base, path, search).status_code)
        statuses.append(httpx.get(f"{base}/", timeout=30).status_code)
        statuses.append(httpx.get(f"{base}/readyz", timeout=30).status_code)
    assert all(s < 500 for s in statuses), f"pages answer from local compute without Redis: {statuses}"
    assert statuses.count(200) == len(statuses), f"every request succeeds without Redis: {statuses}"


def test_an_unreachable_store_keeps_the_last_release_serving_and_readyz_says_so(services, apps):
    before = {base: httpx.get(f"{base}/readyz", timeout=10).json()["release"] for base in apps}
    services["moto"].kill()
    services["moto"].wait(timeout=30)
    deadline = time.monotonic() + UNREACHABLE_BOUND
    ready = {}
    while time.monotonic() < deadline:
        ready = {base: httpx.get(f"{base}/readyz", timeout=30) for base in apps}
        if all(r.json()["store"] == "unreachable" for r in ready.values()):
            break
        time.sleep(0.5)
    for base, response in ready.items():
        body = response.json()
        assert response.status_code == 200 and body["ready"], f"{base} stays ready on its last release: {body}"
        assert body["store"] == "unreachable" and body["store_error"], f"{base}'s /readyz says the store is down: {body}"
        assert body["release"] == before[base], f"{base} keeps serving the release it had: {body}"
        page = router(base, "/claimant-count", "?period=2020-02")
        assert page.status_code == 200, f"{base} still renders views from the mirrored release: {page.text[:300]}"
