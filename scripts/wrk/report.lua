-- Shared by the wrk scripts here: one line of JSON for a run, or for one
-- kind of request in it. Latencies in milliseconds; wrk's own statistics
-- (`latency`) or a sorted list of microsecond values.

local M = {}

-- The rank (1-based) of percentile p among n values.
local function rank(n, p)
  return math.min(math.floor((n - 1) * p / 100 + 0.5) + 1, n)
end

local function percentile(sorted, p)
  if #sorted == 0 then return 0 end
  return sorted[rank(#sorted, p)]
end

local function emit(label, count, seconds, p50, p90, p99, max, errors, status_errors)
  io.write(string.format(
    '{"label":"%s","requests":%d,"seconds":%.2f,"rps":%.0f,"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,"errors":%d,"status_errors":%d}\n',
    label, count, seconds, count / seconds, p50 / 1000, p90 / 1000, p99 / 1000, max / 1000, errors, status_errors))
end

-- A whole wrk run, from done()'s summary and latency.
function M.run(label, summary, latency)
  local e = summary.errors
  emit(label, summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect + e.read + e.write + e.status + e.timeout, e.status)
end

-- One kind of request: `sorted` holds its latencies in microseconds.
function M.kind(label, seconds, sorted, failed)
  emit(label, #sorted, seconds, percentile(sorted, 50), percentile(sorted, 90), percentile(sorted, 99),
    sorted[#sorted] or 0, failed, failed)
end

-- One kind of request whose values are known by rank only: `count` of
-- them, `value_of_rank(k)` the k-th smallest in microseconds.
function M.kind_by_rank(label, seconds, count, value_of_rank, failed)
  local function at(p)
    if count <= 0 then return 0 end
    return value_of_rank(rank(count, p))
  end
  emit(label, math.max(count, 0), seconds, at(50), at(90), at(99), count > 0 and value_of_rank(count) or 0, failed, failed)
end

-- wrk.format uses the headers it is given instead of wrk's (the -H ones),
-- not beside them: this returns wrk's headers with `extra` added.
function M.headers(extra)
  local all = {}
  for name, value in pairs(wrk.headers) do all[name] = value end
  for name, value in pairs(extra) do all[name] = value end
  return all
end

return M
