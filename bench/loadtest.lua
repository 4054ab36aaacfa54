-- wrk script of `make loadtest` (bench/loadtest.py). LOADTEST_MODE=get: plain GETs of the
-- URL given to wrk; LOADTEST_MODE=sync: POST /api/v1/sync/ with LOADTEST_BATCH new seizures
-- of operation LOADTEST_OPERATION, fresh UUIDs in every request. Prints one JSON line.
local mode = os.getenv("LOADTEST_MODE") or "get"
local token = os.getenv("LOADTEST_TOKEN")
local operation = os.getenv("LOADTEST_OPERATION")
local batch = tonumber(os.getenv("LOADTEST_BATCH") or "100")
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

-- Ealing to Hanwell along Uxbridge Road (lon, lat).
local points = { { -0.3020, 51.5130 }, { -0.3100, 51.5110 }, { -0.3250, 51.5100 }, { -0.3370, 51.5090 } }

local function hex(n)
  return math.random(0, 16 ^ n - 1)
end

local function uuid4()
  return string.format("%04x%04x-%04x-4%03x-%04x-%04x%04x%04x",
    hex(4), hex(4), hex(4), hex(3), 0x8000 + math.random(0, 0x3fff), hex(4), hex(4), hex(4))
end

function init(args)
  math.randomseed(os.time() * 1000 + id * 7919)
  statuses = {}
  created = 0
  if token then
    wrk.headers["Authorization"] = "Token " .. token
  end
  if mode == "sync" then
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
  end
end

if mode == "sync" then
  function request()
    local at = os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() - 120)
    local items = {}
    for i = 1, batch do
      local p = points[(i % #points) + 1]
      local lon = p[1] + (math.random() - 0.5) * 0.002
      local lat = p[2] + (math.random() - 0.5) * 0.001
      items[i] = string.format(
        '{"op":"create","type":"seizure","id":"%s","recorded_at":"%s","data":{"operation":"%s",'
          .. '"point":{"type":"Point","coordinates":[%.6f,%.6f]},"accuracy_m":5.0,"seized_at":"%s",'
          .. '"vehicle_type":"e_bike","reason":"non_compliant_eapc","power":"rta_1988_s165a"}}',
        uuid4(), at, operation, lon, lat, at)
    end
    return wrk.format(nil, "/api/v1/sync/", nil, '{"items":[' .. table.concat(items, ",") .. "]}")
  end

  function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
    if status == 200 then
      local _, n = string.gsub(body, '"status":"created"', "")
      created = created + n
    end
  end
end

function done(summary, latency, requests)
  local all, made = {}, 0
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses") or {}
    for status, n in pairs(counts) do
      all[status] = (all[status] or 0) + n
    end
    made = made + (thread:get("created") or 0)
  end
  local parts = {}
  for status, n in pairs(all) do
    table.insert(parts, string.format('"%d":%d', status, n))
  end
  local e = summary.errors
  io.write(string.format(
    '{"duration_us":%d,"requests":%d,"bytes":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d,'
      .. '"non_2xx":%d,"timeouts":%d,"connect_errors":%d,"read_errors":%d,"created":%d,"statuses":{%s}}\n',
    summary.duration, summary.requests, summary.bytes, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.status, e.timeout, e.connect, e.read, made, table.concat(parts, ",")))
end
