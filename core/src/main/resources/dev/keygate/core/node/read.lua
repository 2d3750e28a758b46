-- The live gateway nodes with what they last reported, the current epoch and Redis's time, in one
-- read of the epoch's slot. A node is live while its heartbeat has not expired.
-- KEYS[1] = the nodes (sorted set, score = heartbeat expiry, ms), KEYS[2] = their info (hash),
-- KEYS[3] = the epoch. Returns now (ms), the epoch, then node id and info pairs (info '' if lost).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local out = {string.format('%d', now), redis.call('GET', KEYS[3]) or '0'}
local live = redis.call('ZRANGEBYSCORE', KEYS[1], now, '+inf', 'LIMIT', 0, 1000)
if #live > 0 then
    local infos = redis.call('HMGET', KEYS[2], unpack(live))
    for i, id in ipairs(live) do
        out[#out + 1] = id
        out[#out + 1] = infos[i] or ''
    end
end
return out
