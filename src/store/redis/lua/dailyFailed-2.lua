-- dailyFailed: records a failed post attempt of a claimed round, so the claim is never stuck. The
-- outcome may be uncertain (a timeout after sending): the next claim gets the same round, and the
-- platform post is idempotent (Discord nonce; Slack metadata looked up first). A rate-limited
-- attempt (a 429: nothing was sent) is not a failure: it is counted in the round's `free` field,
-- which dailyClaim subtracts from the generation, so it does not use up the attempts.
-- KEYS[1] claim string  <p>:{t:..}:claim:<roundId>   run|<owner>|<generation>|<until>[#<expiry ms>]
-- KEYS[2] round hash    <p>:{t:..}:round:<roundId>   field free: rate-limited attempts so far
-- ARGV[1] generation (from dailyClaim): the fencing token
-- ARGV[2] '1' when final (claim becomes failed|n), '0' to allow a retry (retry|n)
-- ARGV[3] keep in ms (unused: the claim keeps its expiry and TTL; kept for callers)
-- ARGV[4] '1' when the attempt was rate limited (never final; not counted), '0' or absent otherwise
-- Returns 'ok', or 'lost' when the claim is no longer held by this generation (nothing written).

-- @include claim-owner

local limitedArg = ARGV[4] or '0'
if not tonumber(ARGV[1]) or (ARGV[2] ~= '0' and ARGV[2] ~= '1') or (limitedArg ~= '0' and limitedArg ~= '1') then
  return redis.error_reply('ERR dailyFailed: bad arguments')
end
local claim = readClaim(KEYS[1])
if claim.generation ~= ARGV[1] then return 'lost' end
local limited = limitedArg == '1'
if limited and redis.call('EXISTS', KEYS[2]) == 1 then redis.call('HINCRBY', KEYS[2], 'free', 1) end
local state = 'retry|' .. ARGV[1]
if ARGV[2] == '1' and not limited then
  -- Attempts that count: the generation less the rate-limited ones.
  local free = tonumber(redis.call('HGET', KEYS[2], 'free') or '0') or 0
  state = 'failed|' .. math.max(0, tonumber(ARGV[1]) - free)
end
-- The claim keeps its expiry (the caller's clock, `#<ms>`) and its TTL.
redis.call('SET', KEYS[1], state .. claim.exp, 'KEEPTTL')
return 'ok'
