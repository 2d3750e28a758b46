-- wrk script: every request carries a key picked at random from a file (one key per line).
-- Usage: wrk ... -s bench/wrk-keys.lua http://127.0.0.1:PORT/ -- <keys file> [sequential|random] [path]
-- "sequential" walks the file in order (to prime a cache with every key) instead of at random.
local keys = {}
local count = 0
local sequential = false
local nextIndex = 0
local path = "/orders/42"

init = function(args)
  local file = args[1] or error("usage: -- <keys file> [sequential]")
  sequential = args[2] == "sequential"
  path = args[3] or path
  for line in io.lines(file) do
    if #line > 0 then
      count = count + 1
      keys[count] = line
    end
  end
  if count == 0 then
    error("no keys in " .. file)
  end
  -- each wrk thread has its own Lua state: seed each differently
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
end

request = function()
  local index
  if sequential then
    nextIndex = nextIndex % count + 1
    index = nextIndex
  else
    index = math.random(count)
  end
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. keys[index] })
end
