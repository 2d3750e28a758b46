-- Shared by limits.lua and usage.lua: RedisLimitCounters puts this in front of each when it loads
-- them (a Redis script cannot include another).
-- Rate counters hold their theoretical arrival time relative to 2026-01-01 (in microseconds, with
-- three decimals): small enough for a double to keep the fraction of an emission interval, which
-- at 1e6 requests a second (the most a rate limit allows) is 1 microsecond.
local BASE = 1767225600000000
-- against a floor one ulp short of a whole number
local EPSILON = 1e-6

-- days since 1970-01-01 to (year, month), after Howard Hinnant's civil_from_days
local function civil(days)
  local z = days + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
  local y = yoe + era * 400
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local m = mp < 10 and mp + 3 or mp - 9
  if m <= 2 then y = y + 1 end
  return y, m
end

local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local mp = m > 2 and m - 3 or m + 9
  local doy = math.floor((153 * mp + 2) / 5) + d - 1
  local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end

-- the current period of a quota, as [start, end) in microseconds
local function period(now, kind)
  local day = math.floor(now / 86400000000)
  if kind == 'day' then
    return day * 86400000000, (day + 1) * 86400000000
  end
  local y, m = civil(day)
  local ny, nm = y, m + 1
  if nm == 13 then ny, nm = y + 1, 1 end
  return days_from_civil(y, m, 1) * 86400000000, days_from_civil(ny, nm, 1) * 86400000000
end
