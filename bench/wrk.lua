-- wrk script of bench/runtime.sh, bench/auth.sh, bench/versus.sh and bench/idempotency.sh: a
-- POST of $WRK_BODY when that is set (a GET otherwise), with $WRK_TOKEN as a bearer token when
-- that is set, and
-- one machine-readable line at the end:
--   RESULT <requests/s> <p50 us> <p99 us> <socket errors> <non-2xx/3xx answers> <requests>
local token = os.getenv("WRK_TOKEN")
if token and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end
local body = os.getenv("WRK_BODY")
if body and body ~= "" then
  wrk.method = "POST"
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end

-- With $WRK_KEYED set, every request carries an `Idempotency-Key` of its own: a counter after a
-- prefix unique to this run of wrk, so that no key of an earlier run is sent again.
if os.getenv("WRK_KEYED") == "1" then
  local file = io.open("/proc/sys/kernel/random/uuid")
  local prefix = file:read("*l")
  file:close()
  local n = 0
  request = function()
    n = n + 1
    wrk.headers["Idempotency-Key"] = prefix .. "-" .. n
    return wrk.format()
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %.1f %d %d %d %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status, summary.requests))
end
