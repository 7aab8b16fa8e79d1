-- wrk script: the same-run baseline, a bare `GET` of the path wrk is given
-- (`/healthz`: no sign-in, no body, no database), reported like the other
-- scripts here (one JSON line; $WRK_LABEL, default "baseline").
--
--   wrk -t1 -c32 -d10s -s scripts/wrk/baseline.lua http://127.0.0.1:8080/healthz

local report = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "report.lua")

function done(summary, latency, _)
  report.run(os.getenv("WRK_LABEL") or "baseline", summary, latency)
end
