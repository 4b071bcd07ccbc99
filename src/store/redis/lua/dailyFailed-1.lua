-- dailyFailed: records a failed post attempt of a claimed round, so the claim is never stuck.
-- KEYS[1] claim string  <p>:{t:..}:claim:<roundId>
-- ARGV[1] owner
-- ARGV[2] attempt (from dailyClaim)
-- ARGV[3] '1' when final (claim becomes failed|n), '0' to allow a retry (retry|n)
-- ARGV[4] keep in ms (unused now: the claim keeps its expiry and TTL; kept for callers)
-- Returns 'ok', or 'lost' when the claim is no longer this owner's attempt (nothing written).

local prefix = 'run|' .. ARGV[1] .. '|' .. ARGV[2] .. '|'
local current = redis.call('GET', KEYS[1])
if not current or string.sub(current, 1, #prefix) ~= prefix then return 'lost' end
local state = ARGV[3] == '1' and 'failed|' or 'retry|'
-- The claim keeps its expiry (the caller's clock, `#<ms>`) and its TTL.
local exp = string.match(current, '(#%d+)$') or ''
redis.call('SET', KEYS[1], state .. ARGV[2] .. exp, 'KEEPTTL')
return 'ok'
