-- Adds one gateway's coalesced usage of some keys of one owner for one UTC day (one slot: every
-- key here has the owner as hash tag). Times only move forward (two gateways flushing out of order
-- never move one back); counts add up.
-- KEYS: per key, its seen hash then its day counter
-- ARGV[1] = TTL of the seen hashes (ms), ARGV[2] = TTL of the day counters (ms),
-- ARGV[3] = the most secret fingerprints kept per key, ARGV[4] = number of keys,
-- then per key: requests, last (ms), nsecrets, (fingerprint, ms) * nsecrets, nscopes,
-- (scope, ms) * nscopes
-- Returns the number of keys written.
local function later(key, field, value)
  local current = redis.call('HGET', key, field)
  if not current or tonumber(current) < tonumber(value) then
    redis.call('HSET', key, field, value)
  end
  return current
end

local maxSecrets = tonumber(ARGV[3])
local n = tonumber(ARGV[4])
local a = 5
for k = 1, n do
  local seen = KEYS[2 * k - 1]
  local day = KEYS[2 * k]
  local requests = tonumber(ARGV[a])
  later(seen, 'last', ARGV[a + 1])
  local nsecrets = tonumber(ARGV[a + 2])
  a = a + 3
  local added = false
  for _ = 1, nsecrets do
    if not later(seen, 'h:' .. ARGV[a], ARGV[a + 1]) then
      added = true
    end
    a = a + 2
  end
  local nscopes = tonumber(ARGV[a])
  a = a + 1
  for _ = 1, nscopes do
    later(seen, 's:' .. ARGV[a], ARGV[a + 1])
    a = a + 2
  end
  if added then
    -- keep only the most recent fingerprints
    local fields = {}
    for _, field in ipairs(redis.call('HKEYS', seen)) do
      if string.sub(field, 1, 2) == 'h:' then
        fields[#fields + 1] = field
      end
    end
    if #fields > maxSecrets then
      local values = redis.call('HMGET', seen, unpack(fields))
      local byTime = {}
      for i, field in ipairs(fields) do
        byTime[i] = { field, tonumber(values[i]) or 0 }
      end
      table.sort(byTime, function(x, y) return x[2] < y[2] end)
      for i = 1, #byTime - maxSecrets do
        redis.call('HDEL', seen, byTime[i][1])
      end
    end
  end
  redis.call('PEXPIRE', seen, ARGV[1])
  if requests > 0 then
    redis.call('INCRBY', day, requests)
    redis.call('PEXPIRE', day, ARGV[2])
  end
end
return n
