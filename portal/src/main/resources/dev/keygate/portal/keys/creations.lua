-- One creation of an owner in the portal's fixed window: KEYS[1] the counter
-- (<ns>:portal:creations:{<owner>}), ARGV[1] the window in milliseconds, ARGV[2] the limit.
-- The first creation of a window starts it (SET NX PX); INCR keeps the TTL. A counter found without
-- a TTL (restored, set by hand) gets the window, so it can never lock the owner out for good.
-- Returns {allowed (1/0), milliseconds until the window ends}. A refused creation is not counted.
redis.call('SET', KEYS[1], '0', 'PX', ARGV[1], 'NX')
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[1])
    ttl = tonumber(ARGV[1])
end
local count = tonumber(redis.call('GET', KEYS[1])) or 0
if count >= tonumber(ARGV[2]) then
    return {0, ttl}
end
redis.call('INCR', KEYS[1])
return {1, ttl}
