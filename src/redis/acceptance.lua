-- hookproof two-phase acceptance on one Redis key: src/acceptance.rs `transition`, applied
-- atomically. The one copy of this script: Rust includes it (src/redis.rs) and the npm
-- package inlines it at build (js/build.mjs); tests/vectors/acceptance.json checks it.
--
-- KEYS[1]: the id's acceptance key; KEYS[2] (enqueue only): the stream. Both carry the scope's
-- hash tag, so they share a Redis Cluster hash slot.
-- ARGV: op (begin | commit | abort | enqueue), token, now (Unix s), window (s), lease (s),
-- expiry slack (ms); for enqueue also MAXLEN (0: none, else XADD MAXLEN ~ n) and the entry's
-- field/value pairs.
-- Stored value: "in_flight:<lease deadline>" or "done:<window end>"; Redis expires the key
-- `slack` ms after the deadline, and until then the deadline decides.
-- Reply: {answer, value[, stream entry id]}, answer one of new (value: token), in_flight
-- (value: seconds left, >= 1), done, committed, late, released, not_held; enqueue adds the
-- stream entry id when it wrote the event (committed or late).
local v = redis.call('GET', KEYS[1])
local state, deadline = nil, 0
if v then
  local sep = string.find(v, ':', 1, true)
  if sep then
    state = string.sub(v, 1, sep - 1)
    deadline = tonumber(string.sub(v, sep + 1)) or 0
    if state ~= 'in_flight' and state ~= 'done' then state = nil end
  end
end
local op, token, now = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local window, lease, slack = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
if not (token and now and window and lease and slack) then
  return redis.error_reply('hookproof: bad arguments')
end
local live = state ~= nil and now < deadline
local ours = live and state == 'in_flight' and deadline == token
local function put(s, d)
  local ttl = math.max(1, (d - now) * 1000 + slack)
  redis.call('SET', KEYS[1], s .. ':' .. string.format('%.0f', d), 'PX', string.format('%.0f', ttl))
end
local function left()
  return math.max(1, deadline - now)
end
if op == 'begin' then
  if not live then
    put('in_flight', now + lease)
    return {'new', now + lease}
  end
  if state == 'in_flight' then return {'in_flight', left()} end
  return {'done', 0}
end
if op == 'abort' then
  if ours then
    redis.call('DEL', KEYS[1])
    return {'released', 0}
  end
  return {'not_held', 0}
end
if op == 'commit' then
  local untilT = now + window
  if live and state == 'done' then untilT = math.max(deadline, untilT) end
  put('done', untilT)
  if ours then return {'committed', 0} end
  return {'late', 0}
end
if op == 'enqueue' then
  if live and state == 'done' then return {'done', 0} end
  if live and not ours then return {'in_flight', left()} end
  local maxlen = tonumber(ARGV[7]) or 0
  local added
  if maxlen > 0 then
    added = redis.call('XADD', KEYS[2], 'MAXLEN', '~', string.format('%.0f', maxlen), '*', unpack(ARGV, 8))
  else
    added = redis.call('XADD', KEYS[2], '*', unpack(ARGV, 8))
  end
  put('done', now + window)
  if ours then return {'committed', 0, added} end
  return {'late', 0, added}
end
return redis.error_reply('hookproof: unknown op')
