-- grade: compare-and-set one card's state and record the review, atomically, in one user's slot.
-- KEYS[1] states hash  <p>:{u:..}:states:<deck>  card key -> stored state (toStoredState, cardstate.ts)
-- KEYS[2] due zset     <p>:{u:..}:queue:<deck>   card key scored by due ms
-- KEYS[3] deck days    <p>:{u:..}:days:<deck>    r:/t:/p:/n:<day> counters
-- KEYS[4] all days     <p>:{u:..}:days           r:/t:/p:<day> counters over all decks
-- KEYS[5] log list     <p>:{u:..}:log            newest first, capped
-- KEYS[6] decks set    <p>:{u:..}:decks          deck ids with states
-- ARGV[1] card key (the deck's short key of the card id: card-keys.ts)
-- ARGV[2] expected stored state without an explicit due (storedStateBody; '' = the card must have
--         no state yet): the stored value is that, or that followed by '|<due>'
-- ARGV[3] next stored state
-- ARGV[4] due time in ms (integer)
-- ARGV[5] local day YYYY-MM-DD
-- ARGV[6] '1' when the review introduces a new card, else '0'
-- ARGV[7] '1' recalled, '0' forgotten, '' not a review-state card
-- ARGV[8] review log line
-- ARGV[9] log cap (lines kept)
-- ARGV[10] deck id (member of KEYS[6])
-- ARGV[11] oldest local day kept in the day counters (YYYY-MM-DD; '' = keep all): on the first
--          review of a day, counter fields of older days are deleted (retention, README "Retention")
-- ARGV[12] now in ms for the next-card snapshot; absent or '' = no snapshot
-- ARGV[13] end of the local day in ms (exclusive); absent without a snapshot
-- ARGV[14] how many oldest due ids to return; absent without a snapshot
-- ARGV[15] local day YYYY-MM-DD of the snapshot's new-card count; absent without a snapshot
-- Returns 1 when applied, 0 on conflict (nothing written). With ARGV[12], returns instead
--   { 1 or 0, then what queue-3.lua returns for KEYS[1..3] after the grade, lean: with a card due,
--   "due today" and "cards known" are false } (queue-snapshot.lua): the grade click reads its next
--   card in the same script, so its second round trip runs one script.

local card, expected, nextState = ARGV[1], ARGV[2], ARGV[3]
local due, day, isNew, recalled = tonumber(ARGV[4]), ARGV[5], ARGV[6], ARGV[7]
local cap = tonumber(ARGV[9])
local snapNow = ARGV[12] or ''

-- Validate everything before the first write: Redis does not roll a script back on error.
if card == '' or nextState == '' or due == nil or day == '' or cap == nil or cap < 1
  or (snapNow ~= '' and (tonumber(snapNow) == nil or tonumber(ARGV[14]) == nil or (ARGV[15] or '') == '')) then
  return redis.error_reply('ERR grade: bad arguments')
end

-- @include queue-snapshot

-- The reply: with ARGV[12], the outcome then the next-card snapshot (after the grade or the conflict).
local function reply(applied)
  if snapNow == '' then return applied end
  local snap = queueSnapshot(KEYS[1], KEYS[2], KEYS[3], snapNow, ARGV[13], ARGV[15], tonumber(ARGV[14]), true)
  table.insert(snap, 1, applied)
  return snap
end

local current = redis.call('HGET', KEYS[1], card)
if expected == '' then
  if current then return reply(0) end
elseif not current or (current ~= expected and string.sub(current, 1, #expected + 1) ~= expected .. '|') then
  return reply(0)
end

redis.call('HSET', KEYS[1], card, nextState)
redis.call('ZADD', KEYS[2], due, card)
if expected == '' then redis.call('SADD', KEYS[6], ARGV[10]) end

local firstDeck = redis.call('HINCRBY', KEYS[3], 'r:' .. day, 1) == 1
local firstAll = redis.call('HINCRBY', KEYS[4], 'r:' .. day, 1) == 1
if recalled ~= '' then
  redis.call('HINCRBY', KEYS[3], 't:' .. day, 1)
  redis.call('HINCRBY', KEYS[4], 't:' .. day, 1)
  if recalled == '1' then
    redis.call('HINCRBY', KEYS[3], 'p:' .. day, 1)
    redis.call('HINCRBY', KEYS[4], 'p:' .. day, 1)
  end
end
if isNew == '1' then redis.call('HINCRBY', KEYS[3], 'n:' .. day, 1) end

-- Trimmed once a day per hash, so the sweep stays off the other reviews of the day.
local cutoff = ARGV[11] or ''
if cutoff ~= '' then
  for k, first in pairs({ [3] = firstDeck, [4] = firstAll }) do
    if first then
      local old = {}
      for _, f in ipairs(redis.call('HKEYS', KEYS[k])) do
        if string.sub(f, 3) < cutoff then old[#old + 1] = f end
      end
      for i = 1, #old, 1000 do redis.call('HDEL', KEYS[k], unpack(old, i, math.min(i + 999, #old))) end
    end
  end
end

redis.call('LPUSH', KEYS[5], ARGV[8])
redis.call('LTRIM', KEYS[5], 0, cap - 1)
return reply(1)
