/**
 * Lua run inside Redis, so that appending to every recipient's stream, remembering each
 * stream's head and publishing the live copy happen as one step: live delivery order is
 * stream order on every instance.
 *
 * Every published event gets one id, the same in each recipient's stream: the next of a single
 * sequence of stream ids (`<ms>-<n>`, as Redis makes them, never going back). The live copy on
 * `chorus:ev` carries that id and the id published before it, so an instance that finds the
 * previous id is not the last one it received knows it missed a message, whoever it was for.
 * One id per event also means the frames of its recipients are the same bytes (frame-encoder.ts).
 *
 * Keys (one Redis, not a cluster):
 *   chorus:elast         the id of the last event published
 *   chorus:us:<userId>   the user's stream; entries { e: body key, p: the user's previous entry id }
 *   chorus:ulast         hash userId -> id of the user's newest entry (survives trimming)
 *   chorus:eb:<key>      an event's JSON body, stored once however many receive it
 *   chorus:cpub:<convId> seq of the conversation's last published event
 *   chorus:cm:<convId>   set of the conversation's audience ('0' marks a loaded set)
 *   chorus:ud:<key>      dedupe marker of a published user event
 *
 * Published on chorus:ev: `id prevId \n recipient,recipient,… \n body`, or `id prevId traceparent \n …`
 * when the publishing call was traced (its W3C traceparent: the delivering instance's span joins
 * that trace). Untraced events carry nothing more.
 */
const FANOUT = `
local function nextEventId(nowMs)
  local last = redis.call('GET', 'chorus:elast') or '0-0'
  local dash = string.find(last, '-', 1, true)
  local lastMs = tonumber(string.sub(last, 1, dash - 1))
  local id
  if nowMs > lastMs then id = string.format('%d-0', nowMs)
  else id = string.format('%d-%d', lastMs, tonumber(string.sub(last, dash + 1)) + 1) end
  redis.call('SET', 'chorus:elast', id)
  return id, last
end

local function fanout(bodyKey, body, retention, recipients, traceparent)
  if #recipients == 0 then return 0 end
  redis.call('SET', 'chorus:eb:' .. bodyKey, body, 'PX', retention)
  local t = redis.call('TIME')
  local nowMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local minId = string.format('%d-0', nowMs - retention)
  local id, previous = nextEventId(nowMs)
  for _, u in ipairs(recipients) do
    local stream = 'chorus:us:' .. u
    local prev = redis.call('HGET', 'chorus:ulast', u) or '0-0'
    redis.call('XADD', stream, 'MINID', '~', minId, id, 'e', bodyKey, 'p', prev)
    redis.call('PEXPIRE', stream, retention)
    redis.call('HSET', 'chorus:ulast', u, id)
  end
  local head = id .. ' ' .. previous
  if traceparent then head = head .. ' ' .. traceparent end
  redis.call('PUBLISH', 'chorus:ev', head .. '\\n' .. table.concat(recipients, ',') .. '\\n' .. body)
  return #recipients
end
`;

/**
 * ARGV: convId, seq, body, retentionMs, add csv, remove csv, seed csv or '-', force '1'|'0'[, traceparent].
 * Returns {1, n} published to n users; {0, last} already published; {-1, last} an earlier
 * seq is still unpublished; {-2, last} the audience is not loaded (pass a seed).
 */
export const PUBLISH_CONVERSATION_EVENT = `${FANOUT}
local conv = ARGV[1]
local seq = tonumber(ARGV[2])
local pubKey = 'chorus:cpub:' .. conv
local last = tonumber(redis.call('GET', pubKey) or '0')
if seq <= last then return {0, last} end
if seq > last + 1 and ARGV[8] ~= '1' then return {-1, last} end
local membersKey = 'chorus:cm:' .. conv
if redis.call('EXISTS', membersKey) == 0 then
  if ARGV[7] == '-' then return {-2, last} end
  redis.call('SADD', membersKey, '0')
  for u in string.gmatch(ARGV[7], '[^,]+') do redis.call('SADD', membersKey, u) end
end
for u in string.gmatch(ARGV[5], '[^,]+') do redis.call('SADD', membersKey, u) end
local recipients = {}
local seen = {}
for _, u in ipairs(redis.call('SMEMBERS', membersKey)) do
  if u ~= '0' then
    recipients[#recipients + 1] = u
    seen[u] = true
  end
end
for u in string.gmatch(ARGV[6], '[^,]+') do
  if not seen[u] then
    recipients[#recipients + 1] = u
    seen[u] = true
  end
  redis.call('SREM', membersKey, u)
end
redis.call('SET', pubKey, seq)
return {1, fanout('c:' .. conv .. ':' .. seq, ARGV[3], tonumber(ARGV[4]), recipients, ARGV[9])}
`;

/** ARGV: dedupe key, body, retentionMs, recipients csv[, traceparent]. Returns n, or -1 if already published. */
export const PUBLISH_USER_EVENT = `${FANOUT}
if not redis.call('SET', 'chorus:ud:' .. ARGV[1], '1', 'NX', 'PX', ARGV[3]) then return -1 end
local recipients = {}
local seen = {}
for u in string.gmatch(ARGV[4], '[^,]+') do
  if not seen[u] then
    recipients[#recipients + 1] = u
    seen[u] = true
  end
end
return fanout('u:' .. ARGV[1], ARGV[2], tonumber(ARGV[3]), recipients, ARGV[5])
`;
