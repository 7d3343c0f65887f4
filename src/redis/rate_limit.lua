-- hookproof GCRA rate limit on one Redis key: src/rate_limit.rs, in (milliseconds,
-- nanoseconds) pairs so every value stays exact in Lua's doubles. The one copy of this
-- script: Rust includes it (src/redis.rs) and the npm package inlines it at build
-- (js/build.mjs); the rate-limit cases of tests/vectors/guards.json check it.
--
-- KEYS[1]: the limiter's key. ARGV: now (Unix ms), interval (ns), tolerance (ns), expiry
-- slack (ms). Stored value "<ms>:<ns>": the theoretical arrival time.
-- Reply: {'allow', 0} or {'retry_after', whole seconds >= 1}.
local M = 1000000
local now, interval, tol, slack = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
if not (now and interval and tol and slack) then
  return redis.error_reply('hookproof: bad arguments')
end
local t_ms, t_ns = 0, 0
local v = redis.call('GET', KEYS[1])
if v then
  local sep = string.find(v, ':', 1, true)
  if sep then
    t_ms = tonumber(string.sub(v, 1, sep - 1)) or 0
    t_ns = tonumber(string.sub(v, sep + 1)) or 0
  end
end
if t_ms < now then t_ms, t_ns = now, 0 end
local tol_ms = math.floor(tol / M)
local e_ms, e_ns = t_ms - tol_ms, t_ns - (tol - tol_ms * M)
if e_ns < 0 then e_ns, e_ms = e_ns + M, e_ms - 1 end
if e_ms < 0 then e_ms, e_ns = 0, 0 end
if now < e_ms or (now == e_ms and e_ns > 0) then
  local wait = (e_ms - now) * M + e_ns
  return {'retry_after', math.max(1, math.floor((wait + 999999999) / 1000000000))}
end
local i_ms = math.floor(interval / M)
t_ms, t_ns = t_ms + i_ms, t_ns + (interval - i_ms * M)
if t_ns >= M then t_ns, t_ms = t_ns - M, t_ms + 1 end
redis.call('SET', KEYS[1], string.format('%.0f', t_ms) .. ':' .. string.format('%.0f', t_ns), 'PX', string.format('%.0f', math.max(1, t_ms - now + slack)))
return {'allow', 0}
