/**
 * Lua scripts of the redis store. Each touches exactly one key, so each is atomic and
 * Cluster-safe. They implement the same rules as `applyOps` in core/store.ts.
 */

/**
 * KEYS[1] session hash; ARGV[1] ttl ms; ARGV[2] max data bytes (0: none); then triples
 * (op, field, arg) with op `s` set, `d` delete, `i` increment by arg, `c` clear all data.
 * Returns {'ok', counter...} | {'gone'} | {'too-large', bytes} | {'not-integer', field}.
 * A missing session is never recreated: that is what stops resurrection after logout.
 */
export const COMMIT_SCRIPT = `
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return {'gone'} end
local ttl = tonumber(ARGV[1])
local maxBytes = tonumber(ARGV[2])
local flat = redis.call('HGETALL', key)
local cur = {}
for i = 1, #flat, 2 do cur[flat[i]] = flat[i + 1] end
local touched = {}
local counters = {}
for i = 3, #ARGV, 3 do
  local op, field, arg = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  touched[field] = true
  if op == 's' then
    cur[field] = arg
  elseif op == 'd' then
    cur[field] = false
  elseif op == 'c' then
    for f, v in pairs(cur) do
      if v and string.sub(f, 1, 2) == 'd:' then cur[f] = false; touched[f] = true end
    end
  else
    local v = cur[field] or '0'
    if #v > 15 or not string.match(v, '^%-?%d+$') then return {'not-integer', field} end
    local n = string.format('%.0f', tonumber(v) + tonumber(arg))
    cur[field] = n
    counters[#counters + 1] = n
  end
end
local bytes = 0
for f, v in pairs(cur) do
  if v and string.sub(f, 1, 2) == 'd:' then bytes = bytes + #f - 2 + #v end
end
if maxBytes > 0 and bytes > maxBytes then return {'too-large', tostring(bytes)} end
for f in pairs(touched) do
  if cur[f] then redis.call('HSET', key, f, cur[f]) else redis.call('HDEL', key, f) end
end
redis.call('PEXPIRE', key, ttl)
local out = {'ok'}
for i = 1, #counters do out[#out + 1] = counters[i] end
return out
`;

/** KEYS[1] session hash; ARGV[1] ttl ms; then field, value pairs. 1 created, 0 id taken. */
export const CREATE_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
`;

/**
 * KEYS[1] session hash. A read in one command, run as EVALSHA_RO (read-only: Redis refuses any
 * write in it, and it is no write to count): its fields (flat) then its PTTL; `{}` when missing.
 */
export const LOAD_SCRIPT = `
local flat = redis.call('HGETALL', KEYS[1])
if #flat == 0 then return flat end
flat[#flat + 1] = redis.call('PTTL', KEYS[1])
return flat
`;

/** KEYS[1] session hash. Returns its fields (flat) and deletes it, in one step. */
export const TAKE_SCRIPT = `
local flat = redis.call('HGETALL', KEYS[1])
if #flat > 0 then redis.call('DEL', KEYS[1]) end
return flat
`;

/**
 * KEYS[1] user index, a sorted set of session ids scored by login time; ARGV[1] session id;
 * ARGV[2] ttl ms (0: sessions have no absolute lifetime, so neither has the index); ARGV[3] now
 * (ms); ARGV[4] max sessions (0: no limit). The index lives as long as its longest-lived session.
 * Logins older than the absolute lifetime are dropped (their sessions are over). An index written
 * as a plain set (before sorted sets) is converted, its ids counting as logged in just now.
 * Returns every id, oldest first, when there is no max or more than max remain (the caller
 * checks which are live and prunes the rest), else nothing: with a max the work is bounded by it.
 */
export const INDEX_SCRIPT = `
local key = KEYS[1]
local now = tonumber(ARGV[3])
if redis.call('TYPE', key).ok == 'set' then
  local old = redis.call('SMEMBERS', key)
  local left = redis.call('PTTL', key)
  redis.call('DEL', key)
  for i = 1, #old do redis.call('ZADD', key, now - 1, old[i]) end
  if left > 0 then redis.call('PEXPIRE', key, left) end
end
local fresh = redis.call('EXISTS', key) == 0
redis.call('ZADD', key, now, ARGV[1])
local ttl = tonumber(ARGV[2])
local current = redis.call('PTTL', key)
if ttl <= 0 then redis.call('PERSIST', key)
else
  redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. string.format('%.0f', now - ttl))
  if (current == -1 and fresh) or (current >= 0 and current < ttl) then
    redis.call('PEXPIRE', key, ttl)
  end
end
local max = tonumber(ARGV[4])
if max <= 0 or redis.call('ZCARD', key) > max then return redis.call('ZRANGE', key, 0, -1) end
return {}
`;
