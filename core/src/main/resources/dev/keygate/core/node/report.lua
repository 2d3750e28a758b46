-- A gateway node's heartbeat and applied epoch, atomically, in the epoch's slot (both keys have
-- the epoch's name as hash tag). Times are Redis's own (TIME), so the clocks of the gateways and of
-- the admin API never meet.
-- KEYS[1] = the nodes (sorted set, score = heartbeat expiry, ms), KEYS[2] = their info (hash)
-- ARGV[1] = node id, ARGV[2] = ttl (ms), ARGV[3] = applied epoch, ARGV[4] = ms since the node last
-- confirmed its epoch (-1: never), ARGV[5] = start time (ms), ARGV[6] = cache size, ARGV[7] = hit
-- ratio, ARGV[8] = host, ARGV[9] = version (both without spaces), ARGV[10] = the applied channel,
-- ARGV[11] = '1' to publish "<node id> <applied epoch>" on it
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expires = now + tonumber(ARGV[2])
local ago = tonumber(ARGV[4])
local confirmed = '-'
if ago >= 0 then
    confirmed = string.format('%d', now - ago)
end
-- forget nodes whose heartbeat has expired (a bounded batch per report)
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. now, 'LIMIT', 0, 100)
if #dead > 0 then
    redis.call('HDEL', KEYS[2], unpack(dead))
    redis.call('ZREM', KEYS[1], unpack(dead))
end
redis.call('ZADD', KEYS[1], expires, ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], table.concat({ARGV[3], confirmed, string.format('%d', now),
    string.format('%d', expires), ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]}, ' '))
if ARGV[11] == '1' then
    redis.call('PUBLISH', ARGV[10], ARGV[1] .. ' ' .. ARGV[3])
end
return now
