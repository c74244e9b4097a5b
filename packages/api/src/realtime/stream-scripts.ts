/**
 * Lua run inside Redis. Each script touches the keys of one hash tag (stream-keys.ts), so it
 * runs on one node of a Redis Cluster; the append script may cover several users whose slots
 * one node holds (`allow-cross-slot-keys`), one call per node instead of one per user.
 *
 * Publishing a conversation event takes two steps:
 *   1. CONVERSATION_STEP, in the conversation's slot: the seq check (refuse a seq already
 *      published, report a gap), the audience, the event's body (stored once), a proposed
 *      stream id, and a pending record (id + recipients) kept until step 2 is confirmed.
 *   2. APPEND, in the recipients' slots: each user's stream gets the entry unless their
 *      per-conversation position shows they have it (a retry never appends twice) or that they
 *      lack the conversation's previous event (a publisher died between the steps: the caller
 *      repairs from the pending records first, so a user's stream keeps the conversation's order).
 *      Each user's entry names their previous entry; the script returns the user's live routes.
 *
 * Keys, per conversation `{c<id>}`: `:pub` seq of the last published event, `:m` audience ('0'
 * marks a loaded set), `:pid` last proposed id, `:b:<seq>` body, `:p:<seq>` pending appends
 * (`id user,user!,…`; `!` = no order check: the user joined with this event, or the audience was
 * reloaded). Per user `{u<id>}`: `:s` stream (entries { b: body key, p: previous entry id }),
 * `:h` id of the newest entry (survives trimming), `:cs` conversation -> last seq appended,
 * `:r` live routes (instance -> lease expiry, ms). With the stream archive (stream-archive.ts),
 * entries past the Redis window are moved to the database and trimmed, and bodies expire sooner
 * than the retention; heads and positions keep it.
 */

/** Milliseconds now, by the server's clock, and the id comparisons the scripts share. */
const IDS = `
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function parseId(id)
  local dash = string.find(id, '-', 1, true)
  return tonumber(string.sub(id, 1, dash - 1)), tonumber(string.sub(id, dash + 1))
end
-- The first of 'ms-0' and the id after 'last'.
local function nextId(ms, last)
  local lastMs, lastSeq = parseId(last)
  if ms > lastMs then return string.format('%d-0', ms) end
  return string.format('%d-%d', lastMs, lastSeq + 1)
end
`;

/**
 * KEYS: cursor, members, lastId, body, pending. ARGV: seq, body, retentionMs, add csv, remove csv,
 * seed csv or '-', force '1'|'0', bodyMs (how long the body stays: the stream archive refers to
 * the database for older events; retentionMs when not given). Returns {1, seq, id, recipients} to append; {2, last, pending,
 * body} already published but its appends unconfirmed; {0, last} already published; {-1, last}
 * an earlier seq is unpublished; {-2, last} the audience is not loaded (pass a seed).
 */
export const CONVERSATION_STEP = `${IDS}
local seq = tonumber(ARGV[1])
local retention = tonumber(ARGV[3])
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
if seq <= last then
  local pending = redis.call('GET', KEYS[5])
  if pending then return {2, last, pending, redis.call('GET', KEYS[4]) or ''} end
  return {0, last}
end
if seq > last + 1 and ARGV[7] ~= '1' then return {-1, last} end
local unchecked = ARGV[7] == '1'
if redis.call('EXISTS', KEYS[2]) == 0 then
  if ARGV[6] == '-' then return {-2, last} end
  redis.call('SADD', KEYS[2], '0')
  for u in string.gmatch(ARGV[6], '[^,]+') do redis.call('SADD', KEYS[2], u) end
  unchecked = true
end
local fresh = {}
for u in string.gmatch(ARGV[4], '[^,]+') do
  if redis.call('SADD', KEYS[2], u) == 1 then fresh[u] = true end
end
local recipients = {}
local seen = {}
for _, u in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if u ~= '0' then
    recipients[#recipients + 1] = (unchecked or fresh[u]) and (u .. '!') or u
    seen[u] = true
  end
end
for u in string.gmatch(ARGV[5], '[^,]+') do
  if not seen[u] then
    recipients[#recipients + 1] = u .. '!'
    seen[u] = true
  end
  redis.call('SREM', KEYS[2], u)
end
redis.call('SET', KEYS[1], seq)
local id = nextId(nowMs(), redis.call('GET', KEYS[3]) or '0-0')
redis.call('SET', KEYS[3], id, 'PX', retention)
redis.call('SET', KEYS[4], ARGV[2], 'PX', tonumber(ARGV[8] or ARGV[3]))
local list = table.concat(recipients, ',')
if #recipients > 0 then redis.call('SET', KEYS[5], id .. ' ' .. list, 'PX', retention) end
return {1, seq, id, list}
`;

