-- Reads a key's or an owner's counters without changing them (the admin API's usage view).
-- KEYS[1] = the rate counter, KEYS[2] = the quota counter
-- ARGV[1] = emission interval (microseconds per request) or '' for no rate limit, ARGV[2] = burst,
-- ARGV[3] = quota period ('day', 'month') or '' for no quota
-- Returns {rate_remaining (-1: no rate limit), quota_used (-1: no quota), quota_resets_at (epoch
-- seconds, -1: no quota)}
-- prelude.lua (BASE, EPSILON, period) comes before this when it is loaded.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local reply = { -1, -1, -1 }
if ARGV[1] ~= '' then
  local interval = tonumber(ARGV[1])
  local tolerance = interval * tonumber(ARGV[2])
  local stored = redis.call('GET', KEYS[1])
  local tat = stored and (tonumber(stored) + BASE) or now
  if tat < now then tat = now end
  reply[1] = math.max(0, math.floor((tolerance - (tat - now)) / interval + EPSILON))
end
if ARGV[3] ~= '' then
  local first, last = period(now, ARGV[3])
  local stored = redis.call('HMGET', KEYS[2], 'p', 'n')
  local used = 0
  if tonumber(stored[1]) == first then used = tonumber(stored[2]) or 0 end
  reply[2] = used
  reply[3] = math.floor(last / 1000000)
end
return reply
