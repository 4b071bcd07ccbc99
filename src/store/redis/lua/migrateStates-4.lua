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
--   KEYS[3] keeps it (written by this version, so newer than the legacy one).

local n = tonumber(ARGV[1])
-- Validate before the first write: Redis does not roll a script back on error.
if n == nil or #ARGV ~= 1 + 5 * n then return redis.error_reply('ERR migrateStates: bad arguments') end
for i = 0, n - 1 do
  local at = 2 + 5 * i
  if ARGV[at] == '' or ARGV[at + 1] == '' or ARGV[at + 3] == '' or tonumber(ARGV[at + 4]) == nil then
    return redis.error_reply('ERR migrateStates: bad arguments')
  end
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
  end
end
redis.call('DEL', KEYS[1], KEYS[2])
return n
