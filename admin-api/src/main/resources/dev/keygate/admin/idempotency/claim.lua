-- Claims an idempotency slot, or returns what holds it.
-- KEYS[1] the slot; ARGV[1] now (epoch ms, the admin API's clock); ARGV[2] the pending value;
-- ARGV[3] its time to live in ms.
-- Values start with "<expires ms>|": an entry whose expiry has passed is treated as absent.
-- Returns "" when the slot was claimed, else the current value.
local current = redis.call('GET', KEYS[1])
if current then
  local expires = tonumber(string.match(current, '^(%d+)|'))
  if expires and expires > tonumber(ARGV[1]) then
    return current
  end
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return ''
