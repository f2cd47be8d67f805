-- wrk script: gated signups, each (permit, AuthToken) pair sent exactly once.
--   wrk -t T -c C -d D -s signup.lua URL -- BODIES_DIR PERMITS_FILE FIRST COUNT THREADS
-- Items FIRST .. FIRST+COUNT-1 are used: line i of PERMITS_FILE (empty = no signup_token, for a
-- homeserver in open mode) with BODIES_DIR/i.bin. Thread k (1-based) takes the items with
-- (i - FIRST) % THREADS == k - 1, so threads never share a permit. wrk gives every thread its
-- own Lua state; setup() runs in the main state and numbers them.
-- A thread that runs out of items stops (counted as "exhausted"): size COUNT for the whole run.
-- A line "HOST<TAB>PERMIT" sends that request with "Host: HOST" (several homeservers behind one homegate).

local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
  table.insert(threads, thread)
end

local function read_file(path)
  local f = assert(io.open(path, "rb"))
  local data = f:read("*a")
  f:close()
  return data
end

function init(args)
  local dir, permits_file = args[1], args[2]
  local first, count, nthreads = tonumber(args[3]), tonumber(args[4]), tonumber(args[5])
  local permits = {}
  local n = 0
  for line in io.lines(permits_file) do
    n = n + 1
    if n >= first and n < first + count then permits[n] = line end
  end
  -- Pre-format every request of this thread so the measured loop only indexes an array.
  reqs = {}
  local headers = { ["Content-Type"] = "application/octet-stream" }
  for i = first, first + count - 1 do
    if (i - first) % nthreads == tid - 1 then
      local permit = assert(permits[i], "permits file too short")
      local request_headers = headers
      local host, rest = string.match(permit, "^([^\t]+)\t(.*)$")
      if host then
        permit = rest
        request_headers = { ["Content-Type"] = "application/octet-stream", ["Host"] = host }
      end
      local path = "/signup"
      if permit ~= "" then path = path .. "?signup_token=" .. permit end
      reqs[#reqs + 1] = wrk.format("POST", path, request_headers, read_file(dir .. "/" .. i .. ".bin"))
    end
  end
  pos = 0
  ok = 0
  bad = 0
  exhausted = 0
  statuses = {}
end

function request()
  pos = pos + 1
  local r = reqs[pos]
  if r == nil then
    exhausted = 1
    wrk.thread:stop()
    return reqs[#reqs] -- never answered usefully: the thread is stopping
  end
  return r
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
  else
    bad = bad + 1
    statuses[status] = (statuses[status] or 0) + 1
    if bad <= 3 then io.stderr:write("signup.lua: HTTP " .. status .. ": " .. string.sub(body or "", 1, 300) .. "\n") end
  end
end

function done(summary, latency, requests)
  local total_ok, total_bad, total_exhausted, sent = 0, 0, 0, 0
  local by_status = {}
  for _, t in ipairs(threads) do
    total_ok = total_ok + t:get("ok")
    total_bad = total_bad + t:get("bad")
    total_exhausted = total_exhausted + t:get("exhausted")
    sent = sent + t:get("pos")
    for s, c in pairs(t:get("statuses")) do by_status[s] = (by_status[s] or 0) + c end
  end
  local parts = {}
  for s, c in pairs(by_status) do parts[#parts + 1] = s .. "=" .. c end
  io.write(string.format("signup_2xx %d\nsignup_non2xx %d\nsignup_non2xx_statuses %s\nsignup_threads_exhausted %d\n",
    total_ok, total_bad, table.concat(parts, ","), total_exhausted))
end
