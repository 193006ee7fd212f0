-- wrk script of bench/runtime.sh and bench/auth.sh: a POST of $WRK_BODY when that is set (a GET
-- otherwise), with $WRK_TOKEN as a bearer token when that is set, and
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

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %.1f %d %d %d %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status, summary.requests))
end
