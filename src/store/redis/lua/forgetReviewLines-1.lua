-- forgetReviewLines: removes one user's lines from a team's review log (the FSRS fitting data),
-- keeping the order and the expiry of the rest. Idempotent.
-- KEYS[1] review log list <p>:{t:..}:revlog   lines `<t36> <deck> <user> <card> <reps> <rating>`, newest first
-- ARGV[1] the user id as a line spells it (percent-encoded, see engine/fsrs/log.ts)
-- Returns the number of lines removed.

local user = ARGV[1]
if not user or user == '' then return redis.error_reply('ERR forgetReviewLines: bad arguments') end
local kept, removed = {}, 0
for _, line in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  if string.match(line, '^%S+ %S+ (%S+) ') == user then removed = removed + 1 else kept[#kept + 1] = line end
end
if removed == 0 then return 0 end
local ttl = redis.call('PTTL', KEYS[1])
redis.call('DEL', KEYS[1])
-- In chunks: never unpack an unbounded list.
for i = 1, #kept, 1000 do
  redis.call('RPUSH', KEYS[1], unpack(kept, i, math.min(i + 999, #kept)))
end
if ttl > 0 and #kept > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
return removed
