-- fsrsLease: an owned, expiring lease: the one FSRS fit lease of the store (at most one fit at a
-- time across processes), also a Slack installation's token-refresh lock (one refresh at a time).
-- KEYS[1] lease string   <p>:fsrs:lease or <p>:{i:slack:<kind>:<id>}:lock   owner id, with a PX expiry
-- ARGV[1] owner id
-- ARGV[2] 'take' (take it, or extend it when the owner already holds it) or 'drop' (give it up)
-- ARGV[3] ttl in ms (take only)
-- Returns 1 when the owner holds it (take) or dropped it (drop), else 0.

-- Validate before the first write: Redis does not roll a script back on error.
if not ARGV[1] or ARGV[1] == '' or (ARGV[2] ~= 'take' and ARGV[2] ~= 'drop') then
  return redis.error_reply('ERR fsrsLease: bad arguments')
end
local ttl = tonumber(ARGV[3])
if ARGV[2] == 'take' and (ttl == nil or ttl < 1) then return redis.error_reply('ERR fsrsLease: bad ttl') end
local holder = redis.call('GET', KEYS[1])
if ARGV[2] == 'drop' then
  if holder == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
  return 0
end
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
return 1
