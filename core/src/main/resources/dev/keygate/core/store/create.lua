-- Creates a key record, never overwriting one (the id is new by construction; this makes sure).
-- KEYS[1] = the record's hash, kg:key:{<id>}
-- ARGV    = field, value, field, value, ...
-- Returns 1 when written, 0 when the id already exists (nothing written).
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
