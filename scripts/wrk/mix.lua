-- wrk script: decisions mixed with audited record reads, timed per kind.
--
--   wrk -t2 -c32 -d20s -H "Authorization: Bearer $TOKEN" \
--       -s scripts/wrk/mix.lua http://127.0.0.1:8080 -- requests.jsonl reads.txt 10
--
-- requests.jsonl: one decision request (JSON object) a line. reads.txt: one
-- "CLIENT_ID RECORD_ID" a line, records the token's staff member may open
-- (on their caseload or care team): each read is `GET
-- /v1/clients/{id}/records/{record}`, checked for need-to-know and audited
-- durably by the server before it answers. The third argument is how many
-- requests in 100 are reads (default 10), spread evenly: request n of a
-- thread is a read when (n * reads) mod 100 < reads.
--
-- A wrk thread runs several connections (-c over -t of them) and tells its
-- Lua state neither which connection asks for the next request nor which
-- one a response came on, so request() and response() do not pair up by
-- order. Each kind is timed without that:
-- - reads exactly: the answer names the record read, so each read's start
--   (clock_gettime through LuaJIT's FFI) is kept under its record id until
--   the answer naming that record comes back. A thread cycles through all
--   the reads, so the same record is in flight twice on one thread only if
--   it runs more connections than there are records (then the oldest start
--   is taken first);
-- - decisions from wrk's own latency histogram, which holds every request:
--   the decisions' count at or under x is wrk's count minus the reads'
--   (done() searches wrk's percentiles for it). The two clocks differ by
--   the few microseconds Lua spends in request() and response(), so a
--   decision percentile may be off by that much.
-- wrk's own latency over both kinds is reported beside them ("mix/all").
-- done() prints one JSON line per kind and one for all requests. A non-2xx
-- answer that is not a read's (an error names no record) is counted as a
-- failed decision, and wrk counts every status above 399 in mix/all.

local report = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "report.lua")

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } confidant_timespec;
int clock_gettime(int clock_id, confidant_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local now_ts = ffi.new("confidant_timespec")
local function now_us()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, now_ts)
  return tonumber(now_ts.tv_sec) * 1e6 + tonumber(now_ts.tv_nsec) / 1e3
end

local decisions = {}
local reads = {}
local read_ids = {}
local reads_per_100 = 10
local n = 0
local r = 0
local offset = 0
-- Record id -> start times (oldest first) of the reads in flight.
local in_flight = {}

-- Copied out by done(): read latencies in microseconds, and failures.
read_us = {}
decision_failed = 0
read_failed = 0

local threads = {}

function setup(thread)
  thread:set("offset", #threads * 7919)
  table.insert(threads, thread)
end

function init(args)
  local requests_file = args[1] or error("mix.lua: give the requests file after --")
  local reads_file = args[2] or error("mix.lua: give the reads file after the requests file")
  reads_per_100 = tonumber(args[3] or "10")
  for line in io.lines(requests_file) do
    if line:match("%S") then
      decisions[#decisions + 1] = wrk.format("POST", "/v1/decisions", report.headers({ ["Content-Type"] = "application/json" }), line)
    end
  end
  for line in io.lines(reads_file) do
    local client, record = line:match("^(%S+)%s+(%S+)")
    if client then
      reads[#reads + 1] = wrk.format("GET", "/v1/clients/" .. client .. "/records/" .. record)
      read_ids[#read_ids + 1] = record
    end
  end
  if #decisions == 0 or #reads == 0 then
    error("mix.lua: no decisions or no reads to send")
  end
  n = offset
  r = offset
end

local function is_read(k)
  return (k * reads_per_100) % 100 < reads_per_100
end

function request()
  n = n + 1
  if is_read(n) then
    r = r + 1
    local i = r % #reads + 1
    local id = read_ids[i]
    local starts = in_flight[id]
    if starts == nil then
      in_flight[id] = { now_us() }
    else
      starts[#starts + 1] = now_us()
    end
    return reads[i]
  end
  return decisions[n % #decisions + 1]
end

function response(status, _, body)
  -- A read's answer is {"versions":[{"id":"RECORD",...}]}; the first
  -- version's id is the record asked for (the bench's records have one).
  if status < 300 and body:sub(1, 12) == '{"versions":' then
    local id = body:match('"id":"([^"]*)"')
    local starts = id and in_flight[id]
    if starts then
      read_us[#read_us + 1] = now_us() - table.remove(starts, 1)
      if #starts == 0 then in_flight[id] = nil end
    else
      read_failed = read_failed + 1
    end
  elseif status >= 300 then
    decision_failed = decision_failed + 1
  end
end

-- How many of wrk's latencies are at most x microseconds: the largest rank
-- whose percentile is at most x (wrk's percentile(p) is the value of rank
-- round(p / 100 * count + 0.5)).
local function wrk_at_most(latency, count, x)
  if count == 0 or x < latency.min then return 0 end
  if x >= latency.max then return count end
  local lo, hi = 0, count
  while lo < hi do
    local mid = math.floor((lo + hi + 1) / 2)
    if latency:percentile((mid - 0.5) * 100 / count) <= x then lo = mid else hi = mid - 1 end
  end
  return lo
end

-- How many of the sorted values are at most x.
local function sorted_at_most(sorted, x)
  local lo, hi = 0, #sorted
  while lo < hi do
    local mid = math.floor((lo + hi + 1) / 2)
    if sorted[mid] <= x then lo = mid else hi = mid - 1 end
  end
  return lo
end

-- The decisions' latencies as wrk's minus the reads': the value of rank k
-- among decisions is the smallest x with at least k decisions at or under
-- it. Returns the sorted-list interface report.kind() takes: p50, p90,
-- p99 and max by rank, without holding every value.
local function decision_ranks(latency, count, reads_sorted)
  local total = count - #reads_sorted
  local function value_of_rank(k)
    local lo, hi = latency.min, latency.max
    while lo < hi do
      local mid = math.floor((lo + hi) / 2)
      if wrk_at_most(latency, count, mid) - sorted_at_most(reads_sorted, mid) >= k then hi = mid else lo = mid + 1 end
    end
    return lo
  end
  return total, value_of_rank
end

function done(summary, latency, _)
  local seconds = summary.duration / 1e6
  local all_r, failed_d, failed_r = {}, 0, 0
  for _, thread in ipairs(threads) do
    for _, v in ipairs(thread:get("read_us") or {}) do all_r[#all_r + 1] = v end
    failed_d = failed_d + (thread:get("decision_failed") or 0)
    failed_r = failed_r + (thread:get("read_failed") or 0)
  end
  table.sort(all_r)
  -- wrk's histogram leaves out requests that timed out.
  local count = math.max(summary.requests - summary.errors.timeout, #all_r)
  local total, value_of_rank = decision_ranks(latency, count, all_r)
  report.kind_by_rank("mix/decisions", seconds, total, value_of_rank, failed_d)
  report.kind("mix/reads", seconds, all_r, failed_r)
  report.run("mix/all", summary, latency)
end
