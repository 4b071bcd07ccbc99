-- gradeRead: read-only; one card's stored state, its due score and the user's timezone, in one call.
-- KEYS[1] states hash  <p>:{u:..}:states:<deck>  card key -> stored state (toStoredState, cardstate.ts)
-- KEYS[2] due zset     <p>:{u:..}:queue:<deck>   card key scored by due ms
-- KEYS[3] timezone     <p>:{u:..}:tz             the user's study timezone (IANA name)
-- ARGV[1] card key (the deck's short key of the card id: card-keys.ts)
-- Returns { stored state or false, due score as a string or false, timezone or false }.
-- One script instead of a pipeline of HGET, ZSCORE and GET: on a grade click's first round trip,
-- ioredis's pipeline object and its three commands cost the client about as much CPU as the rest
-- of the Redis work of the click (bench/grade.ts).

local card = ARGV[1]
return {
  redis.call('HGET', KEYS[1], card),
  redis.call('ZSCORE', KEYS[2], card),
  redis.call('GET', KEYS[3]),
}
