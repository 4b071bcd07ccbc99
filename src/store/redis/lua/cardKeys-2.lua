-- cardKeys: the short Redis key of each card id of one deck, assigned once and kept forever (a
-- deck edit never reuses one), in the deck's own slot.
-- KEYS[1] ids hash     <p>:{k:<deck>}:ids    cardId -> key (decimal counter, from 1)
-- KEYS[2] counter      <p>:{k:<deck>}:next   last key assigned
-- ARGV[1..] card ids (not empty)
-- Returns the key of each card id, in the order given (new ids get the next counter values).

-- Validate before the first write: Redis does not roll a script back on error.
if #ARGV == 0 then return redis.error_reply('ERR cardKeys: bad arguments') end
for i = 1, #ARGV do
  if ARGV[i] == '' then return redis.error_reply('ERR cardKeys: bad arguments') end
end

local out = {}
for i = 1, #ARGV do
  local key = redis.call('HGET', KEYS[1], ARGV[i])
  if not key then
    key = tostring(redis.call('INCR', KEYS[2]))
    redis.call('HSET', KEYS[1], ARGV[i], key)
  end
  out[i] = key
end
return out
