-- dailyFailed: records a failed post attempt of a claimed round, so the claim is never stuck. The
-- outcome may be uncertain (a timeout after sending): the next claim gets the same round, and the
-- platform post is idempotent (Discord nonce; Slack metadata looked up first).
-- KEYS[1] claim string  <p>:{t:..}:claim:<roundId>   run|<owner>|<generation>|<until>[#<expiry ms>]
-- ARGV[1] generation (from dailyClaim): the fencing token
-- ARGV[2] '1' when final (claim becomes failed|n), '0' to allow a retry (retry|n)
-- ARGV[3] keep in ms (unused: the claim keeps its expiry and TTL; kept for callers)
-- Returns 'ok', or 'lost' when the claim is no longer held by this generation (nothing written).

-- @include claim-owner

if not tonumber(ARGV[1]) or (ARGV[2] ~= '0' and ARGV[2] ~= '1') then
  return redis.error_reply('ERR dailyFailed: bad arguments')
end
local claim = readClaim(KEYS[1])
if claim.generation ~= ARGV[1] then return 'lost' end
local state = ARGV[2] == '1' and 'failed|' or 'retry|'
-- The claim keeps its expiry (the caller's clock, `#<ms>`) and its TTL.
redis.call('SET', KEYS[1], state .. ARGV[1] .. claim.exp, 'KEEPTTL')
return 'ok'
