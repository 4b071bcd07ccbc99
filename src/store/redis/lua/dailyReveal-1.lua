-- dailyReveal: records the outcome of editing a closed round's post to show its results.
-- KEYS[1] round hash    <p>:{t:..}:round:<roundId>
-- ARGV[1] '1' when the edit succeeded, '0' when it failed
-- Returns 0 after a success, the number of failed edits so far after a failure, -1 without a round.

-- Validate before the first write: Redis does not roll a script back on error.
if ARGV[1] ~= '1' and ARGV[1] ~= '0' then return redis.error_reply('ERR dailyReveal: bad arguments') end
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if ARGV[1] == '1' then
  redis.call('HSET', KEYS[1], 'rv', '1')
  return 0
end
return redis.call('HINCRBY', KEYS[1], 'rvf', 1)
