-- queue: read-only snapshot of one user's deck, in one round trip (no writes).
-- KEYS[1] states hash  <p>:{u:..}:states:<deck>  card key -> stored state
-- KEYS[2] due zset     <p>:{u:..}:queue:<deck>   card key scored by due ms
-- KEYS[3] deck days    <p>:{u:..}:days:<deck>
-- ARGV[1] now in ms
-- ARGV[2] end of the local day in ms (exclusive)
-- ARGV[3] local day YYYY-MM-DD
-- ARGV[4] how many oldest due ids to return
-- Returns { oldest due card key or false, due now, due before end of day,
--           earliest due score as a string or false, new cards today, cards known,
--           stored state of the oldest due card or false, the oldest due keys (up to ARGV[4]) }.
-- @include queue-snapshot

return queueSnapshot(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), false)
