"""Load: 50 concurrent users for 60 s on a realistic mix (pages, uncached views, downloads, PNG and PDF
exports) against the Dockerfile's own gunicorn command, driven by wrk (Debian: apt-get install wrk).

Run from the repo root:  python bench/bench_load.py [--processed DIR] [--users 50] [--seconds 60] [--think 1000-5000]

Uses ``--processed`` (or ``PDP_PROCESSED_DIR``) when it holds a release, else the synthetic test release.
Starts gunicorn on a free 127.0.0.1 port with a fresh export cache (so PNG/PDF exports start uncached).
Each wrk connection is a user who sends a request from the weighted mix, thinks (``--think``, default
1-5 s), and again
(bench/load_mix.lua); half the topic views ask for an older period, so they are not cached. Meanwhile
one more user times each kind of request in turn. Reports requests/s,
p50/p95/p99 and errors overall (wrk) and per kind (the timing user), and the RSS of the gunicorn workers
and of their headless Chromium before and after the load. Prints markdown and writes
bench/results/load.json. Nothing here is asserted.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import re
import socket
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from bench.machine import describe_machine  # noqa: E402
from bench.releases import processed_folder  # noqa: E402

TOPICS = ["claimant-count", "furlough", "neet", "attainment", "apprenticeships"]
WEIGHTS = {"page": 4, "view": 8, "district": 3, "static": 4, "csv": 2, "png": 1, "pdf": 1}


def router_body(path: str, search: str = "") -> str:
    """The router request body for a page, as compact JSON (a load generator posts it as it is)."""
    from web.view_pack import router_body as body  # not at import: the app reads its settings then

    return json.dumps(body(path, search), separators=(",", ":"))


class Mix:
    """Requests of each kind with random districts, periods, charts and image sizes (many uncached)."""

    def __init__(self, folder: Path, assets: list[str], seed: int = 8):
        os.environ["PDP_PROCESSED_DIR"] = str(folder)
        import data_access
        from vocab.catalogue import TOPICS as TOPIC_INFO

        rel = data_access.load()
        self.rng = random.Random(seed)
        self.districts = list(rel.home_districts()["area_code"])
        self.topics = {}
        for slug in TOPICS:
            indicators = rel.indicators(slug)
            if indicators:
                ind = TOPIC_INFO[slug][1] if TOPIC_INFO[slug][1] in indicators else indicators[0]
                self.topics[slug] = (ind, rel.periods(ind)[-24:])
        self.charts = [f"{i.replace('_', '-')}-{k}" for i, _ in self.topics.values() for k in ("trend", "ranking")]
        self.assets = assets

    def one(self, kind: str) -> tuple[str, str, str | None]:
        """(method, path, body) of one request of ``kind``."""
        r, d = self.rng, self.rng.choice(self.districts)
        if kind == "page":
            return "GET", r.choice(["/", f"/claimant-count?area={d}", f"/district/{d}"]), None
        if kind == "view":  # half the latest view of a district (cached once seen), half an older period
            slug, (ind, periods) = r.choice(list(self.topics.items()))
            period = f"&period={r.choice(periods)}" if r.random() < 0.5 else ""
            return "POST", "/_dash-update-component", router_body(f"/{slug}", f"?area={d}&indicator={ind}{period}")
        if kind == "district":
            return "POST", "/_dash-update-component", router_body(f"/district/{d}")
        if kind == "static":
            return "GET", r.choice(self.assets), None
        if kind == "csv":
            return "GET", f"/download/{r.choice(self.charts)}.csv?area={d}", None
        if kind == "png":
            return "GET", f"/download/{r.choice(self.charts)}.png?area={d}&width={r.choice([600, 800, 1000])}", None
        return "GET", f"/district/{d}/report.pdf", None

    def plan_lines(self, n: int = 4000) -> list[str]:
        kinds = [k for k, w in WEIGHTS.items() for _ in range(w)]
        lines = []
        for _ in range(n):
            method, path, body = self.one(self.rng.choice(kinds))
            lines.append(f"{method} {path}" + (f" {body}" if body else ""))
        return lines


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dockerfile_command(port: int) -> list[str]:
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", (ROOT / "Dockerfile").read_text(encoding="utf-8"), re.M).group(1))
    cmd[cmd.index("--bind") + 1] = f"127.0.0.1:{port}"
    return [sys.executable, "-m", *cmd]


def start_gunicorn(env: dict, log=None, root: Path = ROOT, port: int | None = None,
                   quiet: bool = False) -> tuple[subprocess.Popen, str]:
    """The Dockerfile's gunicorn command (gunicorn.conf.py, 2 workers) for the checkout ``root`` on a free
    127.0.0.1 port, once "/" answers 200: (process, base URL). Every benchmark serves the app this way, with
    the view packer off unless ``env`` turns it on (its background renders would share the 2 cores with
    what is measured; the views benchmark renders the pack before it starts the server)."""
    import httpx

    env = {"PDP_VIEW_PACK": "0", **env}

    port = port or free_port()
    cmd = dockerfile_command(port) + (["--log-level", "warning"] if quiet else [])
    server = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT if log else None)
    base = f"http://127.0.0.1:{port}"
    for _ in range(1500):
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode} before answering")
        try:
            if httpx.get(base + "/", timeout=30).status_code == 200:
                return server, base
        except httpx.TransportError:
            time.sleep(0.2)
    stop_server(server)
    raise RuntimeError("gunicorn did not answer on / within 5 minutes")


def stop_server(server) -> None:
    """Stop a gunicorn started by a benchmark: SIGTERM, then kill if it has not gone in 30 s."""
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()


def memory_mb(pid: int, file: str = "status", field: str = "VmRSS:") -> float:
    """A /proc memory figure in MB: RSS by default; ``smaps_rollup``/``Pss:`` shares shared pages out."""
    try:
        for line in Path(f"/proc/{pid}/{file}").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def memory(master: int) -> dict:
    """RSS of each gunicorn worker; the Chromium processes under them: count and summed PSS (MB)."""
    workers = children(master)
    browser, todo = [], [c for w in workers for c in children(w)]
    while todo:
        pid = todo.pop()
        browser.append(pid)
        todo.extend(children(pid))
    return {"workers_mb": [round(memory_mb(w), 1) for w in workers], "chromium_processes": len(browser),
            "chromium_mb_sum": round(sum(memory_mb(p, "smaps_rollup", "Pss:") for p in browser), 1)}


def time_each_kind(base: str, mix: Mix, stop: threading.Event, timings: dict) -> None:
    """One more user: each kind of request in turn, timed, until ``stop``."""
    import httpx

    with httpx.Client(base_url=base, timeout=120, headers={"Accept-Encoding": "gzip"}) as client:
        for kind in itertools.cycle(WEIGHTS):
            if stop.is_set():
                return
            method, path, body = mix.one(kind)
            t0 = time.perf_counter()
            try:
                status = client.request(method, path, content=body,
                                        headers={"Content-Type": "application/json"} if body else None).status_code
            except httpx.HTTPError:
                status = 0
            timings.setdefault(kind, []).append((time.perf_counter() - t0, status))


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processed", help="processed-data folder with a release")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--think", default="1000-5000", help="a user's pause between requests, min-max ms")
    args = parser.parse_args()
    think_min, _, think_max = args.think.partition("-")
    folder = processed_folder(args.processed)
    work = Path(tempfile.mkdtemp(prefix="pdp-load-"))
    env = {**os.environ, "PDP_PROCESSED_DIR": str(folder), "PDP_EXPORT_CACHE_DIR": str(work / "exports"),
           "PDP_LOG_LEVEL": "WARNING"}
    import httpx

    with open(work / "gunicorn.log", "wb") as log:
        server, base = start_gunicorn(env, log)
    try:
        index = httpx.get(base + "/", timeout=30).text
        assets = sorted(set(re.findall(r'"(/(?:assets|_dash-component-suites)/[^"]+\.(?:js|css)(?:\?m=[0-9.]+)?)"',
                                       index)))
        mix = Mix(folder, assets)
        (work / "plan.txt").write_text("\n".join(mix.plan_lines()) + "\n", encoding="utf-8")
        before = memory(server.pid)
        timings: dict[str, list] = {}
        stop = threading.Event()
        timer = threading.Thread(target=time_each_kind, args=(base, Mix(folder, assets, seed=9), stop, timings))
        timer.start()
        wrk = subprocess.run(["wrk", "-t", "2", "-c", str(args.users), "-d", f"{args.seconds}s", "--timeout", "60s",
                              "-s", str(ROOT / "bench" / "load_mix.lua"), base],
                             env={**env, "PDP_BENCH_PLAN_FILE": str(work / "plan.txt"),
                                  "PDP_BENCH_THINK_MIN_MS": think_min, "PDP_BENCH_THINK_MAX_MS": think_max},
                             capture_output=True,
                             text=True, check=False)
        stop.set()
        timer.join()
        after = memory(server.pid)
    finally:
        stop_server(server)
    found = re.search(r"^PDP-RESULT (.*)$", wrk.stdout, re.M)
    if not found:
        raise SystemExit(f"wrk gave no result: {wrk.stdout[-2000:]} {wrk.stderr[-2000:]}")
    overall = json.loads(found.group(1))
    overall["rps"] = round(overall["requests"] / (overall["duration_us"] / 1e6), 1)
    kinds = {k: {"count": len(v), "errors": sum(1 for _, s in v if not 200 <= s < 400),
                 "p50_ms": round(statistics.median(t for t, _ in v) * 1000, 1),
                 "p95_ms": round(pct([t for t, _ in v], 0.95) * 1000, 1)} for k, v in timings.items()}
    log_text = (work / "gunicorn.log").read_text(encoding="utf-8", errors="replace")
    result = {"machine": describe_machine(), "users": args.users, "seconds": args.seconds, "think_ms": args.think,
              "release": str(folder),
              "weights": WEIGHTS, "overall": overall, "per_kind_single_user": kinds, "rss_before": before,
              "rss_after": after, "worker_timeouts": log_text.count("WORKER TIMEOUT"),
              "tracebacks": log_text.count("Traceback")}
    print(f"\nMachine: {describe_machine()}\n{args.users} users (wrk connections, think time {args.think} ms) for "
          f"{args.seconds} s; mix weights {WEIGHTS}\n")
    print("| overall | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | errors (socket / timeout / non-2xx) |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    o = overall
    print(f"| all requests | {o['requests']} | {o['rps']} | {o['p50_ms']} | {o['p95_ms']} | {o['p99_ms']} | "
          f"{o['max_ms']} | {o['socket_errors']} / {o['timeouts']} / {o['non_2xx_3xx']} |")
    print("\n| kind (timed by one more user during the load) | count | errors | p50 ms | p95 ms |")
    print("|---|---:|---:|---:|---:|")
    for kind, k in kinds.items():
        print(f"| {kind} | {k['count']} | {k['errors']} | {k['p50_ms']} | {k['p95_ms']} |")
    print(f"\nworker RSS before: {before['workers_mb']} MB; after: {after['workers_mb']} MB. Headless Chromium "
          f"(PSS, all processes) before: {before['chromium_mb_sum']} MB in {before['chromium_processes']} processes; "
          f"after: {after['chromium_mb_sum']} MB in {after['chromium_processes']}. Worker timeouts "
          f"{result['worker_timeouts']}, tracebacks in the log {result['tracebacks']}")
    out = ROOT / "bench" / "results" / "load.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(f"\nwritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
