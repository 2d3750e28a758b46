-- Checks and counts one request against every limit that applies to it, atomically, with Redis's
-- own clock (TIME): gateways with skewed clocks agree. Every counter has the owner as hash tag, so
-- on Redis Cluster the script touches one slot.
-- KEYS[i] = the counter of limit i
-- ARGV[1] = microseconds to add to Redis's time (0; a test hook), ARGV[2] = the cost (requests),
-- ARGV[3] = '1' to count the cost even when a limit refuses it (local-then-sync reconciliation:
-- the requests were already served), '0' to count it only when every limit allows it;
-- then 3 arguments per limit: 'r', emission interval (microseconds per request), burst
--                         or: 'q', quota, period ('day' or 'month')
-- Returns {refused, retry_ms, then per limit: remaining, reset_seconds, violated (0/1)}:
-- refused is the 1-based index of the first limit that refused (0: allowed); remaining is what is
-- left after this answer; reset_seconds is when more becomes available (a rate limit: the next
-- request, 0 when its bucket is full; a quota: the end of its period).
-- prelude.lua (BASE, EPSILON, period) comes before this when it is loaded.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2]) + tonumber(ARGV[1])
local cost = tonumber(ARGV[2])
local force = ARGV[3] == '1'

local n = #KEYS
local plans = {}
local refused, retry = 0, 0
for i = 1, n do
  local base = 3 + (i - 1) * 3
  local kind = ARGV[base + 1]
  local plan = { kind = kind, wait = 0, violated = 0 }
  if kind == 'r' then
    plan.interval = tonumber(ARGV[base + 2])
    plan.burst = tonumber(ARGV[base + 3])
    plan.tolerance = plan.interval * plan.burst
    local stored = redis.call('GET', KEYS[i])
    local tat = stored and (tonumber(stored) + BASE) or now
    if tat < now then tat = now end
    plan.tat = tat
    plan.new_tat = tat + cost * plan.interval
    local allow_at = plan.new_tat - plan.tolerance
    if now < allow_at then
      plan.violated = 1
      plan.wait = allow_at - now
    end
  else
    plan.quota = tonumber(ARGV[base + 2])
    local first, last = period(now, ARGV[base + 3])
    local stored = redis.call('HMGET', KEYS[i], 'p', 'n')
    local used = 0
    if tonumber(stored[1]) == first then used = tonumber(stored[2]) or 0 end
    plan.first, plan.last, plan.used = first, last, used
    if used + cost > plan.quota then
      plan.violated = 1
      plan.wait = last - now
    end
  end
  if plan.violated == 1 and refused == 0 then
    refused = i
  end
  if plan.wait > retry then retry = plan.wait end
  plans[i] = plan
end

local applied = refused == 0 or force
for i = 1, n do
  local plan = plans[i]
  if plan.kind == 'r' then
    if applied then
      redis.call('SET', KEYS[i], string.format('%.3f', plan.new_tat - BASE), 'PX', math.ceil((plan.new_tat - now) / 1000) + 1000)
    end
    -- what remains after this answer (nothing was counted when it refused), and when the next
    -- request comes back: 0 for a full bucket
    local d = (applied and plan.new_tat or plan.tat) - now
    plan.remaining = math.max(0, math.floor((plan.tolerance - d) / plan.interval + EPSILON))
    if plan.remaining >= plan.burst then
      plan.reset = 0
    else
      plan.reset = math.max(0, d - plan.tolerance + (plan.remaining + 1) * plan.interval)
    end
  else
    local used = plan.used
    if applied then
      used = used + cost
      redis.call('HSET', KEYS[i], 'p', string.format('%d', plan.first), 'n', used)
      redis.call('PEXPIRE', KEYS[i], math.ceil((plan.last - now) / 1000) + 60000)
    end
    plan.remaining = math.max(0, plan.quota - used)
    plan.reset = plan.last - now
  end
end

local reply = { refused, math.ceil(retry / 1000) }
for i = 1, n do
  local plan = plans[i]
  reply[#reply + 1] = plan.remaining
  reply[#reply + 1] = math.ceil(plan.reset / 1000000)
  reply[#reply + 1] = plan.violated
end
return reply
