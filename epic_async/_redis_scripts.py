"""The shared limiter's Lua: :mod:`epic_async._bucket` and :mod:`epic_async._adaptive`, line for line.

One hash per key holds the bucket (``level``, ``at``) and the adaptive state (``epoch``, ``slow``,
``w_max``, ``k``, ``last``, ``since``, ``mark``, ``sent``): the cut counter lives in Redis, so a ticket means
the same thing to every worker. Each script runs atomically on Redis' own clock (``TIME``), so
hosts with skewed clocks agree; the algorithm's constants come in as arguments from the Python
module, so the two cannot drift apart in their numbers, and ``tests/test_shared_algorithm.py``
steps the scripts and the Python functions through the same events to show they do not drift in
their lines either. (That test passes ``now`` explicitly; clients never do.)

Numbers leave Lua as strings (``%.17g``): Redis would truncate a Lua number to an integer on the
way out.
"""

from __future__ import annotations

__all__ = ["ACQUIRE", "THROTTLED"]

# Shared by both scripts: the clock, the state, rate_at() and refill().
# ARGV[1..9] (both scripts): pace rate of a stated limit, burst, adaptive (0/1), start rate,
# min rate, max rate (0 = none), rate margin, now ('' = Redis TIME), and the constants
# "BETA C INTERVAL USED SLOW_START_CUT AFTER_CUT_BURST" as one space-separated string.
_COMMON = """
local now
if ARGV[8] ~= '' then
  now = tonumber(ARGV[8])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local fixed_rate, burst, adaptive = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3] == '1'
local start_rate, min_rate, max_rate = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
if max_rate == 0 then max_rate = math.huge end
local margin = tonumber(ARGV[7])
local BETA, C, INTERVAL, USED, SLOW_START_CUT, AFTER_CUT_BURST =
  string.match(ARGV[9], '(%S+) (%S+) (%S+) (%S+) (%S+) (%S+)')
BETA, C, INTERVAL = tonumber(BETA), tonumber(C), tonumber(INTERVAL)
USED, SLOW_START_CUT, AFTER_CUT_BURST = tonumber(USED), tonumber(SLOW_START_CUT), tonumber(AFTER_CUT_BURST)

local h = redis.call('HMGET', KEYS[1], 'level', 'at', 'epoch', 'slow', 'w_max', 'k', 'since', 'mark', 'sent', 'last')
local level, at = tonumber(h[1]), tonumber(h[2])
if not level then level, at = burst, now end
local epoch = tonumber(h[3]) or 0
local slow = h[4] ~= '0'
local w_max = tonumber(h[5]) or start_rate
local k = tonumber(h[6]) or 0
local since = tonumber(h[7]) or now
local mark = tonumber(h[8]) or now
local sent = tonumber(h[9]) or 0
local last = tonumber(h[10]) or 0

local function rate_at(t)
  local rate = w_max
  if not slow then
    local x = (t - since) - k
    rate = w_max * (1 + C * x * x * x)
  end
  return math.min(max_rate, math.max(min_rate, rate))
end

local function pace_rate(t)
  if adaptive then return rate_at(t) * (1 - margin) end
  return fixed_rate
end

local function refill(rate)
  -- burst_cap(): after its first cut an adaptive rate banks AFTER_CUT_BURST seconds of itself
  local cap = burst
  if adaptive and not slow then
    cap = math.max(1, math.min(burst, math.floor(rate_at(now) * AFTER_CUT_BURST + 0.5)))
  end
  if now > at then
    level = math.min(cap, level + (now - at) * rate)
    at = now
  end
end

-- 17 significant digits: a double read back is the same double (tostring keeps only 14, and
-- Redis' clock in seconds since 1970 needs 16 for its microseconds).
local function num(x) return string.format('%.17g', x) end

local function save()
  redis.call('HSET', KEYS[1], 'level', num(level), 'at', num(at), 'epoch', epoch,
    'slow', slow and '1' or '0', 'w_max', num(w_max), 'k', num(k),
    'since', num(since), 'mark', num(mark), 'sent', sent, 'last', num(last))
  redis.call('PEXPIRE', KEYS[1], 3600000)
end
"""

#: Take one token (reserve); then, adaptive, note_send. Returns {wait seconds, ticket, rate}.
ACQUIRE = (
    _COMMON
    + """
local rate = pace_rate(now)
refill(rate)
level = level - 1
local wait = math.max(0, at - now) + math.max(0, -level) / rate
if adaptive then
  sent = sent + 1
  local elapsed = now - mark
  if elapsed >= INTERVAL then
    local used = sent >= USED * rate_at(mark) * elapsed
    if slow then
      if used then w_max = math.min(max_rate, w_max * 2) end
    elseif not used then
      since = since + elapsed
    end
    mark = now
    sent = 0
  end
end
save()
return {num(wait), epoch, num(rate_at(now))}
"""
)

#: A 429. ARGV[10] = 'pause' with ARGV[11] seconds (a stated rate: hold the bucket), or 'cut'
#: with ARGV[11] the request's ticket (adaptive: cut once per overload). Either way the bucket
#: keeps at most one token. Returns {1 if it cut else 0, rate}.
THROTTLED = (
    _COMMON
    + """
local did_cut = 0
if ARGV[10] == 'cut' then
  if adaptive and tonumber(ARGV[11]) == epoch then
    local rate = rate_at(now)
    local aim, after
    if slow then
      aim = rate
      after = math.max(min_rate, rate * SLOW_START_CUT)
      last = 0
    else
      aim = rate
      if rate < last then aim = rate * (1 + BETA) / 2 end
      after = math.max(min_rate, rate * BETA)
      last = rate
    end
    slow = false
    w_max = math.max(aim, after)
    if w_max > after then k = ((1 - after / w_max) / C) ^ (1 / 3) else k = 0 end
    since, mark, sent = now, now, 0
    epoch = epoch + 1
    did_cut = 1
    refill(pace_rate(now))
    level = math.min(level, 1)
  end
else
  refill(pace_rate(now))
  level = math.min(level, 1)
  at = math.max(at, now + tonumber(ARGV[11]))
end
save()
return {did_cut, num(rate_at(now))}
"""
)
