-- Reads a key's or an owner's counters without changing them (the admin API's usage view).
-- KEYS[1] = the rate counter, KEYS[2] = the quota counter
-- ARGV[1] = emission interval (microseconds per request) or '' for no rate limit, ARGV[2] = burst,
-- ARGV[3] = quota period ('day', 'month') or '' for no quota
-- Returns {rate_remaining (-1: no rate limit), quota_used (-1: no quota), quota_resets_at (epoch
-- seconds, -1: no quota)}
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local reply = { -1, -1, -1 }
if ARGV[1] ~= '' then
  local interval = tonumber(ARGV[1])
  local tolerance = interval * tonumber(ARGV[2])
  -- stored relative to 2026-01-01, as limits.lua writes it
  local stored = redis.call('GET', KEYS[1])
  local tat = stored and (tonumber(stored) + 1767225600000000) or now
  if tat < now then tat = now end
  reply[1] = math.max(0, math.floor((tolerance - (tat - now)) / interval + 1e-6))
end
if ARGV[3] ~= '' then
  local day = math.floor(now / 86400000000)
  local first, last
  if ARGV[3] == 'day' then
    first, last = day * 86400000000, (day + 1) * 86400000000
  else
    local z = day + 719468
    local era = math.floor(z / 146097)
    local doe = z - era * 146097
    local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
    local y = yoe + era * 400
    local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
    local mp = math.floor((5 * doy + 2) / 153)
    local m = mp < 10 and mp + 3 or mp - 9
    if m <= 2 then y = y + 1 end
    local function days(yy, mm)
      if mm <= 2 then yy = yy - 1 end
      local e = math.floor(yy / 400)
      local ye = yy - e * 400
      local p = mm > 2 and mm - 3 or mm + 9
      return e * 146097 + ye * 365 + math.floor(ye / 4) - math.floor(ye / 100) + math.floor((153 * p + 2) / 5) - 719468
    end
    local ny, nm = y, m + 1
    if nm == 13 then ny, nm = y + 1, 1 end
    first, last = days(y, m) * 86400000000, days(ny, nm) * 86400000000
  end
  local stored = redis.call('HMGET', KEYS[2], 'p', 'n')
  local used = 0
  if tonumber(stored[1]) == first then used = tonumber(stored[2]) or 0 end
  reply[2] = used
  reply[3] = math.floor(last / 1000000)
end
return reply
