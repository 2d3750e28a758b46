-- Announces a change, atomically: moves the epoch, logs "<epoch> <id>" in the change log (kept to
-- its newest entries) and publishes it. The epoch and the log share a slot (the log's hash tag is
-- the epoch's name), so a reader that sees epoch e always finds e in the log.
-- The first change a store sees also writes its incarnation id (never overwritten afterwards): a
-- gateway that reads another incarnation knows it is talking to a different store (wiped,
-- replaced) whatever the epoch's number, and flushes.
-- KEYS[1] = the epoch, KEYS[2] = the change log (sorted set, score = epoch), KEYS[3] = the
-- incarnation; ARGV[1] = the key id (or "*"), ARGV[2] = how many log entries to keep,
-- ARGV[3] = the channel, ARGV[4] = a fresh random incarnation id, used if there is none yet
redis.call('SET', KEYS[3], ARGV[4], 'NX')
local epoch = redis.call('INCR', KEYS[1])
local message = string.format('%d', epoch) .. ' ' .. ARGV[1]
redis.call('ZADD', KEYS[2], epoch, message)
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[2]) + 1))
redis.call('PUBLISH', ARGV[3], message)
return epoch
