-- dailyRenew: extends the lease of a claim while its holder's post is in flight, so no other
-- process takes the round over from a live holder. A lease that has run out is lost, even before
-- anyone took over: its holder stops (a lapsed holder never assumes it still holds the round).
-- KEYS[1] claim string  <p>:{t:..}:claim:<roundId>  run|<owner>|<generation>|<lease until ms>[#<expiry ms>]
-- ARGV[1] generation (from dailyClaim): the fencing token
-- ARGV[2] now in ms (the caller's clock)
-- ARGV[3] new lease end in ms
-- Returns 'ok', or 'lost' when the claim is not held by this generation with a running lease
-- (nothing written). The claim keeps its expiry (`#<ms>`, the caller's clock) and its TTL.

local now, untilMs = tonumber(ARGV[2]), tonumber(ARGV[3])
if not tonumber(ARGV[1]) or not now or not untilMs then return redis.error_reply('ERR dailyRenew: bad arguments') end
local current = redis.call('GET', KEYS[1]) or ''
local exp = string.match(current, '(#%d+)$') or ''
local body = string.sub(current, 1, #current - #exp)
local owner, generation, leaseEnd = string.match(body, '^run|(.*)|(%d+)|(%d+)$')
if generation ~= ARGV[1] or tonumber(leaseEnd) <= now then return 'lost' end
redis.call('SET', KEYS[1], 'run|' .. owner .. '|' .. generation .. '|' .. string.format('%.0f', untilMs) .. exp, 'KEEPTTL')
return 'ok'
