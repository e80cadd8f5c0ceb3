-- wrk script for bench/bench_load.py: each connection is a user who picks a request from the plan
-- (one request per line: "GET <path>" or "POST <path> <json body>", repeated by weight), waits a
-- think time, and again. done() prints one JSON line with the figures the driver reads.
local plan_file = os.getenv("PDP_BENCH_PLAN_FILE")
local think_ms = { tonumber(os.getenv("PDP_BENCH_THINK_MIN_MS") or "500"), tonumber(os.getenv("PDP_BENCH_THINK_MAX_MS") or "2000") }
local requests = {}
local threads = {}
statuses = {}  -- a global: done() reads each thread's copy

function setup(thread)
  table.insert(threads, thread)
  thread:set("seed", os.time() * 100 + #threads)
end

function init(args)
  math.randomseed(seed)
  for line in io.lines(plan_file) do
    local method, path, body = line:match("^(%u+) (%S+) ?(.*)$")
    local headers = { ["Accept-Encoding"] = "gzip" }
    if method == "POST" then headers["Content-Type"] = "application/json" else body = nil end
    table.insert(requests, wrk.format(method, path, headers, body))
  end
end

function delay()
  return math.random(think_ms[1], think_ms[2])
end

function request()
  return requests[math.random(#requests)]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local by_status = {}
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses")
    for status, n in pairs(counts) do by_status[status] = (by_status[status] or 0) + n end
  end
  local parts = {}
  for status, n in pairs(by_status) do table.insert(parts, string.format('"%d": %d', status, n)) end
  local e = summary.errors
  io.write(string.format('PDP-RESULT {"requests": %d, "duration_us": %d, "p50_ms": %.1f, "p95_ms": %.1f, ' ..
    '"p99_ms": %.1f, "max_ms": %.1f, "socket_errors": %d, "timeouts": %d, "non_2xx_3xx": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, e.connect + e.read + e.write, e.timeout, e.status,
    table.concat(parts, ", ")))
end
