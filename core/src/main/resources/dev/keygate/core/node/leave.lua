-- A gateway node that stops leaves the registry at once instead of when its heartbeat expires.
-- KEYS[1] = the nodes (sorted set), KEYS[2] = their info (hash); ARGV[1] = node id
redis.call('ZREM', KEYS[1], ARGV[1])
return redis.call('HDEL', KEYS[2], ARGV[1])
