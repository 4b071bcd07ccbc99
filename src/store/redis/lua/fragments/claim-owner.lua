-- claim-owner (fragment): spliced where a script says `-- @include claim-owner`, by scripts.ts at
-- load. The one reading of a claim string <p>:{t:..}:claim:<roundId>, whose values are
-- run|<owner>|<generation>|<lease until ms>, retry|<attempts>, posted or failed|<attempts>, each
-- followed by #<expiry ms> by the caller's clock (a value without it, as older versions wrote,
-- never expires early). readClaim(key) returns { value (nil when the key is missing), body (the
-- value without its expiry), exp ('#<ms>' or ''), expMs, and, for a running claim only, owner,
-- generation and leaseEnd (strings) }. A holder's write is fenced by `claim.generation == ARGV`.
local function readClaim(key)
  local value = redis.call('GET', key)
  local current = value or ''
  local exp = string.match(current, '(#%d+)$') or ''
  local body = string.sub(current, 1, #current - #exp)
  local owner, generation, leaseEnd = string.match(body, '^run|(.*)|(%d+)|(%d+)$')
  return {
    value = value, body = body, exp = exp, expMs = tonumber(string.sub(exp, 2)),
    owner = owner, generation = generation, leaseEnd = leaseEnd,
  }
end
