-- dailyClaim: claims one daily round for posting, exactly once per round id. The first claim
-- writes the round; every later claim (a retry, or a takeover after a lapsed lease) gets the
-- stored round back unchanged: a post that may have landed is never re-picked, and its answers
-- stay. Each claim takes the next generation, the fencing token of every write of its holder
-- (dailyRenew, dailyPosted, dailyFailed refuse any other generation).
-- KEYS[1] claim string  <p>:{t:..}:claim:<roundId>  run|<owner>|<generation>|<lease until ms>,
--                       retry|<attempts>, posted, failed|<attempts>; each followed by #<expiry ms>
--                       by the caller's clock (a value without it, as older versions wrote, never
--                       expires early; its TTL still applies)
-- KEYS[2] round hash    <p>:{t:..}:round:<roundId>   field exp: expiry ms by the caller's clock;
--                       field free: rate-limited attempts (dailyFailed), not counted as attempts
-- KEYS[3] answers hash  <p>:{t:..}:ans:<roundId>     deleted only with a round past its expiry
-- ARGV[1] owner (one id per process, no '|'; for diagnostics, not for fencing)
-- ARGV[2] now in ms
-- ARGV[3] lease in ms: how long a post in progress keeps others out (renewed by dailyRenew)
-- ARGV[4] max attempts: a claim taken after that many counted attempts (rate limits not counted)
--         becomes failed instead
-- ARGV[5] keep in ms: lifetime of the claim, and of the round after its close time (relative to ARGV[2])
-- ARGV[6] close time of the round in ms
-- ARGV[7..] round hash fields and values, in pairs (written by the first claim only)
-- Returns { 'claimed', generation, counted attempt, round fields and values... } | { 'busy', lease until }
--       | { 'posted', '0' } | { 'failed', attempts }.

-- @include claim-owner

local owner = ARGV[1]
local now, lease, maxAttempts = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local keep, closes = tonumber(ARGV[5]), tonumber(ARGV[6])
if owner == '' or string.find(owner, '|', 1, true) or not now or not lease or not maxAttempts
  or not keep or not closes or #ARGV < 8 or #ARGV % 2 ~= 0 then
  return redis.error_reply('ERR dailyClaim: bad arguments')
end

local attempt = 1
local claim = readClaim(KEYS[1])
-- Expiry by the caller's clock, as the embedded store does; the TTL is the backstop.
if claim.value and (not claim.expMs or claim.expMs > now) then
  local current = claim.body
  local retry = string.match(current, '^retry|(%d+)$')
  if claim.generation then
    -- A lease that ran out means its holder died or stalled mid-post: that counts as an attempt.
    if tonumber(claim.leaseEnd) > now then return { 'busy', claim.leaseEnd } end
    attempt = tonumber(claim.generation) + 1
  elseif retry then
    attempt = tonumber(retry) + 1
  elseif current == 'posted' then
    return { 'posted', '0' }
  else
    return { 'failed', string.match(current, '^failed|(%d+)$') or '0' }
  end
end

local stored = redis.call('HMGET', KEYS[2], 'msg', 'status', 'exp', 'free')
if stored[3] and tonumber(stored[3]) <= now then
  -- Past its lifetime (the TTL is the backstop): forgotten, as if never claimed.
  redis.call('DEL', KEYS[2], KEYS[3])
  stored = {}
end
-- A round already posted or closed or closing (its claim expired first) is never posted again.
if stored[1] or stored[2] == 'closed' or stored[2] == 'closing' then return { 'posted', '0' } end

local expSuffix = '#' .. string.format('%.0f', now + keep)
-- The generation numbers every claim; the attempts that count leave out the rate-limited ones.
local counted = attempt - (tonumber(stored[4] or '0') or 0)
if counted > maxAttempts then
  redis.call('SET', KEYS[1], 'failed|' .. (counted - 1) .. expSuffix, 'PX', keep)
  return { 'failed', tostring(counted - 1) }
end

if redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('HSET', KEYS[2], unpack(ARGV, 7, #ARGV))
  -- The round lives until `keep` after its close, by the caller's clock (field `exp`, read by the
  -- answer and close scripts); the TTL of the same length is the backstop.
  redis.call('HSET', KEYS[2], 'exp', string.format('%.0f', math.max(closes, now) + keep))
  redis.call('PEXPIRE', KEYS[2], string.format('%.0f', math.max(closes - now, 0) + keep))
end
redis.call('SET', KEYS[1], 'run|' .. owner .. '|' .. attempt .. '|' .. string.format('%.0f', now + lease) .. expSuffix, 'PX', keep)
return { 'claimed', tostring(attempt), tostring(counted), unpack(redis.call('HGETALL', KEYS[2])) }
