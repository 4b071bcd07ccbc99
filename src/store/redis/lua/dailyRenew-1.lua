-- dailyRenew: extends the lease of a claim while its holder's post is in flight, so no other
-- process takes the round over from a live holder. A lease that has run out is lost, even before
-- anyone took over: its holder stops (a lapsed holder never assumes it still holds the round).
-- KEYS[1] claim string  <p>:{t:..}:claim:<roundId>  run|<owner>|<generation>|<lease until ms>[#<expiry ms>]
-- ARGV[1] generation (from dailyClaim): the fencing token
-- ARGV[2] now in ms (the caller's clock)
-- ARGV[3] new lease end in ms
-- Returns 'ok', or 'lost' when the claim is not held by this generation with a running lease
-- (nothing written). The claim keeps its expiry (`#<ms>`, the caller's clock) and its TTL.

-- @include claim-owner

local now, untilMs = tonumber(ARGV[2]), tonumber(ARGV[3])
if not tonumber(ARGV[1]) or not now or not untilMs then return redis.error_reply('ERR dailyRenew: bad arguments') end
local claim = readClaim(KEYS[1])
if claim.generation ~= ARGV[1] or tonumber(claim.leaseEnd) <= now then return 'lost' end
local lease = string.format('%.0f', untilMs)
redis.call('SET', KEYS[1], 'run|' .. claim.owner .. '|' .. claim.generation .. '|' .. lease .. claim.exp, 'KEEPTTL')
return 'ok'
