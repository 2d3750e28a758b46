-- Ends a rotation's grace at once: the previous secret's acceptance ends now (prevUntil = now), so
-- the old secret fails from the next request on, as after a rotation without grace. The previous
-- hash stays (KeyRecord keeps it with its expiry, so gateways still tell a rotated-away secret from
-- a wrong one). Only if the record is still the version the caller checked (compare and set).
-- KEYS[1] = the record's hash
-- ARGV[1] = the version the caller read, ARGV[2] = now (ISO-8601)
-- Returns the record after the change (HGETALL), or an empty array when the key does not exist or
-- changed since it was read.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {}
end
if redis.call('HGET', KEYS[1], 'version') ~= ARGV[1] then
  return {}
end
redis.call('HSET', KEYS[1], 'prevUntil', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'version', 1)
return redis.call('HGETALL', KEYS[1])
