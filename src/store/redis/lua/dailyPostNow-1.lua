-- dailyPostNow: one admin post-now per channel per window, so a double click, or one command
-- delivered to each of two replicas, posts once. Times are the caller's clock (as in every
-- daily script), the TTL only forgets the mark.
-- KEYS[1] mark string   <p>:{t:..}:pnow:<channel>   ms of the last accepted post-now
-- ARGV[1] now in ms
-- ARGV[2] window in ms
-- ARGV[3] 'release' to take back the mark made at ARGV[1] (nothing was posted), if still ours;
--         absent to make the mark
-- Returns 1 when this command may post, 0 when another was accepted within the window
-- (release: 1 when the mark was removed, 0 when it was not ours).

local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
if not now or not window or window <= 0 then return redis.error_reply('ERR dailyPostNow: bad arguments') end
local last = tonumber(redis.call('GET', KEYS[1]) or '')
if ARGV[3] == 'release' then
  if last ~= now then return 0 end
  redis.call('DEL', KEYS[1])
  return 1
end
-- Either side of the mark: replicas' clocks differ by a little, in both directions.
if last and math.abs(now - last) < window then return 0 end
redis.call('SET', KEYS[1], string.format('%.0f', now), 'PX', string.format('%.0f', window))
return 1
