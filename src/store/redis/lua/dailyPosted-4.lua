-- dailyPosted: records a successful post of a claimed round, atomically, in the team's slot.
-- KEYS[1] claim string  <p>:{t:..}:claim:<roundId>
-- KEYS[2] round hash    <p>:{t:..}:round:<roundId>
-- KEYS[3] asked set     <p>:{t:..}:asked:<channel>:<deck>   card ids of the current cycle
-- KEYS[4] open zset     <p>:{t:..}:open                     roundId scored by close ms
-- ARGV[1] owner
-- ARGV[2] attempt (from dailyClaim)
-- ARGV[3] round id
-- ARGV[4] message channel id
-- ARGV[5] message id
-- ARGV[6] card id
-- ARGV[7] '1' to start a new no-repeat cycle before adding the card
-- ARGV[8] keep in ms (claim lifetime)
-- Returns 'ok', or 'lost' when the claim is no longer this owner's attempt (nothing written).

local prefix = 'run|' .. ARGV[1] .. '|' .. ARGV[2] .. '|'
local current = redis.call('GET', KEYS[1])
if not current or string.sub(current, 1, #prefix) ~= prefix then return 'lost' end
local closes = redis.call('HGET', KEYS[2], 'closes')
if not closes then return 'lost' end

-- A posted claim lives as long as its round (or its own expiry, if later), by the caller's clock.
local claimExp = tonumber(string.match(current, '#(%d+)$') or '0')
local roundExp = tonumber(redis.call('HGET', KEYS[2], 'exp') or '0')
local ttl = math.max(redis.call('PTTL', KEYS[1]), redis.call('PTTL', KEYS[2]), tonumber(ARGV[8]) or 0)
local exp = math.max(claimExp, roundExp)
local value = 'posted'
if exp > 0 then value = value .. '#' .. string.format('%.0f', exp) end
redis.call('SET', KEYS[1], value, 'PX', ttl)
redis.call('HSET', KEYS[2], 'mch', ARGV[4], 'msg', ARGV[5])
if ARGV[7] == '1' then redis.call('DEL', KEYS[3]) end
redis.call('SADD', KEYS[3], ARGV[6])
redis.call('ZADD', KEYS[4], closes, ARGV[3])
return 'ok'
