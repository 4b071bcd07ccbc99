-- dailyAnswer: a user's first answer to an open round wins; one round trip. The answer keeps the
-- request id of the platform event, so the same event delivered twice (another replica, a Slack
-- re-send) finds its own answer and is accepted again, with the recorded choice and time.
-- KEYS[1] round hash    <p>:{t:..}:round:<roundId>
-- KEYS[2] answers hash  <p>:{t:..}:ans:<roundId>   userId -> <choice>:<ms>[:<requestId>]
-- KEYS[3] names hash    <p>:{t:..}:names           userId -> display name
-- ARGV[1] user id
-- ARGV[2] choice (display index)
-- ARGV[3] now in ms
-- ARGV[4] display name ('' = keep the stored one)
-- ARGV[5] request id ('' or absent = none; may contain ':')
-- ARGV[6] message id of the clicked post ('' or absent = not checked)
-- ARGV[7] names keep in ms ('' or absent = none): TTL of KEYS[3], renewed with each name written, so
--         the names of a team that stops go after this long even if no close sweeps them
-- Returns { 'unknown' } | { 'mismatch' } | { 'closed' } | { 'bad_choice' }
--       | { 'accepted', '<choice>:<ms>[:<requestId>]' written now, round values... }
--       | { 'repeat', the stored answer with this request id, round values... }
--       | { 'already', the stored first answer, round values... }.
-- The round values are those of ROUND_READ_FIELDS (store/team-codec.ts), in its order, false (null to
-- the client) where unset: what the answer's view reads, without the field names (half the reply of
-- an HGETALL).
-- A repeat is recognised before the closed check: a re-send that arrives after the close still
-- gets the answer the first delivery got. A round recorded as posted under another message than the
-- clicked one is a 'mismatch' (an edited action id): nothing is written.

local user, choice, now, req, msg = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[5] or '', ARGV[6] or ''
if user == '' or not now then return redis.error_reply('ERR dailyAnswer: bad arguments') end

local function round()
  return redis.call('HMGET', KEYS[1], 'id', 'ch', 'date', 'deck', 'card', 'form', 'order', 'correct',
    'opens', 'closes', 'prev', 'status', 'msg', 'mch', 'rv')
end

local r = redis.call('HMGET', KEYS[1], 'status', 'closes', 'order', 'exp', 'msg')
-- Gone, or past its lifetime by the caller's clock (the TTL is the backstop).
if not r[1] or (r[4] and tonumber(r[4]) <= now) then return { 'unknown' } end
if msg ~= '' and r[5] and r[5] ~= msg then return { 'mismatch' } end
local first = redis.call('HGET', KEYS[2], user)
if first and req ~= '' and string.match(first, '^%d+:%d+:(.*)$') == req then
  return { 'repeat', first, unpack(round()) }
end
if r[1] ~= 'open' or now >= tonumber(r[2]) then return { 'closed' } end
local n = 1
for _ in string.gmatch(r[3], ',') do n = n + 1 end
if not choice or choice < 0 or choice >= n or choice % 1 ~= 0 then return { 'bad_choice' } end
if first then return { 'already', first, unpack(round()) } end

local value = string.format('%d:%.0f', choice, now)
if req ~= '' then value = value .. ':' .. req end
redis.call('HSET', KEYS[2], user, value)
-- Answers live exactly as long as their round.
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
if ARGV[4] ~= '' then
  redis.call('HSET', KEYS[3], user, ARGV[4])
  local keepNames = tonumber(ARGV[7] or '')
  if keepNames and keepNames > 0 then redis.call('PEXPIRE', KEYS[3], keepNames) end
end
return { 'accepted', value, unpack(round()) }
