-- Replaces a key's secret hash atomically, keeping the old one for a grace period if asked.
-- KEYS[1] = the record's hash
-- ARGV[1] = the new secret hash, ARGV[2] = rotatedAt (ISO-8601),
-- ARGV[3] = until when the replaced secret stays valid (ISO-8601), or '' for not at all
-- Returns the record after the change (HGETALL), or an empty array when the key does not exist.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {}
end
if ARGV[3] ~= '' then
  local old = redis.call('HGET', KEYS[1], 'hash')
  redis.call('HSET', KEYS[1], 'prevHash', old, 'prevUntil', ARGV[3])
else
  redis.call('HDEL', KEYS[1], 'prevHash', 'prevUntil')
end
redis.call('HSET', KEYS[1], 'hash', ARGV[1], 'rotatedAt', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'version', 1)
return redis.call('HGETALL', KEYS[1])
