-- Replaces a key's secret hash atomically. The replaced hash is kept as prevHash with the instant
-- its acceptance ends (prevUntil): later than rotatedAt during a grace period, equal to it when
-- there is none (then it only lets gateways tell a rotated-away secret from a wrong one).
-- KEYS[1] = the record's hash
-- ARGV[1] = the new secret hash, ARGV[2] = rotatedAt (ISO-8601), ARGV[3] = prevUntil (ISO-8601)
-- Returns the record after the change (HGETALL), or an empty array when the key does not exist.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {}
end
local old = redis.call('HGET', KEYS[1], 'hash')
redis.call('HSET', KEYS[1], 'prevHash', old, 'prevUntil', ARGV[3], 'hash', ARGV[1], 'rotatedAt', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'version', 1)
return redis.call('HGETALL', KEYS[1])
