-- queue-snapshot (fragment): spliced where a script says `-- @include queue-snapshot`, by scripts.ts
-- at load. The one reading of a user's deck queue, shared by queue-3.lua and grade-6.lua (which
-- reads the next card after its write, so a grade click's second round trip is one script).
-- queueSnapshot(cards, due, deckDays, now, endOfDay, day, n) returns { oldest due card key or false,
-- due now, due before endOfDay (exclusive), earliest due score as a string or false (the oldest due
-- card's score when there is one), new cards on `day`, cards known, stored state of the oldest due
-- card or false, the n oldest due keys }.
local function queueSnapshot(cards, due, deckDays, now, endOfDay, day, n)
  local dueIds = redis.call('ZRANGEBYSCORE', due, '-inf', now, 'LIMIT', 0, n)
  local oldest = dueIds[1] or false
  local dueNow = redis.call('ZCOUNT', due, '-inf', now)
  local dueToday = redis.call('ZCOUNT', due, '-inf', '(' .. endOfDay)
  local first = redis.call('ZRANGE', due, 0, 0, 'WITHSCORES')
  local nextDue = first[2] or false
  local newToday = tonumber(redis.call('HGET', deckDays, 'n:' .. day) or '0')
  local known = redis.call('HLEN', cards)
  local dueState = false
  if oldest then dueState = redis.call('HGET', cards, oldest) end
  return { oldest, dueNow, dueToday, nextDue, newToday, known, dueState, dueIds }
end
