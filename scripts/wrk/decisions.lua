-- wrk script: POST /v1/decisions, cycling through varied requests.
--
--   wrk -t1 -c32 -d20s -H "Authorization: Bearer $TOKEN" \
--       -s scripts/wrk/decisions.lua http://127.0.0.1:8080 -- requests.jsonl
--
-- requests.jsonl holds one decision request (a JSON object) a line, as
-- `scripts/bench-http` writes them from the `gen_batch` example. Every
-- request is built once in init(); each thread starts at its own offset so
-- threads do not send the same sequence in step. done() prints one line of
-- JSON (report.lua): the label ($WRK_LABEL, default "decisions"),
-- requests/s, p50/p90/p99/max in milliseconds, and errors (wrk counts any
-- status above 399 as an error).

local report = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "report.lua")

local requests = {}
local position = 0
local offset = 0

local threads = {}

function setup(thread)
  thread:set("offset", #threads * 997)
  table.insert(threads, thread)
end

function init(args)
  local file = args[1] or error("decisions.lua: give the requests file after --")
  for line in io.lines(file) do
    if line:match("%S") then
      requests[#requests + 1] = wrk.format("POST", "/v1/decisions", report.headers({ ["Content-Type"] = "application/json" }), line)
    end
  end
  if #requests == 0 then
    error("decisions.lua: no requests in " .. file)
  end
  position = offset % #requests
end

function request()
  position = position % #requests + 1
  return requests[position]
end

function done(summary, latency, _)
  report.run(os.getenv("WRK_LABEL") or "decisions", summary, latency)
end
