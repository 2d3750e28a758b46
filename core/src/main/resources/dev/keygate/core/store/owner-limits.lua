-- Replaces an owner's shared limits atomically: the hash is emptied and written in one step, so no
-- reader ever sees it half-written and a failure leaves the old limits in place.
-- KEYS[1] = the owner's limits hash; ARGV = field/value pairs (none: the limits are removed)
redis.call('DEL', KEYS[1])
if #ARGV > 0 then
  redis.call('HSET', KEYS[1], unpack(ARGV))
end
return #ARGV / 2
