-- forgetMember: deletes one user's daily-quiz data in one team, atomically, in the team's slot:
-- their answers to every round (open and closed), their entries on every leaderboard (each board
-- then sums to the points of the members left), their streak, display name and last-seen time,
-- and their entry in the fastest lists of round results. Idempotent.
-- KEYS[1] names hash     <p>:{t:..}:names    userId -> display name
-- KEYS[2] streak hash    <p>:{t:..}:streak   userId -> streak
-- KEYS[3] seen zset      <p>:{t:..}:seen     userId -> last close they answered in
-- KEYS[4] gc zset        <p>:{t:..}:gc       members `round:<id>`, `ans:<id>`, `lb:<board>` name
--                        the team's closed rounds, their answers and its week and month boards
-- KEYS[5] open zset      <p>:{t:..}:open     ids of posted rounds not closed yet
-- KEYS[6] all-time board <p>:{t:..}:lb:all   userId -> points
-- ARGV[1] user id
-- ARGV[2] the team slot's key base `<p>:{t:..}:` (KEYS[1] starts with it): the round and board
--         keys named by KEYS[4] and KEYS[5] are built from it, so all stay in this slot
-- Returns { answers deleted, board entries deleted, all-time points removed (string) }.

local user, base = ARGV[1], ARGV[2]
if not user or user == '' or not base or base == '' or string.sub(KEYS[1], 1, #base) ~= base then
  return redis.error_reply('ERR forgetMember: bad arguments')
end

-- Reads first: every key that may hold the user.
local answerKeys, boardKeys, roundKeys, listed = {}, { KEYS[6] }, {}, {}
for _, m in ipairs(redis.call('ZRANGE', KEYS[4], 0, -1)) do
  local kind, rest = string.match(m, '^(%a+):(.*)$')
  if kind == 'ans' then
    answerKeys[#answerKeys + 1] = base .. m
    listed[rest] = true
  elseif kind == 'lb' and rest ~= 'all' then
    boardKeys[#boardKeys + 1] = base .. m
  elseif kind == 'round' then
    roundKeys[#roundKeys + 1] = base .. m
  end
end
for _, id in ipairs(redis.call('ZRANGE', KEYS[5], 0, -1)) do
  if not listed[id] then answerKeys[#answerKeys + 1] = base .. 'ans:' .. id end
end

local answers, entries = {}, {}
for _, k in ipairs(answerKeys) do
  if redis.call('HEXISTS', k, user) == 1 then answers[#answers + 1] = k end
end
local points = redis.call('ZSCORE', KEYS[6], user) or '0'
for _, k in ipairs(boardKeys) do
  if redis.call('ZSCORE', k, user) then entries[#entries + 1] = k end
end
local results = {}
for _, k in ipairs(roundKeys) do
  local res = redis.call('HGET', k, 'res')
  if res and string.find(res, user, 1, true) then
    local r = cjson.decode(res)
    local kept, hit = {}, false
    if type(r.fastest) == 'table' then
      for _, f in ipairs(r.fastest) do
        if f.u == user then hit = true else kept[#kept + 1] = f end
      end
    end
    if hit then
      r.fastest = kept
      results[#results + 1] = { k, cjson.encode(r) }
    end
  end
end

-- Writes.
for _, k in ipairs(answers) do redis.call('HDEL', k, user) end
for _, k in ipairs(entries) do redis.call('ZREM', k, user) end
redis.call('HDEL', KEYS[1], user)
redis.call('HDEL', KEYS[2], user)
redis.call('ZREM', KEYS[3], user)
for _, w in ipairs(results) do redis.call('HSET', w[1], 'res', w[2]) end
return { #answers, #entries, points }
