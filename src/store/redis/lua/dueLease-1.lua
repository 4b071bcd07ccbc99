-- dueLease: compare-and-set lease on one entry of the global due index, so scheduler instances
-- share the work of one tick instead of all trying every entry.
-- KEYS[1] due zset      <p>:daily:due   member -> due ms
-- ARGV[1] member
-- ARGV[2] the due time the caller saw (ms)
-- ARGV[3] new due time while the caller works on it (ms)
-- Returns 1 when leased, 0 when the entry moved or is gone.

-- Validate before the first write: Redis does not roll a script back on error.
if not ARGV[1] or ARGV[1] == '' or not tonumber(ARGV[2]) or not tonumber(ARGV[3]) then
  return redis.error_reply('ERR dueLease: bad arguments')
end
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) == tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
  return 1
end
return 0
