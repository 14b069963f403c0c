-- What both wrk scripts share. Run with as many threads as connections (wrk -t N -c N), so
-- each thread has one connection and is one member: the members file (args[1]) has one
-- line per member, "cookie<TAB>csrf token<TAB>class id", and thread n is member n.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function read_member(file, n)
  local rows = {}
  for line in io.lines(file) do
    local cookie, token, class_id = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)$")
    table.insert(rows, { cookie = cookie, token = token, class_id = class_id })
  end
  return rows[(n % #rows) + 1]
end

-- One JSON line for benchmarks/http_load.py: totals, wrong answers counted by the threads, and
-- latency percentiles in microseconds.
function done(summary, latency, requests)
  local wrong, cycles = 0, 0
  for _, thread in ipairs(threads) do
    wrong = wrong + (thread:get("wrong") or 0)
    cycles = cycles + (thread:get("cycles") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests": %d, "duration_us": %d, "errors": %d, "wrong": %d, "cycles": %d, '
      .. '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    wrong, cycles, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max))
end
