-- dailyClose: closes a round and awards points and streaks, once; closing again awards nothing.
-- KEYS[1] round hash    <p>:{t:..}:round:<roundId>
-- KEYS[2] answers hash  <p>:{t:..}:ans:<roundId>     userId -> <choice>:<ms>[:<requestId>]
-- KEYS[3] streak hash   <p>:{t:..}:streak            userId -> <count>|<last date>|<best>
-- KEYS[4] names hash    <p>:{t:..}:names
-- KEYS[5] open zset     <p>:{t:..}:open              roundId scored by close ms
-- KEYS[6] week board    <p>:{t:..}:lb:w:<YYYY-Www>   userId -> points
-- KEYS[7] month board   <p>:{t:..}:lb:m:<YYYY-MM>
-- KEYS[8] all-time board <p>:{t:..}:lb:all
-- ARGV[1] now in ms
-- ARGV[2] keep in ms: lifetime of the closed round and its answers
-- ARGV[3] points for a correct answer
-- ARGV[4] speed bonus per place, comma-separated (`5,3,1`)
-- ARGV[5] how many fastest correct answerers to report
-- ARGV[6] round id (member of KEYS[5])
-- Correct answers are ranked by answer time, then user id. Every answerer (right or wrong) extends
-- a streak when their last counted date is the round's previous scheduled date (or later).
-- Returns { 'unknown' } | { 'closed' | 'already', result JSON, round fields and values... }.

local now, keep, points, fastestN = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[5])
if not now or not keep or not points or not fastestN or ARGV[6] == '' then
  return redis.error_reply('ERR dailyClose: bad arguments')
end
if redis.call('EXISTS', KEYS[1]) == 0 then return { 'unknown' } end
local r = redis.call('HMGET', KEYS[1], 'status', 'correct', 'date', 'prev', 'res')
if r[1] == 'closed' then
  return { 'already', r[5] or '{}', unpack(redis.call('HGETALL', KEYS[1])) }
end
local correct, date, prev = r[2], r[3], r[4] or ''

local bonus = {}
for b in string.gmatch(ARGV[4], '%d+') do bonus[#bonus + 1] = tonumber(b) end

local answers = redis.call('HGETALL', KEYS[2])
local users, right = {}, {}
for i = 1, #answers, 2 do
  local choice, at = string.match(answers[i + 1], '^(%d+):(%d+)')
  users[#users + 1] = answers[i]
  if choice == correct then right[#right + 1] = { answers[i], tonumber(at), at } end
end
table.sort(right, function(a, b)
  if a[2] ~= b[2] then return a[2] < b[2] end
  return a[1] < b[1]
end)

local fastest = {}
for i, e in ipairs(right) do
  local earned = points + (bonus[i] or 0)
  for k = 6, 8 do redis.call('ZINCRBY', KEYS[k], earned, e[1]) end
  if i <= fastestN then fastest[#fastest + 1] = { e[1], e[3], earned } end
end

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
      redis.call('HSET', KEYS[3], user, count .. '|' .. date .. '|' .. best)
    end
  end
end

local winners = {}
if #fastest > 0 then
  local ids = {}
  for i, f in ipairs(fastest) do ids[i] = f[1] end
  local names = redis.call('HMGET', KEYS[4], unpack(ids))
  for i, f in ipairs(fastest) do
    winners[i] = { u = f[1], t = f[2], p = f[3], n = names[i] or '' }
  end
end
local res = cjson.encode({ answered = #users, right = #right, fastest = winners })

redis.call('HSET', KEYS[1], 'status', 'closed', 'res', res, 'closed', ARGV[1])
redis.call('PEXPIRE', KEYS[1], keep)
redis.call('PEXPIRE', KEYS[2], keep)
redis.call('ZREM', KEYS[5], ARGV[6])
return { 'closed', res, unpack(redis.call('HGETALL', KEYS[1])) }
