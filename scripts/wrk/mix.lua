-- wrk script: decisions mixed with audited record reads, timed per kind.
--
--   wrk -t32 -c32 -d20s -H "Authorization: Bearer $TOKEN" \
--       -s scripts/wrk/mix.lua http://127.0.0.1:8080 -- requests.jsonl reads.txt 10
--
-- requests.jsonl: one decision request (JSON object) a line. reads.txt: one
-- "CLIENT_ID RECORD_ID" a line, records the token's staff member may open
-- (on their caseload or care team): each read is `GET
-- /v1/clients/{id}/records/{record}`, checked for need-to-know and audited
-- durably by the server before it answers. The third argument is how many
-- requests in 100 are reads (default 10), spread evenly.
--
-- Per-kind latency needs one connection per thread (-t equal to -c): each
-- thread's Lua state then sees its one connection's requests strictly in
-- turn, so request() and response() pair up, and the time between them is
-- taken with clock_gettime through LuaJIT's FFI. wrk's own latency (which
-- covers both kinds) is reported beside it. done() prints one JSON line per
-- kind and one for all requests; non-2xx answers are counted per kind.

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
local reads_per_100 = 10
local n = 0
local offset = 0
local pending_kind = nil
local started = 0

-- Copied out by done(): latencies in microseconds, and failures, per kind.
decision_us = {}
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
    end
  end
  if #decisions == 0 or #reads == 0 then
    error("mix.lua: no decisions or no reads to send")
  end
  n = offset
end

-- Request n is a read when it falls in the first reads_per_100 of each
-- hundred, spread: 10 in 100 is every tenth request.
local function is_read(k)
  return (k * reads_per_100) % 100 < reads_per_100
end

function request()
  n = n + 1
  started = now_us()
  if is_read(n) then
    pending_kind = "read"
    return reads[n % #reads + 1]
  end
  pending_kind = "decision"
  return decisions[n % #decisions + 1]
end

function response(status, _, _)
  local elapsed = now_us() - started
  if pending_kind == "read" then
    read_us[#read_us + 1] = elapsed
    if status >= 300 then read_failed = read_failed + 1 end
  elseif pending_kind == "decision" then
    decision_us[#decision_us + 1] = elapsed
    if status >= 300 then decision_failed = decision_failed + 1 end
  end
  pending_kind = nil
end

function done(summary, latency, _)
  local seconds = summary.duration / 1e6
  local all_d, all_r, failed_d, failed_r = {}, {}, 0, 0
  for _, thread in ipairs(threads) do
    for _, v in ipairs(thread:get("decision_us") or {}) do all_d[#all_d + 1] = v end
    for _, v in ipairs(thread:get("read_us") or {}) do all_r[#all_r + 1] = v end
    failed_d = failed_d + (thread:get("decision_failed") or 0)
    failed_r = failed_r + (thread:get("read_failed") or 0)
  end
  table.sort(all_d)
  table.sort(all_r)
  report.kind("mix/decisions", seconds, all_d, failed_d)
  report.kind("mix/reads", seconds, all_r, failed_r)
  report.run("mix/all", summary, latency)
end