/** KEYS: the event's body key. ARGV: body, retentionMs. Returns a proposed id, or nil if already published. */
export const USER_EVENT_STEP = `${IDS}
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return nil end
return string.format('%d-0', nowMs())
`;

/**
 * KEYS: the first recipient's stream (it routes the call; a cluster refuses declared keys of
 * several slots, so the others' keys, on the same node, are named in the script). ARGV: body key,
 * proposed id, retentionMs, conversation id or '', seq, then one spec per recipient (`user` or `user!`). Returns per user {1, user, id, prev, routes}
 * appended (routes: instance ids, space separated); {0, user, have} already there; {-1, user,
 * have} the conversation's seq after `have` is missing from the stream (repair first).
 */
export const APPEND = `#!lua flags=allow-cross-slot-keys
${IDS}
local bodyKey, proposed, retention, conv, seq = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5])
local now = nowMs()
local minId = string.format('%d-0', math.max(0, now - retention))
local out = {}
for i = 6, #ARGV do
  local spec = ARGV[i]
  local unchecked = string.sub(spec, -1) == '!'
  local user = unchecked and string.sub(spec, 1, -2) or spec
  local base = 'chorus:{u' .. user .. '}'
  local stream = base .. ':s'
  local status, have = 1, -1
  if conv ~= '' then
    have = tonumber(redis.call('HGET', base .. ':cs', conv) or '-1')
    if have >= seq then status = 0
    elseif not unchecked and have >= 0 and have < seq - 1 then status = -1 end
  end
  if status == 1 then
    local prev = redis.call('GET', base .. ':h') or '0-0'
    local id = proposed
    local pMs, pSeq = parseId(proposed)
    local hMs, hSeq = parseId(prev)
    if pMs < hMs or (pMs == hMs and pSeq <= hSeq) then id = nextId(0, prev) end
    redis.call('XADD', stream, 'MINID', '~', minId, id, 'b', bodyKey, 'p', prev)
    redis.call('PEXPIRE', stream, retention)
    redis.call('SET', base .. ':h', id, 'PX', retention)
    if conv ~= '' then
      redis.call('HSET', base .. ':cs', conv, seq)
      redis.call('PEXPIRE', base .. ':cs', retention)
    end
    local routes = {}
    local held = redis.call('HGETALL', base .. ':r')
    for j = 1, #held, 2 do
      if tonumber(held[j + 1]) > now then routes[#routes + 1] = held[j]
      else redis.call('HDEL', base .. ':r', held[j]) end
    end
    out[#out + 1] = {1, user, id, prev, table.concat(routes, ' ')}
  else
    out[#out + 1] = {status, user, have}
  end
end
return out
`;

/** KEYS: head, ARGV: seq. Raises a room's head (the highest seq published). */
export const RAISE_ROOM_HEAD = `
if tonumber(ARGV[1]) > tonumber(redis.call('GET', KEYS[1]) or '0') then redis.call('SET', KEYS[1], ARGV[1]) end
return 1
`;
