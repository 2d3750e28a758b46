-- Appends a change to the log of recent changes and trims the log to its newest entries.
-- KEYS[1] = the log (sorted set, score = epoch)
-- ARGV[1] = the epoch, ARGV[2] = "<epoch> <id>", ARGV[3] = how many entries to keep
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[3]) + 1))
return 1
