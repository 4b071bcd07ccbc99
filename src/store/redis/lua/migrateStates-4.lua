-- migrateStates: moves one user's deck from the card-id layout (before card keys) to the card-key
-- layout, atomically, in the user's slot (store/redis/migrate-states.ts).
-- KEYS[1] legacy cards  <p>:{u:..}:cards:<deck>   cardId -> packed state
-- KEYS[2] legacy due    <p>:{u:..}:due:<deck>     cardId scored by due ms
-- KEYS[3] states hash   <p>:{u:..}:states:<deck>  card key -> stored state (toStoredState)
-- KEYS[4] due zset      <p>:{u:..}:queue:<deck>   card key scored by due ms
-- ARGV[1] how many states KEYS[1] held when the caller read it
-- ARGV[2..] five per state: card id, card key, packed state as read, stored state, due ms
-- Returns the number of states moved (then both legacy keys are deleted), or -1 when KEYS[1] is
--   not what the caller read (nothing written: read it again). A card that already has a state in
--   KEYS[3] keeps it, unless the legacy state was reviewed later: an older process, still running
--   in a rolling update, saw the moved deck empty and graded the card after the move.

local n = tonumber(ARGV[1])
-- Validate before the first write: Redis does not roll a script back on error.
if n == nil or #ARGV ~= 1 + 5 * n then return redis.error_reply('ERR migrateStates: bad arguments') end
for i = 0, n - 1 do
  local at = 2 + 5 * i
  if ARGV[at] == '' or ARGV[at + 1] == '' or ARGV[at + 3] == '' or tonumber(ARGV[at + 4]) == nil then
    return redis.error_reply('ERR migrateStates: bad arguments')
  end
end

-- The last review of a stored state (field 8: seconds in base 36, empty when never reviewed), or
-- -1 when the value is not a stored state (a kept verbatim string, marked '=').
local function lastReview(stored)
  if not stored or string.sub(stored, 1, 1) == '=' then return -1 end
  local i, field = 0, nil
  for part in string.gmatch(stored .. '|', '([^|]*)|') do
    i = i + 1
    if i == 8 then field = part end
  end
  if (i ~= 8 and i ~= 9) or field == nil then return -1 end
  if field == '' then return 0 end
  return tonumber(field, 36) or -1
end

if redis.call('HLEN', KEYS[1]) ~= n then return -1 end
for i = 0, n - 1 do
  local at = 2 + 5 * i
  if redis.call('HGET', KEYS[1], ARGV[at]) ~= ARGV[at + 2] then return -1 end
end

for i = 0, n - 1 do
  local at = 2 + 5 * i
  if redis.call('HSETNX', KEYS[3], ARGV[at + 1], ARGV[at + 3]) == 1 then
    redis.call('ZADD', KEYS[4], ARGV[at + 4], ARGV[at + 1])
  elseif lastReview(ARGV[at + 3]) > lastReview(redis.call('HGET', KEYS[3], ARGV[at + 1])) then
    redis.call('HSET', KEYS[3], ARGV[at + 1], ARGV[at + 3])
    redis.call('ZADD', KEYS[4], ARGV[at + 4], ARGV[at + 1])
  end
end
redis.call('DEL', KEYS[1], KEYS[2])
return n
