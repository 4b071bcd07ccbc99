-- dailyPosted: records a successful post of a claimed round, atomically, in the team's slot.
-- KEYS[1] claim string  <p>:{t:..}:claim:<roundId>   run|<owner>|<generation>|<until>[#<expiry ms>]
-- KEYS[2] round hash    <p>:{t:..}:round:<roundId>
-- KEYS[3] asked set     <p>:{t:..}:asked:<channel>:<deck>   card ids of the current cycle
-- KEYS[4] open zset     <p>:{t:..}:open                     roundId scored by close ms
-- ARGV[1] generation (from dailyClaim): the fencing token
-- ARGV[2] round id
-- ARGV[3] message channel id
-- ARGV[4] message id
-- ARGV[5] '1' to start a new no-repeat cycle before adding the card, else '0'
-- ARGV[6] keep in ms (the least lifetime of the posted claim)
-- Returns 'ok'; 'late' when the round is no longer open (closed or closing while the post was in
-- flight): the message is recorded and its reveal re-armed, but the round is not listed open again;
-- or 'lost' when the claim is no longer held by this generation (nothing written).

-- @include claim-owner

if not tonumber(ARGV[1]) or ARGV[2] == '' or ARGV[4] == '' or (ARGV[5] ~= '0' and ARGV[5] ~= '1')
  or not tonumber(ARGV[6]) then
  return redis.error_reply('ERR dailyPosted: bad arguments')
end
local claim = readClaim(KEYS[1])
if claim.generation ~= ARGV[1] then return 'lost' end
local r = redis.call('HMGET', KEYS[2], 'closes', 'card', 'exp', 'status')
if not r[1] or not r[2] then return 'lost' end

-- A posted claim lives as long as its round (or its own expiry, if later), by the caller's clock,
-- so a round is never claimed again while it exists.
local exp = math.max(claim.expMs or 0, tonumber(r[3] or '0'))
local ttl = math.max(redis.call('PTTL', KEYS[1]), redis.call('PTTL', KEYS[2]), tonumber(ARGV[6]))
local value = 'posted'
if exp > 0 then value = value .. '#' .. string.format('%.0f', exp) end
redis.call('SET', KEYS[1], value, 'PX', ttl)
redis.call('HSET', KEYS[2], 'mch', ARGV[3], 'msg', ARGV[4])
if ARGV[5] == '1' then redis.call('DEL', KEYS[3]) end
redis.call('SADD', KEYS[3], r[2])
if r[4] and r[4] ~= 'open' then
  -- Its close ran without a message (and marked it revealed): the next close edits this one.
  redis.call('HDEL', KEYS[2], 'rv', 'rvf')
  return 'late'
end
redis.call('ZADD', KEYS[4], r[1], ARGV[2])
return 'ok'
