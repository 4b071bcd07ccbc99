-- lbRead: one leaderboard page in one round trip (read only).
-- KEYS[1] board zset    <p>:{t:..}:lb:<board>   userId -> points
-- KEYS[2] names hash    <p>:{t:..}:names
-- ARGV[1] caller's user id
-- ARGV[2] how many top entries
-- Ranks are competition ranks (equal points share a rank: 1, 2, 2, 4); equal points are listed in
-- Redis' order, user id descending.
-- Returns { total, caller points or false, caller rank (0 = none), caller name or false,
--           then per top entry: user id, points, rank, name or false }.

local n = tonumber(ARGV[2])
if not n or n < 1 then return redis.error_reply('ERR lbRead: bad arguments') end
local top = redis.call('ZREVRANGE', KEYS[1], 0, n - 1, 'WITHSCORES')
local ids = {}
for i = 1, #top, 2 do ids[#ids + 1] = top[i] end
ids[#ids + 1] = ARGV[1]
-- Names in slices: Lua cannot unpack more than a few thousand values at once.
local names = {}
for from = 1, #ids, 1000 do
  local part = redis.call('HMGET', KEYS[2], unpack(ids, from, math.min(from + 999, #ids)))
  for i, v in ipairs(part) do names[from + i - 1] = v end
end

local mine = redis.call('ZSCORE', KEYS[1], ARGV[1])
local myRank = 0
if mine then myRank = redis.call('ZCOUNT', KEYS[1], '(' .. mine, '+inf') + 1 end
local out = { redis.call('ZCARD', KEYS[1]), mine or false, myRank, names[#names] or false }

local rank, last = 0, nil
for i = 1, #top, 2 do
  local pos = (i + 1) / 2
  if top[i + 1] ~= last then
    rank = pos
    last = top[i + 1]
  end
  out[#out + 1] = top[i]
  out[#out + 1] = top[i + 1]
  out[#out + 1] = rank
  out[#out + 1] = names[pos] or false
end
return out
