"""Scale-out: requests/s and p95 for 1, 2 and 4 app instances sharing one Redis, on the load benchmark's
mixed load (bench/bench_load.py's plan, bench/load_mix.lua under wrk), and the shared cache's hit rate.

Run from the repo root:  python bench/bench_scale_out.py [--processed DIR] [--users 50] [--seconds 30]
                                                          [--instances 1,2,4]

Each instance is the Dockerfile's gunicorn command on its own port; a fresh redis-server (Debian) is
started per row, so every row starts with a cold shared cache. The users are split evenly over the
instances with one wrk per instance (what a round-robin proxy would do, without a proxy's own cost):
requests/s is the sum, p95 the worst instance's. The hit rate is Redis's own keyspace hits / lookups.
Prints markdown and writes bench/results/scale_out.json. Nothing here is asserted.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from bench.bench_load import Mix, dockerfile_command, free_port  # noqa: E402
from bench.machine import describe_machine  # noqa: E402
from bench.releases import processed_folder  # noqa: E402


def wait_until_up(base: str) -> str:
    import httpx

    for _ in range(600):
        try:
            return httpx.get(base + "/", timeout=5).text
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit(f"{base} did not start")


def redis_hits(port: int) -> tuple[int, int]:
    out = subprocess.run(["redis-cli", "-p", str(port), "INFO", "stats"], capture_output=True, text=True).stdout
    stats = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
    return int(stats.get("keyspace_hits", 0)), int(stats.get("keyspace_misses", 0))


def one_row(n: int, folder: Path, args, work: Path) -> dict:
    redis_port = free_port()
    redis = subprocess.Popen(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", ""],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    servers, bases = [], []
    try:
        for i in range(n):
            port = free_port()
            env = {**os.environ, "PDP_PROCESSED_DIR": str(folder), "PDP_EXPORT_CACHE_DIR": str(work / f"exports{n}-{i}"),
                   "PDP_LOG_LEVEL": "WARNING", "PDP_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0"}
            with open(work / f"gunicorn{n}-{i}.log", "wb") as log:
                servers.append(subprocess.Popen(dockerfile_command(port), cwd=ROOT, env=env, stdout=log,
                                                stderr=subprocess.STDOUT))
            bases.append(f"http://127.0.0.1:{port}")
        index = ""
        for base in bases:
            index = wait_until_up(base)
        assets = sorted(set(re.findall(r'"(/(?:assets|_dash-component-suites)/[^"]+\.(?:js|css)(?:\?m=[0-9.]+)?)"',
                                       index)))
        plan = work / "plan.txt"
        plan.write_text("\n".join(Mix(folder, assets).plan_lines()) + "\n", encoding="utf-8")
        think_min, _, think_max = args.think.partition("-")
        env = {**os.environ, "PDP_BENCH_PLAN_FILE": str(plan), "PDP_BENCH_THINK_MIN_MS": think_min,
               "PDP_BENCH_THINK_MAX_MS": think_max}
        users = [args.users // n + (1 if i < args.users % n else 0) for i in range(n)]
        wrks = [subprocess.Popen(["wrk", "-t", "1", "-c", str(u), "-d", f"{args.seconds}s", "--timeout", "60s",
                                  "-s", str(ROOT / "bench" / "load_mix.lua"), base], env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for base, u in zip(bases, users)]
        results = []
        for proc in wrks:
            out, err = proc.communicate()
            found = re.search(r"^PDP-RESULT (.*)$", out, re.M)
            if not found:
                raise SystemExit(f"wrk gave no result: {out[-2000:]} {err[-2000:]}")
            results.append(json.loads(found.group(1)))
        hits, misses = redis_hits(redis_port)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=60)
        redis.terminate()
        redis.wait(timeout=30)
    requests = sum(r["requests"] for r in results)
    return {"instances": n, "users": args.users, "requests": requests,
            "rps": round(sum(r["requests"] / (r["duration_us"] / 1e6) for r in results), 1),
            "p95_ms": max(r["p95_ms"] for r in results), "p50_ms": max(r["p50_ms"] for r in results),
            "errors": sum(r["socket_errors"] + r["timeouts"] + r["non_2xx_3xx"] for r in results),
            "redis_hits": hits, "redis_misses": misses,
            "hit_rate": round(hits / (hits + misses), 3) if hits + misses else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processed", help="processed-data folder with a release")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--think", default="1000-5000", help="a user's pause between requests, min-max ms")
    parser.add_argument("--instances", default="1,2,4")
    args = parser.parse_args()
    for tool in ("redis-server", "redis-cli", "wrk"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is needed (Debian: apt-get install redis-server wrk)")
    folder = processed_folder(args.processed)
    work = Path(tempfile.mkdtemp(prefix="pdp-scale-"))
    rows = [one_row(int(n), folder, args, work) for n in args.instances.split(",")]
    print(f"\nMachine: {describe_machine()}\n{args.users} users (think {args.think} ms) for {args.seconds} s, "
          "one Redis shared by every instance\n")
    print("| app instances | requests | req/s | p50 ms (worst) | p95 ms (worst) | errors | Redis hit rate |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['instances']} | {r['requests']} | {r['rps']} | {r['p50_ms']} | {r['p95_ms']} | {r['errors']} | "
              f"{r['hit_rate']} ({r['redis_hits']}/{r['redis_hits'] + r['redis_misses']}) |")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "scale_out.json").write_text(json.dumps({"machine": describe_machine(), "rows": rows}, indent=2) + "\n",
                                        encoding="utf-8")


if __name__ == "__main__":
    main()
