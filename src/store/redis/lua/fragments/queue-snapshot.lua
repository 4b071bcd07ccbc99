-- queue-snapshot (fragment): spliced where a script says `-- @include queue-snapshot`, by scripts.ts
-- at load. The one reading of a user's deck queue, shared by queue-3.lua and grade-6.lua (which
-- reads the next card after its write, so a grade click's second round trip is one script).
-- queueSnapshot(cards, due, deckDays, now, endOfDay, day, n, lean) returns { oldest due card key or
-- false, due now, due before endOfDay (exclusive), earliest due score as a string or false (the
-- oldest due card's score when there is one), new cards on `day`, cards known, stored state of the
-- oldest due card or false, the n oldest due keys }. With `lean` and a card due, "due before
-- endOfDay" and "cards known" are false (not read): only /stats shows them, and a grade click that
-- finds a card due shows that card.
local function queueSnapshot(cards, due, deckDays, now, endOfDay, day, n, lean)
  local dueIds = redis.call('ZRANGEBYSCORE', due, '-inf', now, 'LIMIT', 0, n)
  local oldest = dueIds[1] or false
  -- Fewer than n due: they are all of them, and no ZCOUNT is needed.
  local dueNow = #dueIds
  if dueNow >= n then dueNow = redis.call('ZCOUNT', due, '-inf', now) end
  local first = redis.call('ZRANGE', due, 0, 0, 'WITHSCORES')
  local nextDue = first[2] or false
  local newToday = tonumber(redis.call('HGET', deckDays, 'n:' .. day) or '0')
  local dueToday, known, dueState = false, false, false
  if not (lean and oldest) then
    dueToday = redis.call('ZCOUNT', due, '-inf', '(' .. endOfDay)
    known = redis.call('HLEN', cards)
  end
  if oldest then dueState = redis.call('HGET', cards, oldest) end
  return { oldest, dueNow, dueToday, nextDue, newToday, known, dueState, dueIds }
end
