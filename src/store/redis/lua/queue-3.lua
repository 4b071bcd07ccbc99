-- queue: read-only snapshot of one user's deck, in one round trip (no writes).
-- KEYS[1] cards hash   <p>:{u:..}:cards:<deck>
-- KEYS[2] due zset     <p>:{u:..}:due:<deck>
-- KEYS[3] deck days    <p>:{u:..}:days:<deck>
-- ARGV[1] now in ms
-- ARGV[2] end of the local day in ms (exclusive)
-- ARGV[3] local day YYYY-MM-DD
-- ARGV[4] how many oldest due ids to return
-- Returns { oldest due card id or false, due now, due before end of day,
--           earliest due score as a string or false, new cards today, cards known,
--           packed state of the oldest due card or false, the oldest due ids (up to ARGV[4]) }.
local dueIds = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[4]))
local oldest = dueIds[1] or false
local dueNow = redis.call('ZCOUNT', KEYS[2], '-inf', ARGV[1])
local dueToday = redis.call('ZCOUNT', KEYS[2], '-inf', '(' .. ARGV[2])
local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
local nextDue = first[2] or false
local newToday = tonumber(redis.call('HGET', KEYS[3], 'n:' .. ARGV[3]) or '0')
local known = redis.call('HLEN', KEYS[1])
local dueState = false
if oldest then dueState = redis.call('HGET', KEYS[1], oldest) end
return { oldest, dueNow, dueToday, nextDue, newToday, known, dueState, dueIds }
