-- dailyRenew: extends the lease of a claim while its holder's post is in flight, so no other
-- process takes the round over from a live holder.
-- KEYS[1] claim string  <p>:{t:..}:claim:<roundId>  run|<owner>|<generation>|<lease until ms>[#<expiry ms>]
-- ARGV[1] generation (from dailyClaim): the fencing token
-- ARGV[2] new lease end in ms
-- Returns 'ok', or 'lost' when the claim is no longer held by this generation (nothing written).
-- The claim keeps its expiry (`#<ms>`, the caller's clock) and its TTL.

local untilMs = tonumber(ARGV[2])
if not tonumber(ARGV[1]) or not untilMs then return redis.error_reply('ERR dailyRenew: bad arguments') end
local current = redis.call('GET', KEYS[1]) or ''
local exp = string.match(current, '(#%d+)$') or ''
local body = string.sub(current, 1, #current - #exp)
local owner, generation = string.match(body, '^run|(.*)|(%d+)|%d+$')
if generation ~= ARGV[1] then return 'lost' end
redis.call('SET', KEYS[1], 'run|' .. owner .. '|' .. generation .. '|' .. string.format('%.0f', untilMs) .. exp, 'KEEPTTL')
return 'ok'
