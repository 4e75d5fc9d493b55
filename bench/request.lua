-- wrk request setup for bench/run.py: method and body come from the environment
-- (BENCH_METHOD, BENCH_BODY); headers are passed with -H.
wrk.method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
if body ~= nil and body ~= "" then
  wrk.body = body
end
