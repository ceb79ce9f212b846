-- Feeds wrk pre-generated requests, one per line of a file:
--   METHOD <tab> PATH <tab> HEADER ("Name: value", or empty) <tab> BODY (or empty)
-- Run: wrk ... -s feed.lua URL -- FILE THREADS MODE
-- Thread i of THREADS sends lines i, i + THREADS, ...; MODE "cycle" starts over at the end of
-- its lines, "once" too but counts every restart in "wraps" (a push sent twice is a retry, which
-- djwechat answers from its dedupe record: the harness refuses such a run).
-- done() prints one line "WRK_JSON {...}" that the harness parses.

local threads = {}
local count = 0

function setup(thread)
  thread:set("id", count)
  count = count + 1
  table.insert(threads, thread)
end

function init(args)
  local path, nthreads = args[1], tonumber(args[2])
  reqs, pos, wraps = {}, 0, 0
  local line_no = 0
  for line in io.lines(path) do
    if line_no % nthreads == id then
      local method, target, header, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      local headers = {}
      local name, value = header:match("^([^:]+):%s*(.*)$")
      if name then headers[name] = value end
      if body == "" then
        body = nil
      else
        headers["Content-Type"] = "text/xml"
      end
      reqs[#reqs + 1] = wrk.format(method, target, headers, body)
    end
    line_no = line_no + 1
  end
end

function request()
  pos = pos + 1
  if pos > #reqs then
    pos = 1
    wraps = wraps + 1
  end
  return reqs[pos]
end

function done(summary, latency, requests)
  local total_wraps = 0
  for _, thread in ipairs(threads) do
    total_wraps = total_wraps + thread:get("wraps")
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "non2xx": %d, "connect_errors": %d, ' ..
    '"read_errors": %d, "write_errors": %d, "timeouts": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "wraps": %d}\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max, total_wraps))
end
