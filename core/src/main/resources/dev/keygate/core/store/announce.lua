-- Announces a change, atomically: moves the epoch, logs "<epoch> <id>" in the change log (kept to
-- its newest entries) and publishes it. The epoch and the log share a slot (the log's hash tag is
-- the epoch's name), so a reader that sees epoch e always finds e in the log.
-- KEYS[1] = the epoch, KEYS[2] = the change log (sorted set, score = epoch)
-- ARGV[1] = the key id (or "*"), ARGV[2] = how many log entries to keep, ARGV[3] = the channel
local epoch = redis.call('INCR', KEYS[1])
local message = string.format('%d', epoch) .. ' ' .. ARGV[1]
redis.call('ZADD', KEYS[2], epoch, message)
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[2]) + 1))
redis.call('PUBLISH', ARGV[3], message)
return epoch
