-- dailyAnswer: a user's first answer to an open round wins; one round trip.
-- KEYS[1] round hash    <p>:{t:..}:round:<roundId>
-- KEYS[2] answers hash  <p>:{t:..}:ans:<roundId>   userId -> <choice>:<ms>
-- KEYS[3] names hash    <p>:{t:..}:names           userId -> display name
-- ARGV[1] user id
-- ARGV[2] choice (display index)
-- ARGV[3] now in ms
-- ARGV[4] display name ('' = keep the stored one)
-- Returns { 'unknown' } | { 'closed' } | { 'bad_choice' }
--       | { 'accepted', '', round fields and values... }
--       | { 'already', '<choice>:<ms>' of the first answer, round fields and values... }.

local user, choice, now = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
if user == '' or not now then return redis.error_reply('ERR dailyAnswer: bad arguments') end

local r = redis.call('HMGET', KEYS[1], 'status', 'closes', 'order')
if not r[1] then return { 'unknown' } end
if r[1] ~= 'open' or now >= tonumber(r[2]) then return { 'closed' } end
local n = 1
for _ in string.gmatch(r[3], ',') do n = n + 1 end
if not choice or choice < 0 or choice >= n or choice % 1 ~= 0 then return { 'bad_choice' } end

if redis.call('HSETNX', KEYS[2], user, string.format('%d:%.0f', choice, now)) == 0 then
  local first = redis.call('HGET', KEYS[2], user)
  return { 'already', first, unpack(redis.call('HGETALL', KEYS[1])) }
end
-- Answers live exactly as long as their round.
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
if ARGV[4] ~= '' then redis.call('HSET', KEYS[3], user, ARGV[4]) end
return { 'accepted', '', unpack(redis.call('HGETALL', KEYS[1])) }
