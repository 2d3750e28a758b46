-- Changes some fields of a key record atomically.
-- KEYS[1] = the record's hash
-- ARGV[1] = number of field/value pairs to set, ARGV[2] = number of fields to delete,
-- ARGV[3] = '1' to drop every 'meta.*' field first (metadata replaced), else '0',
-- then the pairs to set, then the fields to delete.
-- Returns the record after the change (HGETALL), or an empty array when the key does not exist.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {}
end
local nset = tonumber(ARGV[1])
local ndel = tonumber(ARGV[2])
if ARGV[3] == '1' then
  for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
    if string.sub(field, 1, 5) == 'meta.' then
      redis.call('HDEL', KEYS[1], field)
    end
  end
end
local i = 4
for _ = 1, nset do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  i = i + 2
end
for _ = 1, ndel do
  redis.call('HDEL', KEYS[1], ARGV[i])
  i = i + 1
end
redis.call('HINCRBY', KEYS[1], 'version', 1)
return redis.call('HGETALL', KEYS[1])
