-- wrk request setup for bench/run.py. Everything comes from the environment:
--   BENCH_METHOD, BENCH_BODY   method and body of every request (headers come with -H);
--   BENCH_PATHS                a file of request paths, one a line: each request takes one
--                              at random (varied searches that miss every cache);
--   BENCH_NONCE                when set, every "__EMAIL__" in the body becomes a fresh
--                              address per request (nonce, thread and counter), so that a
--                              registration takes the new-participant path every time;
--                              "__MODE__" becomes onsite and online in turn.
-- Every response is inspected: 5xx answers and bodies that mention "database is locked"
-- are counted per thread and reported by done() on a line starting with "bench:".
local method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY") or ""
local paths_file = os.getenv("BENCH_PATHS") or ""
local nonce = os.getenv("BENCH_NONCE") or ""

local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_number", thread_count)
  table.insert(threads, thread)
end

function init(args)
  server_errors = 0
  locked = 0
  counter = 0
  paths = {}
  if paths_file ~= "" then
    for line in io.lines(paths_file) do
      if line ~= "" then
        table.insert(paths, line)
      end
    end
  end
  math.randomseed(os.time() * 100 + (thread_number or 0))
  if #paths == 0 and nonce == "" then
    -- Nothing varies: one request, built once (as wrk does by default).
    wrk.method = method
    if body ~= "" then
      wrk.body = body
    end
  end
end

function request()
  if #paths == 0 and nonce == "" then
    return wrk.format()
  end
  local path = wrk.path
  if #paths > 0 then
    path = paths[math.random(#paths)]
  end
  local request_body = nil
  if body ~= "" then
    request_body = body
    if nonce ~= "" then
      counter = counter + 1
      local address = "bench-" .. nonce .. "-" .. thread_number .. "-" .. counter .. "%40example.org"
      local mode = (counter % 2 == 0) and "onsite" or "online"
      -- Functions as replacements: "%40" in a replacement string would be a capture.
      request_body = string.gsub(body, "__EMAIL__", function() return address end)
      request_body = string.gsub(request_body, "__MODE__", function() return mode end)
    end
  end
  return wrk.format(method, path, nil, request_body)
end

function response(status, headers, response_body)
  if status >= 500 then
    server_errors = server_errors + 1
  end
  if response_body ~= nil and string.find(response_body, "database is locked", 1, true) then
    locked = locked + 1
  end
end

function done(summary, latency, requests)
  local total_5xx, total_locked = 0, 0
  for _, thread in ipairs(threads) do
    total_5xx = total_5xx + (thread:get("server_errors") or 0)
    total_locked = total_locked + (thread:get("locked") or 0)
  end
  io.write(string.format("bench: 5xx %d, locked %d\n", total_5xx, total_locked))
end
