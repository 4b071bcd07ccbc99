-- teamLog: appends one line to a team's review log (the fit job's data), capped and kept alive.
-- KEYS[1] team review log  <p>:{t:..}:revlog  newest first (fsrs/log.ts teamReviewLine)
-- ARGV[1] the line
-- ARGV[2] lines kept (cap)
-- ARGV[3] idle lifetime in ms: the log goes this long after the team's last review
-- Returns the log's length after the append, before the trim.
-- One command for LPUSH, LTRIM and PEXPIRE: a grade in a team sends it beside its grade script,
-- and each command left out is a command object less on the hot path (bench/grade.ts).

local line, cap, idle = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
if line == nil or line == '' or cap == nil or cap < 1 or cap % 1 ~= 0 or idle == nil or idle < 1
  or idle % 1 ~= 0 then
  return redis.error_reply('ERR teamLog: bad arguments')
end
local n = redis.call('LPUSH', KEYS[1], line)
redis.call('LTRIM', KEYS[1], 0, cap - 1)
redis.call('PEXPIRE', KEYS[1], idle)
return n
