-- dailyClose: applies one chunk of a close plan; the last chunk closes the round. Awards each point
-- and streak once, however often or by whom it is called (see close.ts for the plan).
-- KEYS[1] round hash    <p>:{t:..}:round:<roundId>   status open|closing|closed, cur = next chunk start
-- KEYS[2] answers hash  <p>:{t:..}:ans:<roundId>     userId -> <choice>:<ms>[:<requestId>]
-- KEYS[3] streak hash   <p>:{t:..}:streak            userId -> <count>|<last date>|<best>
-- KEYS[4] names hash    <p>:{t:..}:names
-- KEYS[5] open zset     <p>:{t:..}:open              roundId scored by close ms
-- KEYS[6] week board    <p>:{t:..}:lb:w:<YYYY-Www>   userId -> points
-- KEYS[7] month board   <p>:{t:..}:lb:m:<YYYY-MM>
-- KEYS[8] all-time board <p>:{t:..}:lb:all
-- KEYS[9] gc zset       <p>:{t:..}:gc                key suffix -> when it may be deleted (caller's ms)
-- KEYS[10] seen zset     <p>:{t:..}:seen              userId -> last close they answered in (caller's ms)
-- ARGV[1] now in ms (the caller's clock)
-- ARGV[2] keep in ms: lifetime of the closed round, its answers and its claim
-- ARGV[3] round id (member of KEYS[5])
-- ARGV[4] number of answers the plan was made from (HLEN of KEYS[2] when planned)
-- ARGV[5] start of this chunk in the plan (0 = first)
-- ARGV[6] result JSON { answered, right, fastest = [{ u, t, p }], picks = [count per choice] }
--         (names are added here)
-- ARGV[7] week board keep in ms after now
-- ARGV[8] month board keep in ms after now
-- ARGV[9] gc members, '\n'-separated: the week board, the month board, the round, its answers, its
--         claim (key suffixes after the hash tag, e.g. `lb:w:2024-W13`, `round:<id>`)
-- ARGV[10] member data keep in ms: TTL of KEYS[3], [4], [9] and [10], renewed on every chunk, so a
--          team that stops (no close, so no sweep, ever again) loses them after this long too
-- ARGV[11..] the chunk: userId, points pairs (0 points = a wrong answer: streak only)
-- Returns { 'unknown' } | { 'stale' } (answers changed since the plan: plan again)
--       | { 'moved', cur } (another caller applied this chunk: continue from cur)
--       | { 'more', next } | { 'closed' | 'already', result JSON, round fields and values... }.
-- Everything is read and checked before the first write (Redis does not roll a script back), and
-- no list longer than one chunk is ever unpacked.

local now, keep, roundId = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local total, start = tonumber(ARGV[4]), tonumber(ARGV[5])
local keepW, keepM = tonumber(ARGV[7]), tonumber(ARGV[8])
local keepData = tonumber(ARGV[10])
if not now or not keep or roundId == '' or not total or not start or not keepW or not keepM
  or not keepData or keepData <= 0 or #ARGV % 2 ~= 0 then
  return redis.error_reply('ERR dailyClose: bad arguments')
end

local r = redis.call('HMGET', KEYS[1], 'status', 'date', 'prev', 'res', 'cur', 'exp')
-- Gone, or past its lifetime by the caller's clock (the TTL is only a backstop).
if not r[1] or (r[6] and tonumber(r[6]) <= now) then
  redis.call('ZREM', KEYS[5], roundId)
  return { 'unknown' }
end
if r[1] == 'closed' then
  -- A post recorded late by an older version may have listed it again.
  redis.call('ZREM', KEYS[5], roundId)
  return { 'already', r[4] or '{}', unpack(redis.call('HGETALL', KEYS[1])) }
end
local cur = tonumber(r[5] or '0')
if cur ~= start then return { 'moved', tostring(cur) } end
if redis.call('HLEN', KEYS[2]) ~= total then return { 'stale' } end
for k = 3, 10 do
  local t = redis.call('TYPE', KEYS[k])['ok']
  local want = (k == 3 or k == 4) and 'hash' or 'zset'
  if t ~= 'none' and t ~= want then
    return redis.error_reply('ERR dailyClose: ' .. KEYS[k] .. ' holds a ' .. t)
  end
end
local date, prev = r[2] or '', r[3] or ''

local users, earned = {}, {}
for i = 11, #ARGV, 2 do
  users[#users + 1] = ARGV[i]
  local p = tonumber(ARGV[i + 1])
  if not p then return redis.error_reply('ERR dailyClose: bad points') end
  earned[#earned + 1] = p
end
local nextStart = start + #users
if nextStart > total then return redis.error_reply('ERR dailyClose: chunk past the plan') end

-- Streaks of the chunk, computed in full before any write.
local streakWrites = {}
if #users > 0 then
  local streaks = redis.call('HMGET', KEYS[3], unpack(users))
  for i, user in ipairs(users) do
    local count, last, best = 0, '', 0
    if streaks[i] then
      local c, l, b = string.match(streaks[i], '^(%d+)|([^|]*)|(%d+)$')
      count, last, best = tonumber(c) or 0, l or '', tonumber(b) or 0
    end
    -- Already counted on this date (another channel) or a later one (an out-of-order close).
    if last < date then
      if last ~= '' and prev ~= '' and last >= prev then count = count + 1 else count = 1 end
      if count > best then best = count end
      streakWrites[#streakWrites + 1] = user
      streakWrites[#streakWrites + 1] = count .. '|' .. date .. '|' .. best
    end
  end
end

local final = nextStart == total
local res, fields
if final then
  local plan = cjson.decode(ARGV[6])
  local fastest = plan.fastest or {}
  if #fastest > 0 then
    local ids = {}
    for i, f in ipairs(fastest) do ids[i] = f.u end
    local names = redis.call('HMGET', KEYS[4], unpack(ids))
    for i, f in ipairs(fastest) do f.n = names[i] or '' end
  end
  res = cjson.encode({ answered = plan.answered, right = plan.right, fastest = fastest, picks = plan.picks })
end

-- Writes.
for i, user in ipairs(users) do
  if earned[i] > 0 then
    for k = 6, 8 do redis.call('ZINCRBY', KEYS[k], earned[i], user) end
  end
end
if #streakWrites > 0 then redis.call('HSET', KEYS[3], unpack(streakWrites)) end
-- Last seen, for forgetting the names and streaks of members who left (retention).
if #users > 0 then
  local seen = {}
  for _, user in ipairs(users) do
    seen[#seen + 1] = now
    seen[#seen + 1] = user
  end
  redis.call('ZADD', KEYS[10], unpack(seen))
end
local gc = {}
for m in string.gmatch(ARGV[9], '[^\n]+') do gc[#gc + 1] = m end
if #users > 0 then
  -- Old periods go by the caller's clock (gc); their TTL is the backstop for a team that stops.
  local boardKeep = { keepW, keepM }
  for k = 1, 2 do
    if gc[k] and boardKeep[k] > 0 and redis.call('EXISTS', KEYS[5 + k]) == 1 then
      redis.call('PEXPIRE', KEYS[5 + k], boardKeep[k])
      redis.call('ZADD', KEYS[9], 'GT', now + boardKeep[k], gc[k])
    end
  end
end
-- A plain PEXPIRE (not GT: GT never sets a TTL on a key without one): the length is constant, so
-- each write only moves the expiry later.
for _, k in ipairs({ 3, 4, 9, 10 }) do
  if redis.call('EXISTS', KEYS[k]) == 1 then redis.call('PEXPIRE', KEYS[k], keepData) end
end
if not final then
  redis.call('HSET', KEYS[1], 'status', 'closing', 'cur', nextStart)
  return { 'more', tostring(nextStart) }
end

local expAt = string.format('%.0f', now + keep)
redis.call('HSET', KEYS[1], 'status', 'closed', 'res', res, 'closed', ARGV[1], 'exp', expAt)
redis.call('HDEL', KEYS[1], 'cur')
redis.call('PEXPIRE', KEYS[1], keep)
redis.call('PEXPIRE', KEYS[2], keep)
redis.call('ZREM', KEYS[5], roundId)
for k = 3, 5 do
  if gc[k] then redis.call('ZADD', KEYS[9], expAt, gc[k]) end
end
return { 'closed', res, unpack(redis.call('HGETALL', KEYS[1])) }
