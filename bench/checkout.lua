-- wrk script of bench/checkout.py: one-line cash sales, each with its own Idempotency-Key
-- and its tablet's bearer token, and a JSON line of figures at the end.
--
--   wrk -t2 -c16 -d10s --latency -s bench/checkout.lua http://127.0.0.1:PORT -- DATA PREFIX
--
-- DATA is a Lua file bench/checkout.py writes: `return { {token=..., body=...}, ... }`
-- (one entry per tablet and cart, pre-encoded). PREFIX makes the keys of this run unique;
-- each wrk thread adds its own number and a counter. The requests are built with
-- wrk.format once per sale: the load generator does little more than write bytes.

local data_file, prefix = nil, "k"
local carts = {}
local counter = 0
local thread_no = 0
local threads = {}

function setup(thread)
  thread_no = thread_no + 1
  thread:set("id", thread_no)
  table.insert(threads, thread)
end

function init(args)
  data_file, prefix = args[1], args[2] or "k"
  carts = dofile(data_file)
  counter = 0
end

function request()
  counter = counter + 1
  local cart = carts[(counter * 7 + id) % #carts + 1]
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. cart.token,
    ["Idempotency-Key"] = prefix .. "-" .. id .. "-" .. counter,
  }
  return wrk.format("POST", "/api/v1/sales", headers, cart.body)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "connect_errors": %d, "read_errors": %d, '
      .. '"write_errors": %d, "status_errors": %d, "timeouts": %d, '
      .. '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, errors.connect, errors.read, errors.write,
    errors.status, errors.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean))
end
