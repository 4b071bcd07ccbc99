-- rateSlot: reserves the next free send slot of a rate every process shares (GCRA: slots are
-- 1000/rate ms apart on Redis's clock), so N processes together send at most `rate` requests a
-- second, evenly spaced, with one round trip per request and no polling.
-- KEYS[1] slot string   <p>:{rate:<name>}   Redis time (ms) of the next free slot
-- ARGV[1] interval between slots, ms (1000 / rate; may be fractional)
-- ARGV[2] longest wait the caller accepts, ms
-- Returns the wait until the reserved slot in whole ms (0: send now), or -1 when that wait would
-- be longer than ARGV[2] (then nothing is reserved).

-- Validate before the first write: Redis does not roll a script back on error.
local interval = tonumber(ARGV[1])
local maxWait = tonumber(ARGV[2])
if not interval or interval <= 0 or not maxWait or maxWait < 0 then
  return redis.error_reply('ERR rateSlot: bad arguments')
end
-- Redis's clock, not each caller's: processes on different hosts share one timeline.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local slot = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if slot < now then slot = now end
local wait = slot - now
if wait > maxWait then return -1 end
redis.call('SET', KEYS[1], string.format('%.3f', slot + interval), 'PX', math.ceil(wait + interval) + 1000)
return math.ceil(wait)
