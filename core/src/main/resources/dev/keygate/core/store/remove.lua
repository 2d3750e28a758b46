-- Deletes a key record atomically and returns what it held (HGETALL), or an empty array when
-- there was nothing to delete.
-- KEYS[1] = the record's hash
local record = redis.call('HGETALL', KEYS[1])
if #record == 0 then
  return {}
end
redis.call('DEL', KEYS[1])
return record
